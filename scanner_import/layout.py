"""Where the cover QR lives, shared by the cover writer and the reader.

The reader looks in this corner first (and in the diagonally opposite corner,
where an upside-down cover puts it) before paying for a full-page search, so
both sides must agree on it. Fractions of page width/height, x0, y0, x1, y1.
"""
from __future__ import annotations

# The QR sits inside this box on an upright cover (with a margin for skew and
# scanner offset: the printed QR occupies roughly 0.07-0.29 x 0.05-0.20).
COVER_QR_BOX: tuple[float, float, float, float] = (0.0, 0.0, 0.42, 0.30)

# Printed QR: side length and distance from the top/left paper edges, in mm.
QR_SIDE_MM = 45.0
QR_MARGIN_MM = 15.0

A4_MM = (210.0, 297.0)


def rotated_180(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The same box on a page turned upside down."""
    x0, y0, x1, y1 = box
    return (1.0 - x1, 1.0 - y1, 1.0 - x0, 1.0 - y0)


def box_before_turn(box: tuple[float, float, float, float], turn: int) -> tuple[float, float, float, float]:
    """Where a box of the upright page lies on a page that must still be turned by ``turn``
    degrees counter-clockwise (``images.rotate_ccw``) to stand upright."""
    x0, y0, x1, y1 = box
    turn %= 360
    if turn == 90:
        return (1.0 - y1, x0, 1.0 - y0, x1)
    if turn == 180:
        return rotated_180(box)
    if turn == 270:
        return (y0, 1.0 - x1, y1, 1.0 - x0)
    if turn:
        raise ValueError(f"turn must be a multiple of 90 degrees, got {turn}")
    return box


def mirrored_x(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """The box in the other top/bottom corner (for 90°-turned scans)."""
    x0, y0, x1, y1 = box
    return (1.0 - x1, y0, 1.0 - x0, y1)

"""Frames of a (multi-page) TIFF, decoded one at a time in order.

Pillow seeks TIFF frames sequentially and its image object is not safe to share
between threads, so frames are decoded here, on the reader's thread, and only
the current one is held.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .budget import DecodeLimits, FileBudget, PageCost
from .errors import ScanInputError
from .pagesrc import DecodedPage, SourcePage


def open_tiff(path: Path) -> Image.Image:
    try:
        img = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise ScanInputError("image_too_large", path, f"изображение слишком большое ({exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ScanInputError("corrupt_tiff", path, f"TIFF-файл повреждён и не читается ({exc})") from exc
    if img.format != "TIFF":
        img.close()
        raise ScanInputError("unsupported_format", path, "файл не является TIFF")
    return img


def count_frames(path: Path, img: Image.Image) -> int:
    try:
        return int(getattr(img, "n_frames", 1))
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ScanInputError("corrupt_tiff", path, f"TIFF-файл повреждён ({exc})") from exc


def survey_frames(path: Path, img: Image.Image, count: int, limits: DecodeLimits) -> None:
    """Charge every frame's size against ``limits`` (reading each frame's tags, not its pixels)."""
    budget = FileBudget(path, limits)
    try:
        for index in range(count):
            img.seek(index)
            budget.charge(index + 1, PageCost(img.width * img.height, img.size))
        img.seek(0)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ScanInputError("corrupt_tiff", path, f"TIFF-файл повреждён ({exc})") from exc


def _check_bomb(path: Path, number: int, size: tuple[int, int]) -> None:
    """Pillow checks only the first frame on open; apply the same limit to every frame."""
    limit = Image.MAX_IMAGE_PIXELS
    if limit and size[0] * size[1] > 2 * limit:
        raise ScanInputError("image_too_large", path,
                             f"изображение страницы слишком большое ({size[0]}×{size[1]} px)",
                             page=number)


def iter_tiff_pages(path: Path, img: Image.Image, count: int) -> Iterator[SourcePage]:
    for index in range(count):
        number = index + 1
        try:
            img.seek(index)
            _check_bomb(path, number, img.size)
            frame = img.copy()
        except ScanInputError:
            raise
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ScanInputError("corrupt_tiff", path, f"страница повреждена ({exc})",
                                 page=number) from exc
        yield DecodedPage(number=number, path=path, image=frame, origin="tiff")

"""The name of a file an organiser uploaded, as kept and shown: in messages, in the flash
cookie (which a 600-character name would push past what a browser keeps), on a scan batch."""
from __future__ import annotations

import re
from pathlib import Path

SHOWN_LENGTH = 100


def shown_name(filename: str, default: str, limit: int = SHOWN_LENGTH) -> str:
    """The last path part (an old browser sends a Windows path), control characters as
    spaces, at most ``limit`` characters with the extension kept; ``default`` when empty."""
    name = re.sub(r"[\x00-\x1f\x7f]+", " ", filename.replace("\\", "/")).rsplit("/", 1)[-1].strip()
    if len(name) <= limit:
        return name or default
    suffix = Path(name).suffix[:10]
    return name[:limit - len(suffix) - 1] + "…" + suffix

"""Paper ciphers: drawn by ``domain.ciphers`` (pure), which calibration copies use too."""
from __future__ import annotations

from ...domain.ciphers import ALPHABET, LENGTH, new_cipher, new_ciphers

__all__ = ["ALPHABET", "LENGTH", "new_cipher", "new_ciphers"]

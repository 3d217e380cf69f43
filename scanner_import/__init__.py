"""crosscheck scan pipeline: cover sheets out, scanned papers in.

Usable without the web app (imports nothing from Flask, SQLAlchemy or
``crosscheck``). The web/job layer calls:

* :func:`write_covers_pdf` - print covers for one school;
* :func:`import_scan` - turn a scanned PDF/TIFF into papers, pages (original +
  masked JPEGs in a content-addressed directory) and an unidentified queue;
* :func:`parse_masks` - template ``masks`` → :class:`MaskBox` tuple;
* :func:`encode_payload` / :func:`decode_payload` - the cover QR text.
"""
from .covers import CoverEntry, CoverSheetSet, render_cover, write_covers_pdf
from .errors import ScanInputError
from .masks import MaskBox, apply_masks, parse_masks
from .pagework import IdentityBox
from .pipeline import ImportOptions, ProgressCallback, default_workers, file_sha256, import_scan
from .qrpayload import DecodedPayload, PayloadStatus, decode_payload, encode_payload
from .reader import open_scan
from .result import (BlankPage, ContentPage, ImportResult, Paper, ScanWarning, StoredImage,
                     TitleReading, UnidentifiedPage)
from .store import ContentStore

__all__ = [
    "BlankPage", "ContentPage", "ContentStore", "CoverEntry", "CoverSheetSet", "DecodedPayload",
    "IdentityBox", "ImportOptions", "ImportResult", "MaskBox", "Paper", "PayloadStatus", "ProgressCallback",
    "ScanInputError", "ScanWarning", "StoredImage", "TitleReading", "UnidentifiedPage", "apply_masks",
    "decode_payload", "default_workers", "encode_payload", "file_sha256", "import_scan",
    "open_scan", "parse_masks", "render_cover", "write_covers_pdf",
]

"""Job names → functions. Jobs take ids and plain values and reload what they need."""
from __future__ import annotations

from .maintenance import purge_login_attempts
from .marks import check_marks_upload, import_marks_upload
from .reports import build_report
from .scans import import_scan_batch

JOBS = {
    "purge_login_attempts": purge_login_attempts,
    "import_scan_batch": import_scan_batch,
    "build_report": build_report,
    "check_marks_upload": check_marks_upload,
    "import_marks_upload": import_marks_upload,
}

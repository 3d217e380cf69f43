#!/usr/bin/env python3
"""Rebuild crosscheck/services/people/common-passwords.txt.gz (ASVS 2.1.7: refuse passwords
that are known to be common). Run offline, by hand; the result is committed.

Source: Django's `django/contrib/auth/common-passwords.txt.gz` (Django on PyPI, BSD
licence; the list is Royce Williams' 20,000 most common passwords, lowercased and
deduplicated; the file used was from Django 5.2.19). Kept: the entries of at least 8
characters (shorter ones are refused by the length rule anyway), in their order of
frequency. Added: a small supplement for where crosscheck is used: Russian words and the
same words typed with the Latin keyboard layout («пароль» = gfhjkm), with the usual digit
suffixes.

    python3 scripts/common-passwords.py                 # pip-downloads the Django wheel
    python3 scripts/common-passwords.py Django-….whl    # or reads a wheel / .txt.gz you have
"""
from __future__ import annotations

import gzip
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

DJANGO = "django==5.2.19"
MEMBER = "django/contrib/auth/common-passwords.txt.gz"
TARGET = Path(__file__).resolve().parent.parent / "crosscheck" / "services" / "people" / "common-passwords.txt.gz"
MIN_LENGTH = 8  # crosscheck.services.people.accounts.MIN_PASSWORD_LENGTH

WORDS = ["пароль", "gfhjkm", "йцукен", "qwerty", "привет", "ghbdtn", "школа", "ibrjkf", "учитель",
         "ехзуке", "впр", "vpr", "crosscheck", "перепроверка"]
SUFFIXES = ["1", "12", "123", "1234", "12345", "123456", "2024", "2025", "2026", "2027", "!", "1!"]


def django_list(source: Path | None) -> list[str]:
    if source is None:
        tmp = Path(tempfile.mkdtemp())
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(tmp), DJANGO],
                       check=True)
        source = next(tmp.glob("*.whl"))
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            data = wheel.read(MEMBER)
    else:
        data = source.read_bytes()
    with gzip.open(io.BytesIO(data), "rt", encoding="utf-8") as fh:
        return [line.strip() for line in fh if line.strip()]


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    words: list[str] = []
    seen: set[str] = set()
    supplement = [w + s for w in WORDS for s in SUFFIXES] + WORDS
    for word in django_list(source) + supplement:
        word = word.lower()
        if len(word) >= MIN_LENGTH and word not in seen:
            seen.add(word)
            words.append(word)
    with gzip.GzipFile(TARGET, "wb", mtime=0) as fh:  # mtime 0: the same input gives the same bytes
        fh.write(("\n".join(words) + "\n").encode("utf-8"))
    print(f"{TARGET}: {len(words)} passwords")


if __name__ == "__main__":
    main()

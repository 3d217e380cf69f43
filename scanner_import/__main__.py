"""``python -m scanner_import FILE --campaign SLUG [--masks masks.json] --out DIR``.

Prints the import result as JSON on stdout and progress on stderr; on a bad
input file prints one line on stderr and exits 2.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .errors import ScanInputError
from .masks import parse_masks
from .pipeline import ImportOptions, import_scan
from .reader import DEFAULT_DPI, DEFAULT_MAX_PAGES


def _load_masks(path: Path | None) -> Any:
    if path is None:
        return ()
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".yml", ".yaml"):
        import yaml  # optional: only for YAML templates

        return parse_masks(yaml.safe_load(text))
    return parse_masks(json.loads(text))


def _progress(done: int, total: int) -> None:
    if done == total or done % 25 == 0:
        print(f"\r{done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scanner_import",
                                     description="Import a scanned PDF/TIFF of papers with cover sheets.")
    parser.add_argument("file", type=Path)
    parser.add_argument("--campaign", required=True, help="campaign slug the covers must carry")
    parser.add_argument("--masks", type=Path, help="JSON/YAML: template or list of {page, box}")
    parser.add_argument("--out", type=Path, required=True, help="output directory (content-addressed)")
    parser.add_argument("--dpi", type=int, default=DEFAULT_DPI, help="for pages that must be rasterised")
    parser.add_argument("--max-pages", type=int, default=DEFAULT_MAX_PAGES)
    parser.add_argument("--expected-pages", type=int)
    parser.add_argument("--workers", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    try:
        masks = _load_masks(args.masks)
    except (OSError, ValueError) as exc:
        print(f"masks: {exc}", file=sys.stderr)
        return 2
    options = ImportOptions(campaign=args.campaign, masks=masks, expected_pages=args.expected_pages,
                            dpi=args.dpi, max_pages=args.max_pages, workers=args.workers)
    try:
        result = import_scan(args.file, args.out, options, None if args.quiet else _progress)
    except ScanInputError as exc:
        print(f"{exc.code}: {exc.message_ru}", file=sys.stderr)
        return 2
    json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

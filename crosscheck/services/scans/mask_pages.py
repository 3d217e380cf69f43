"""The mask editor's scanned pages (issue 15): one title page and optionally one content page
uploaded by an organiser to draw a template's masks on, and the masked preview of them.

The pages live only for the editing session, in a bounded temporary area of the data
directory (``mask-editor/<user>-<template>/``): swept after ``MAX_AGE_S`` and when there are
more than ``MAX_SESSIONS`` of them, removed when the masks are saved. They are served only
through the organisers' routes of ``web/templates_admin.py``.

The preview is made by the pipeline's own code: the uploaded page is kept in a
``scanner_import`` content store and masked by :func:`pages.render_masked`, the function that
masks every real page (orientation by the boxes, the identity box, the fill, the encoding).
"""
from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ...domain.template import TemplateSpec
from .pages import render_masked

EDITOR_DIR = "mask-editor"
MAX_AGE_S = 3 * 3600          # an editing session's pages are kept this long at most
MAX_SESSIONS = 20             # ... and no more than this many sessions at once
MAX_PAGE_BYTES = 30 * 1024 * 1024  # one uploaded page image or PDF
SLOTS = ("title", "content")  # the title page (position 1) and one content page
SLOT_NAMES = {"title": "титульная страница", "content": "страница с заданиями"}


class MaskPageError(ValueError):
    """Why an uploaded page cannot be used (one Russian sentence)."""


@dataclass(frozen=True)
class EditorPage:
    slot: str
    position: int
    width: int
    height: int
    name: str
    stamp: int  # changes with every upload (the browser's cache key)


def editor_root(data_dir: Path) -> Path:
    return data_dir / EDITOR_DIR


def session_dir(data_dir: Path, user_id: int, template_id: int) -> Path:
    return editor_root(data_dir) / f"u{int(user_id)}-t{int(template_id)}"


def sweep(data_dir: Path, *, now: float | None = None) -> int:
    """Remove sessions older than ``MAX_AGE_S`` and the oldest beyond ``MAX_SESSIONS``."""
    root = editor_root(data_dir)
    if not root.is_dir():
        return 0
    now = time.time() if now is None else now
    dirs = sorted((d for d in root.iterdir() if d.is_dir()), key=lambda d: d.stat().st_mtime, reverse=True)
    removed = 0
    for i, d in enumerate(dirs):
        if i >= MAX_SESSIONS or now - d.stat().st_mtime > MAX_AGE_S:
            shutil.rmtree(d, ignore_errors=True)
            removed += 1
    return removed


def discard(data_dir: Path, user_id: int, template_id: int) -> None:
    shutil.rmtree(session_dir(data_dir, user_id, template_id), ignore_errors=True)


def _decode(name: str, data: bytes, work: Path) -> Image.Image:
    """The page as an "L" or "RGB" image: a JPEG or PNG, or the first page of a PDF read by the
    scan pipeline's reader (poppler when it must render, with its pixel and time limits)."""
    from scanner_import.budget import DecodeLimits
    from scanner_import.errors import ScanInputError
    from scanner_import.images import normalise_mode
    from scanner_import.reader import open_scan

    if not data:
        raise MaskPageError(f"{name}: файл пустой")
    if len(data) > MAX_PAGE_BYTES:
        raise MaskPageError(f"{name}: файл больше {MAX_PAGE_BYTES // (1024 * 1024)} МБ; "
                            "загрузите одну страницу в JPEG, PNG или PDF")
    limits = DecodeLimits()
    if b"%PDF-" in data[:1024]:
        fd, tmp = tempfile.mkstemp(dir=work, suffix=".pdf")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            with open_scan(tmp, limits=limits) as scan:
                source = next(iter(scan))
                image = source.load()
                return normalise_mode(image)
        except ScanInputError as exc:
            raise MaskPageError(f"{name}: {exc.detail_ru}") from exc
        except Exception as exc:  # noqa: BLE001 - any decoder failure is one bad file
            raise MaskPageError(f"{name}: первая страница PDF не читается") from exc
        finally:
            Path(tmp).unlink(missing_ok=True)
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("JPEG", "PNG"):
                raise MaskPageError(f"{name}: нужен скан страницы в JPEG, PNG или PDF")
            if img.width * img.height > limits.page_pixels:
                raise MaskPageError(f"{name}: изображение слишком большое ({img.width}×{img.height} точек)")
            img.load()
            return normalise_mode(img.copy())
    except MaskPageError:
        raise
    except Exception as exc:  # noqa: BLE001 - not an image, truncated, a bomb
        raise MaskPageError(f"{name}: это не изображение; нужен скан страницы в JPEG, PNG или PDF") from exc


def store_page(data_dir: Path, user_id: int, template_id: int, slot: str, name: str, data: bytes,
               position: int) -> EditorPage:
    """Keep one uploaded page for the editing session (replacing the slot's earlier one)."""
    from scanner_import import ContentStore
    from scanner_import.images import encode_jpeg

    if slot not in SLOTS:
        raise MaskPageError("неизвестная страница")
    sweep(data_dir)
    work = session_dir(data_dir, user_id, template_id)
    work.mkdir(parents=True, exist_ok=True)
    image = _decode(name, data, work)
    store = ContentStore(work / "store")
    stored, _ = store.put(encode_jpeg(image, 92), ".jpg")
    page = EditorPage(slot, position, image.width, image.height, name, time.time_ns())
    meta = {"rel": stored.path, "position": position, "width": image.width, "height": image.height,
            "name": name, "stamp": page.stamp}
    _write_json(work / f"{slot}.json", meta)
    os.utime(work)
    return page


def _write_json(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False)
    os.replace(tmp, path)


def _meta(data_dir: Path, user_id: int, template_id: int, slot: str) -> dict | None:
    if slot not in SLOTS:
        return None
    path = session_dir(data_dir, user_id, template_id) / f"{slot}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def editor_pages(data_dir: Path, user_id: int, template_id: int) -> dict[str, EditorPage]:
    pages = {}
    for slot in SLOTS:
        meta = _meta(data_dir, user_id, template_id, slot)
        if meta is not None:
            pages[slot] = EditorPage(slot, meta["position"], meta["width"], meta["height"], meta["name"],
                                     meta["stamp"])
    return pages


def page_file(data_dir: Path, user_id: int, template_id: int, slot: str) -> Path | None:
    """The uploaded page's JPEG, or None."""
    meta = _meta(data_dir, user_id, template_id, slot)
    if meta is None:
        return None
    path = session_dir(data_dir, user_id, template_id) / "store" / meta["rel"]
    return path if path.is_file() else None


@dataclass(frozen=True)
class Preview:
    path: Path   # the masked render, as an expert's page would be
    doubt: str   # "" or why the pipeline would hold such a page back (masked everywhere then)
    turn: int    # degrees the pipeline would turn it


def preview(data_dir: Path, user_id: int, template_id: int, slot: str, spec: TemplateSpec) -> Preview:
    """The uploaded page masked with ``spec``'s masks (the identity box included) for its position,
    by the function that masks real pages."""
    from scanner_import import ContentStore, parse_masks

    meta = _meta(data_dir, user_id, template_id, slot)
    if meta is None or page_file(data_dir, user_id, template_id, slot) is None:
        raise MaskPageError("скан страницы не загружен или уже удалён; загрузите его снова")
    masks = parse_masks([{"page": "*" if m.page is None else m.page, "box": list(m.box)} for m in spec.all_masks])
    store = ContentStore(session_dir(data_dir, user_id, template_id) / "store")
    render = render_masked(store, meta["rel"], masks, int(meta["position"]))
    path = store.absolute(f"{render.masked_sha256[:2]}/{render.masked_sha256}.jpg")
    _keep_one_preview(data_dir, user_id, template_id, slot, meta, render.masked_sha256)
    return Preview(path, render.doubt, render.turn)


def _keep_one_preview(data_dir: Path, user_id: int, template_id: int, slot: str, meta: dict, sha256: str) -> None:
    """A session keeps one preview per page: the previous one goes when a new one is made."""
    work = session_dir(data_dir, user_id, template_id)
    old = meta.get("preview")
    kept = {m.get("rel") for m in (_meta(data_dir, user_id, template_id, s) for s in SLOTS) if m}
    kept |= {m.get("preview") for m in (_meta(data_dir, user_id, template_id, s) for s in SLOTS if s != slot) if m}
    if old and old != sha256 and f"{old[:2]}/{old}.jpg" not in kept and old not in kept:
        (work / "store" / old[:2] / f"{old}.jpg").unlink(missing_ok=True)
    _write_json(work / f"{slot}.json", {**meta, "preview": sha256})


def preview_file(data_dir: Path, user_id: int, template_id: int, sha256: str) -> Path | None:
    """A preview made in this session, by its content hash."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    path = session_dir(data_dir, user_id, template_id) / "store" / sha256[:2] / f"{sha256}.jpg"
    return path if path.is_file() else None

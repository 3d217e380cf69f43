"""Sending a stored page image (after the caller has decided the user may have it)."""
from __future__ import annotations

import io

from flask import abort, current_app, send_file

from ..services.scans.pages import stored_path
from ..services.scans.renders import render_for, servable_jpeg


def send_stored_jpeg(sha256: str, width: int | None, *, accel: bool = False):
    """The full image or a screen-sized render, without metadata; with ``accel`` and nginx
    configured, an X-Accel-Redirect instead of the bytes when the stored file has none to
    strip. 404 when the file is gone."""
    cfg = current_app.config["CROSSCHECK"]
    path = stored_path(cfg.data_dir, sha256)
    if not path.is_file():
        abort(404)
    if width:
        path = render_for(cfg.data_dir, path, sha256, width)
    data, as_stored = servable_jpeg(path)
    if accel and cfg.accel_pages_prefix and not width and as_stored:
        response = current_app.response_class(status=200, mimetype="image/jpeg")
        response.headers["X-Accel-Redirect"] = f"{cfg.accel_pages_prefix}/{path.relative_to(cfg.data_dir / 'pages')}"
    else:
        response = send_file(io.BytesIO(data), mimetype="image/jpeg", etag=f"{sha256}-{width or 'full'}",
                             conditional=True, max_age=0)
    # Cache-Control: no-store (web.security): a pupil's page must not stay in the cache of a
    # shared school computer after the expert has logged out.
    return response

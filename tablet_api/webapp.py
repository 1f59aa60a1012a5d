"""The in-cell tablet app (tablet_api/app/): static files served under /app/ by the API's own
process, with a strict content security policy. The app calls only /api/v1 with the tablet's
credential, exactly as a third-party tablet app would: nothing here reads the database.

No build step: the files are served as they are. Two are written at serve time: the app's
words (strings.json, from the one text catalogue: tablet_api/app_words.py), and the service
worker, with the shell's file list and a version made from the files' contents, so a new
release replaces the cached shell on the tablets' next start."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, redirect, request, send_from_directory

from backoffice.surface import set_security_headers

from .app_words import strings

FOLDER = Path(__file__).resolve().parent / "app"
# Only this origin; no inline script or style; the camera's stream and fetched photos as blobs.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "media-src 'self' blob: mediastream:; connect-src 'self'; manifest-src 'self'; "
    "worker-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
PERMISSIONS = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"
TYPES = {
    ".js": "text/javascript",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
}

bp = Blueprint("tablet_app", __name__)


@functools.cache
def words() -> bytes:
    """strings.json: the app's words in every language."""
    return json.dumps(strings(), ensure_ascii=False, sort_keys=True).encode()


WRITTEN = {"strings.json": words}


def shell_files() -> list[str]:
    """Every file of the app, as the service worker caches them (paths under /app/)."""
    return sorted(
        [
            *(
                p.relative_to(FOLDER).as_posix()
                for p in FOLDER.rglob("*")
                if p.is_file() and p.name != "sw.js"
            ),
            *WRITTEN,
        ]
    )


def content(name: str) -> bytes:
    return WRITTEN[name]() if name in WRITTEN else (FOLDER / name).read_bytes()


@functools.cache
def service_worker() -> bytes:
    files = shell_files()
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode() + b"\0" + content(name))
    shell = ["/app/", *(f"/app/{name}" for name in files if name != "index.html")]
    text = (FOLDER / "sw.js").read_text("utf-8")
    text = text.replace('"__VERSION__"', json.dumps(digest.hexdigest()[:16]))
    text = text.replace('["__SHELL__"]', json.dumps(shell))
    return text.encode()


def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Permissions-Policy"] = PERMISSIONS
    # Revalidated on every start; the service worker answers while the network is away.
    response.headers["Cache-Control"] = "no-cache"
    return set_security_headers(response, CSP)  # type: ignore[no-any-return]


@bp.get("/")
@bp.get("/app")
def to_app() -> Any:
    return redirect("/app/", code=302)


@bp.get("/app/")
@bp.get("/app/<path:name>")
def app_file(name: str = "index.html") -> Any:
    if name == "sw.js" or name in WRITTEN:
        body, kind = (
            (service_worker(), "text/javascript") if name == "sw.js" else (content(name), None)
        )
        response = Response(body, mimetype=kind or TYPES[Path(name).suffix])
        response.set_etag(hashlib.sha256(body).hexdigest()[:24])
        return _headers(response.make_conditional(request))
    suffix = Path(name).suffix
    response = send_from_directory(FOLDER, name, max_age=0, mimetype=TYPES.get(suffix))
    return _headers(response)

"""The app under every surface: settings, what was loaded at start (`equipment`), one database
session per request, the database away as a 503, the health endpoint and the security headers.
App factories call `init_common`; nothing runs at import."""

from __future__ import annotations

import contextlib
import io
from typing import Any

from flask import Blueprint, Flask, Request, Response, current_app, g, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from ..db import make_engine, make_session_factory
from ..settings import Settings, load_settings
from .startup import Equipment

EXTENSION = "cellgate"
# The database is away (restarting, failing over, the network): a moment to wait, not a bug.
# Each surface answers it as a 503 in its own way (this page, the kiosk's, the API's problem).
DATABASE_AWAY = (OperationalError, InterfaceError)
DATABASE_RETRY_AFTER_SECONDS = 2


class InMemoryUploads(Request):
    """Uploads stay in memory (bounded by MAX_CONTENT_LENGTH) instead of being spooled to a
    temporary file, so a refused document is never written anywhere, not even for a moment."""

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> Any:
        return io.BytesIO()


def init_common(app: Flask, settings: Settings | None, surface: str) -> Settings:
    settings = settings or load_settings()
    app.request_class = InMemoryUploads
    engine = make_engine(settings.database_url)
    app.extensions[EXTENSION] = {
        "settings": settings,
        "engine": engine,
        "sessions": make_session_factory(engine),
        "surface": surface,
        # A bad protocols or request types file stops this start here, with its line, not
        # each page or call that needs the rules later.
        "equipment": Equipment.at_start(settings),
    }
    app.config.update(
        SECRET_KEY=settings["secret_key"],
        DEBUG=settings["debug"],
        TESTING=settings.mode == "test",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.mode == "production",
        SESSION_COOKIE_NAME=f"cellgate_{surface}",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
    )
    if settings["server"]["trusted_proxies"]:
        proxies = settings["server"]["trusted_proxies"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    if settings["server"]["hsts_max_age"]:
        app.after_request(_strict_transport_security)
    app.teardown_appcontext(_close_db)
    for away in DATABASE_AWAY:
        app.register_error_handler(away, _database_away)
    return settings


def _strict_transport_security(response: Any) -> Any:
    # Only over TLS: the request's own, or the trusted proxy's (X-Forwarded-Proto, read by
    # ProxyFix). Browsers ignore the header over plain HTTP, and a development machine served
    # on http://127.0.0.1 must not be told to refuse plain HTTP for a year.
    if request.is_secure:
        max_age = settings()["server"]["hsts_max_age"]
        response.headers.setdefault("Strict-Transport-Security", f"max-age={max_age}")
    return response


def log_database_away(error: Exception) -> None:
    current_app.logger.warning("database unavailable: %s", str(error).splitlines()[0])


def _database_away(error: Exception) -> Response:
    log_database_away(error)
    page = (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>Please wait</title>'
        "<p>Cellgate cannot reach its database just now. Wait a few seconds and try again.</p>"
    )
    return Response(
        page,
        status=503,
        mimetype="text/html",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
    )


def settings() -> Settings:
    return current_app.extensions[EXTENSION]["settings"]  # type: ignore[no-any-return]


def equipment(app: Flask | None = None) -> Equipment:
    """The rules and the face matcher this app loaded at its start (of `app`, outside a
    request: a test replaces the matcher with `equipment(app).face_matcher = ...`)."""
    return (app or current_app).extensions[EXTENSION]["equipment"]  # type: ignore[no-any-return]


def get_db() -> Session:
    """The request's session. The view commits it once; teardown rolls back anything else."""
    if "db" not in g:
        g.db = current_app.extensions[EXTENSION]["sessions"]()
    return g.db  # type: ignore[no-any-return]


def _close_db(_exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is None:
        return
    # close() rolls back whatever is left and lets the objects go: not rollback() first,
    # which expires each object the request loaded only for them to be dropped a moment
    # later. A connection that died after the answer was made (the database restarted) has
    # nothing left to undo: the pool drops it, and the answer must still go out.
    with contextlib.suppress(*DATABASE_AWAY):
        db.close()


def remote_addr() -> str:
    return request.remote_addr or ""


def health_blueprint(url_prefix: str = "") -> Blueprint:
    bp = Blueprint("health", __name__, url_prefix=url_prefix)

    @bp.get("/health")
    def health() -> Any:
        surface = current_app.extensions[EXTENSION]["surface"]
        try:
            get_db().execute(text("SELECT 1"))
        except Exception as exc:  # the health check reports any database failure
            current_app.logger.error("health check: database unreachable: %s", exc)
            body = {"status": "error", "surface": surface, "database": "unreachable"}
            return jsonify(body), 503
        return jsonify({"status": "ok", "surface": surface, "database": "ok"})

    return bp


def set_security_headers(response: Any, csp: str) -> Any:
    response.headers.setdefault("Content-Security-Policy", csp)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response

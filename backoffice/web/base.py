"""What the three Flask apps share: settings, one database session per request, the health
endpoint and the security headers. App factories call `init_common`; nothing runs at import."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Request, Response, current_app, g, jsonify, request
from flask_limiter import Limiter
from limits.errors import StorageError
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from ..db import make_engine, make_session_factory
from ..settings import Settings, SettingsError, load_settings

EXTENSION = "cellgate"
# How long a request waits for Redis before it is refused (connecting, then each command), and
# one immediate retry on a fresh connection: a pooled connection that a restarted Redis closed
# is not an outage. redis-py's default (three retries with growing random backoff) could hold a
# request up to 14 s, and with no timeout a Redis that hangs held it forever.
REDIS_TIMEOUT_SECONDS = 1.0
# What an answer refused because the counters cannot be reached tells the client to wait.
RETRY_AFTER_SECONDS = 60
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


def shared_storage(settings: Settings) -> dict[str, Any]:
    """Flask-Limiter's storage arguments: the counters every worker and host share. Errors of
    any storage arrive as limits' StorageError (see `init_shared_storage_outage`)."""
    uri = settings["server"]["shared_storage"]
    options: dict[str, Any] = {
        "key_prefix": settings["server"]["shared_storage_prefix"],
        "wrap_exceptions": True,
    }
    if not uri.startswith("memory://"):
        options.update(
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), retries=1),
        )
    return {"storage_uri": uri, "storage_options": options}


def check_shared_storage(limiter: Limiter, settings: Settings) -> None:
    """A worker whose Redis does not answer stops at start, naming the setting, instead of
    answering every request with an error."""
    if not limiter.storage.check():
        where = urlsplit(settings["server"]["shared_storage"])
        raise SettingsError(
            f"server.shared_storage: no answer from {where.hostname}:{where.port or 6379}"
        )


class _Outage:
    """What one worker knows of an outage of its counters: since when (monotonic), if any."""

    def __init__(self) -> None:
        self.since: float | None = None


def init_shared_storage_outage(app: Flask, limiter: Limiter, refuse: Callable[[], Any]) -> None:
    """Redis stops answering while the app runs: every request that a limit counts is refused
    with `refuse()`, the surface's own 503 (a request that cannot be counted is not let
    through, or a sign-in could try PINs without limit), and the worker logs the outage once
    when it begins and once when Redis answers again, which the next request finds out by
    itself: nothing to restart."""
    outage = _Outage()

    @app.errorhandler(StorageError)
    def counters_unreachable(error: StorageError) -> Any:
        g.shared_storage_refused = True
        if outage.since is None:
            outage.since = time.monotonic()
            app.logger.error(
                "server.shared_storage: Redis does not answer (%s); requests that rate limits "
                "count are refused with 503 until it does",
                error.storage_error,
            )
        return refuse()

    @app.after_request
    def counters_back(response: Any) -> Any:
        # Only while an outage lasts, and only after a request that was not refused: one
        # PING tells a request that never touched the counters (a static file) from recovery.
        if (
            outage.since is not None
            and not g.get("shared_storage_refused")
            and limiter.storage.check()
        ):
            lasted = time.monotonic() - outage.since
            outage.since = None
            app.logger.warning("server.shared_storage: Redis answers again after %.0f s", lasted)
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


def get_db() -> Session:
    """The request's session. The view commits it once; teardown rolls back anything else."""
    if "db" not in g:
        g.db = current_app.extensions[EXTENSION]["sessions"]()
    return g.db  # type: ignore[no-any-return]


def _close_db(_exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is None:
        return
    try:
        db.rollback()
    except DATABASE_AWAY:
        # The connection died after the answer was made (the database restarted): nothing
        # is left to undo, the pool drops that connection, and the answer must still go out.
        pass
    finally:
        db.close()


# The largest id a table's integer key holds on PostgreSQL: a larger one names nothing.
MAX_ID = 2**31 - 1


def form_id(raw: str | None) -> int | None:
    """A record's id typed into a form or a query: ASCII digits naming an id that can exist, or
    None. str.isdigit() alone lets "²" through to int(), and a 20-digit id to the database:
    both answered 500."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10 or not 1 <= int(raw) <= MAX_ID:
        return None
    return int(raw)


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

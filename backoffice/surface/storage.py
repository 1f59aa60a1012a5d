"""What every worker and host share: the rate limits' counters in Redis (memory only in the
demo), and what a surface does while Redis does not answer."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import Flask, g
from limits.errors import StorageError
from limits.storage import Storage
from redis.backoff import NoBackoff
from redis.retry import Retry

from ..settings import Settings, SettingsError

# How long a request waits for Redis before it is refused (connecting, then each command), and
# one immediate retry on a fresh connection: a pooled connection that a restarted Redis closed
# is not an outage. redis-py's default (three retries with growing random backoff) could hold a
# request up to 14 s, and with no timeout a Redis that hangs held it forever.
REDIS_TIMEOUT_SECONDS = 1.0
# What an answer refused because the counters cannot be reached tells the client to wait.
RETRY_AFTER_SECONDS = 60


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


class Counted(Protocol):
    """What holds the counters: Flask-Limiter's extension, or the tablet API's own counters."""

    @property
    def storage(self) -> Storage: ...


def check_shared_storage(limiter: Counted, settings: Settings) -> None:
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


def init_shared_storage_outage(app: Flask, limiter: Counted, refuse: Callable[[], Any]) -> None:
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

"""The request pipeline every call goes through, driven by the route's declared contract:
body size limit, device and inmate authentication, rate limits, body/query/header validation,
then after the view the ETag. Views read what was checked with `body()`, `query()`, `inmate()`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from flask import Flask, Response, current_app, g, json, request
from limits import RateLimitItem, parse

from backoffice.db import is_postgresql, utcnow
from backoffice.devices.models import Device, DeviceKind
from backoffice.devices.services import Standing, find_device, registration_of
from backoffice.people.models import Inmate
from backoffice.settings import Settings
from backoffice.signin import services as signin
from backoffice.signin.models import TabletSession
from backoffice.signin.services import tablet_sessions as services
from backoffice.surface import (
    RETRY_AFTER_SECONDS,
    check_shared_storage,
    equipment,
    get_db,
    init_shared_storage_outage,
    remote_addr,
)
from backoffice.surface.json_body import MalformedJson, parse_json

from .counters import Counters
from .openapi import INMATE, PUBLIC, Operation, operation_of
from .problems import Problem, language, problem_response
from .schemas import IDEMPOTENCY_PATTERN, MAX_ID, Invalid, validate, validate_body

DEVICE_HEADER = "X-Device-Credential"
# The body reader's refusals (backoffice/surface/json_body.py), as problem types.
MALFORMED = {
    "not-utf8": "body-not-utf8",
    "syntax": "bad-request",
    "too-deep": "body-too-deep",
    "not-a-number": "body-not-a-number",
    "duplicate-key": "body-duplicate-key",
    "characters": "body-bad-characters",
}


def settings() -> Settings:
    return current_app.extensions["cellgate"]["settings"]  # type: ignore[no-any-return]


def limiter() -> Counters:
    return current_app.extensions["tablet_limiter"]  # type: ignore[no-any-return]


def lifetimes() -> services.Lifetimes:
    return equipment().tablet_lifetimes


# --- what views read ------------------------------------------------------------------------


def body() -> Any:
    return g.body


def query() -> dict[str, Any]:
    return g.query  # type: ignore[no-any-return]


def device() -> Device:
    return g.device  # type: ignore[no-any-return]


def inmate() -> Inmate:
    return g.inmate  # type: ignore[no-any-return]


def tablet_session() -> TabletSession:
    return g.tablet_session  # type: ignore[no-any-return]


def beside() -> tuple[Any, ...]:
    """The values of the route's `beside` columns, read with the session (None each where
    they were not read: on SQLite)."""
    return g.beside  # type: ignore[no-any-return]


def idempotency_key() -> str:
    return g.idempotency_key  # type: ignore[no-any-return]


def actor() -> services.Actor:
    return services.inmate_actor(inmate(), device(), remote_addr())


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(
        json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json"
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def attributes(record: Any, *names: str) -> dict[str, Any]:
    """The fields of an answer that are `record`'s attributes of the same names."""
    return {name: getattr(record, name) for name in names}


# --- rate limits ----------------------------------------------------------------------------


@functools.cache
def _limit(text: str) -> RateLimitItem:
    return parse(text)  # a regular expression each time otherwise, twice a call


def hit(limit: str, *identity: str) -> None:
    """Count one call against `limit` for `identity`; over the limit answers 429."""
    item = _limit(limit)
    strategy = limiter().limiter
    if not strategy.hit(item, "tablet", *identity):
        stats = strategy.get_window_stats(item, "tablet", *identity)
        wait = max(1, int(stats.reset_time - time.time()) + 1)
        raise Problem("rate-limited", headers={"Retry-After": str(wait)})


# --- the pipeline ---------------------------------------------------------------------------


def _operation() -> Operation | None:
    if request.routing_exception is not None or request.endpoint is None:
        return None
    return operation_of(current_app.view_functions[request.endpoint])


def _credential() -> str:
    credential = request.headers.get(DEVICE_HEADER, "")
    return credential if 0 < len(credential) <= 300 else ""


def _admit_device(found: Device | None, standing: Standing) -> Device:
    if found is None or found.kind != DeviceKind.TABLET:
        hit(settings()["tablet.anonymous_rate_limit"], "address", remote_addr())
        raise Problem("device-unauthorized")
    hit(settings()["tablet.device_rate_limit"], "device", str(found.id))
    if standing != Standing.ADMITTED:
        # Revoked or expired: on the record, and whoever was signed in is signed out.
        db = get_db()
        signin.device_refused(
            db, found, standing.value, surface="tablet", remote_addr=remote_addr()
        )
        db.commit()
        raise Problem(f"device-{standing.value}")
    return found


def _authenticate_device() -> Device:
    credential = _credential()
    if not credential:
        return _admit_device(None, Standing.UNKNOWN)
    return _admit_device(*find_device(get_db(), credential, utcnow(), _registration()))


def _registration() -> timedelta:
    return registration_of(settings())


def _bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 300:
        return None
    return token.strip()


def _authenticate_signed_in(op: Operation) -> None:
    """The device and the inmate of a signed-in call. Both are read in one statement (device,
    session, inmate, and the route's `beside` columns), then checked in the same order as two
    reads would: device first."""
    db = get_db()
    credential, token = _credential(), _bearer()
    if token is None or not token.startswith(services.ACCESS_PREFIX) or not credential:
        g.device = _authenticate_device()
        raise Problem("sign-in-required")
    also = op.beside if is_postgresql(db) else ()
    call = services.read_signed_in_call(db, credential, token, utcnow(), _registration(), also)
    if call.session is not None:
        # Whatever refuses the call from here on (the counters unreachable, a limit, an ended
        # session) speaks the language of the inmate whose token it carries.
        g.language = call.session[1].language
    g.device = found = _admit_device(call.device, call.standing)
    try:
        found_session = services.check_session(db, found, call.session, lifetimes())
    except services.SessionProblem as refused:
        db.commit()  # an idle or moved session stays ended
        raise Problem(refused.code) from None
    if found_session.wrote:
        db.commit()  # the last_seen touch, in its own short transaction
    # Otherwise the view goes on in the same transaction: a COMMIT and a BEGIN fewer.
    person = found_session.inmate
    hit(settings()["tablet.inmate_rate_limit"], "inmate", str(person.id))
    g.tablet_session = found_session.session
    g.inmate = person
    g.language = person.language
    g.beside = call.beside or (None,) * len(op.beside)


def _read_body(op: Operation) -> Any:
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise Problem("unsupported-media-type")
    try:
        value = parse_json(request.get_data(cache=False))
    except MalformedJson as malformed:
        raise Problem(MALFORMED[malformed.reason]) from None
    assert op.body is not None
    return validate_body(op.body, value)


def _read_query(op: Operation) -> dict[str, Any]:
    values: dict[str, Any] = {}
    errors: list[tuple[str, str, dict[str, Any]]] = []
    for name, schema in op.query.items():
        raw = request.args.get(name)
        if raw is None:
            if schema.get("required"):
                errors.append((name, "required", {}))
            elif "default" in schema:
                values[name] = schema["default"]
            continue
        value: Any = raw
        if schema.get("type") == "integer":
            if not re.fullmatch(r"-?[0-9]{1,18}", raw):
                errors.append((name, "type", {"type": "integer"}))
                continue
            value = int(raw)
        elif schema.get("type") == "boolean":
            if raw not in ("true", "false"):
                errors.append((name, "type", {"type": "boolean"}))
                continue
            value = raw == "true"
        try:
            values[name] = validate(schema, value, name)
        except Invalid as invalid:
            errors.extend(invalid.errors)
    if errors:
        raise Invalid(errors)
    return values


def before_request() -> None:
    op = _operation()
    if op is None:
        return  # routing raises its own 404 or 405
    request.max_content_length = settings()[op.max_body_setting]
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            raise Problem("not-found")
    if op.auth == PUBLIC:
        hit(settings()["tablet.anonymous_rate_limit"], "public", remote_addr())
        return
    if op.auth == INMATE:
        _authenticate_signed_in(op)
    else:
        g.device = _authenticate_device()
    if op.idempotency_key:
        key = request.headers.get("Idempotency-Key", "")
        if not re.fullmatch(IDEMPOTENCY_PATTERN, key):
            raise Problem("idempotency-key-missing")
        g.idempotency_key = key
    g.query = _read_query(op) if op.query else {}
    g.body = _read_body(op) if op.body else None


def invalid_input(invalid: Invalid) -> Response:
    """Wrong fields, each with its reason in the inmate's language (422)."""
    errors = invalid.localized(language())
    return problem_response(
        Problem(
            "invalid-input",
            params={"fields": ", ".join(e["field"] for e in errors)},
            extra={"errors": errors},
        )
    )


def etag_of(body: bytes) -> str:
    """An answer's ETag: the start of its bytes' SHA-256."""
    return base64.urlsafe_b64encode(hashlib.sha256(body).digest()[:18]).decode()


def etagged(body: bytes, etag: str) -> Response:
    """A JSON answer whose ETag the view knows already (`etag_of` its body, kept with it):
    `after_request` does not hash it again, and answers `304` when the tablet holds it."""
    response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    return response


def not_modified(etag: str) -> Response:
    """`304`: what the tablet holds under `etag` is what it would be sent."""
    response = Response(status=304)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def after_request(response: Response) -> Response:
    op = _operation()
    response.headers.setdefault("Cache-Control", "no-store")
    if op is None or not op.etag or request.method != "GET" or response.status_code != 200:
        return response
    etag = response.get_etag()[0] or etag_of(response.get_data())
    response.set_etag(etag)
    # Private to this inmate, revalidated every time: a stale balance is worse than a request.
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update({"Authorization", "Accept-Language"})
    if etag in request.if_none_match:
        return not_modified(etag)
    return response


def unavailable() -> Response:
    """The counters cannot be reached: no call is answered without being counted."""
    return problem_response(
        Problem("unavailable", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    )


def init_pipeline(app: Flask, settings_: Settings) -> None:
    # The counters' storage (memory, or Redis shared by every host); the per-address,
    # per-device and per-inmate limits are counted in `before_request` once we know who calls.
    app.extensions["tablet_limiter"] = Counters(settings_)
    check_shared_storage(app.extensions["tablet_limiter"], settings_)
    init_shared_storage_outage(app, app.extensions["tablet_limiter"], unavailable)
    app.register_error_handler(Invalid, invalid_input)
    app.before_request(before_request)
    app.after_request(after_request)


def cursor_id(q: dict[str, Any]) -> int | None:
    """The id a page of a newest-first list starts below, from the query's `cursor`; a cursor
    past the largest id starts from the newest (the database cannot compare it with an id)."""
    if not q.get("cursor"):
        return None
    cursor = int(q["cursor"])
    return cursor if cursor <= MAX_ID else None


def paged(
    rows: Sequence[Any], limit: int, cursor_of: Callable[[Any], Any], render: Callable[[Any], Any]
) -> dict[str, Any]:
    """`rows` fetched with limit + 1: the page and the cursor of the next one."""
    more = len(rows) > limit
    shown = list(rows[:limit])
    return {
        "items": [render(r) for r in shown],
        "next_cursor": str(cursor_of(shown[-1])) if more and shown else None,
    }

"""Errors as application/problem+json (RFC 9457), in one place.

Every error the tablet can see has a stable `code`; its `type` is the URI
`/api/v1/problems/<code>`, which serves the problem's description. `title` is fixed English (for
logs and developers), `detail` is for the inmate, in his language (et, ru or en): its English
is written here and its Estonian and Russian are in the one catalogue of every surface
(backoffice/translations, `make messages`), like the services' refusals it often carries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, g, json, request
from werkzeug.exceptions import HTTPException

from backoffice.errors import LedgerError, ServiceError
from backoffice.surface import DATABASE_AWAY, DATABASE_RETRY_AFTER_SECONDS, log_database_away
from backoffice.surface.i18n import load_catalogues
from backoffice.surface.refusals import say
from backoffice.words import N_

PROBLEM_MEDIA_TYPE = "application/problem+json"
CATALOGUES = "cellgate.catalogues"  # app.extensions key: the one catalogue, by language
TYPE_PREFIX = "/api/v1/problems/"
LANGUAGES = ("et", "ru", "en")


@dataclass(frozen=True)
class ProblemType:
    code: str
    status: int
    title: str
    text: str  # the detail in English, a catalogue template over the problem's params


def _t(code: str, status: int, title: str, text: str) -> ProblemType:
    return ProblemType(code, status, title, text)


TYPES: dict[str, ProblemType] = {
    p.code: p
    for p in [
        _t(
            "device-unauthorized",
            401,
            "The device credential is missing or wrong",
            N_("This tablet is not registered or its access was withdrawn. Ask an officer."),
        ),
        _t(
            "device-revoked",
            401,
            "The device was revoked in the back office",
            N_("This tablet has been taken out of service. Ask an officer."),
        ),
        _t(
            "device-expired",
            401,
            "The device's registration has expired; renew it in the back office",
            N_("This tablet's registration has expired. Ask an officer."),
        ),
        _t("sign-in-required", 401, "No valid access token", N_("Please sign in.")),
        _t(
            "access-token-expired",
            401,
            "The access token has expired; refresh it",
            N_("Your session needs renewing. Try again."),
        ),
        _t(
            "session-ended",
            401,
            "The session ended (signed out, idle too long or too old)",
            N_("Your session has ended. Please sign in again."),
        ),
        _t(
            "refresh-token-invalid",
            401,
            "The refresh token is unknown, used, expired or from another device",
            N_("Your session has ended. Please sign in again."),
        ),
        _t(
            "sign-in-failed",
            401,
            "The PIN or face did not match anyone who may sign in here",
            N_("Sign-in failed. Check your details and try again."),
        ),
        _t(
            "sign-in-locked",
            423,
            "Too many failed sign-ins; sign-in is locked for a while",
            N_("Too many failed attempts. Try again later."),
        ),
        _t(
            "sign-in-method-disabled",
            403,
            "This sign-in method is switched off for tablets",
            N_("This way of signing in is not allowed on the tablet."),
        ),
        _t("forbidden", 403, "Not allowed", N_("You are not allowed to do this.")),
        _t("not-found", 404, "No such resource", N_("Not found.")),
        _t(
            "method-not-allowed",
            405,
            "The method is not allowed on this resource",
            N_("This action is not possible here."),
        ),
        _t(
            "not-acceptable",
            406,
            "Only JSON answers are available",
            N_("Answers are only available as JSON."),
        ),
        _t(
            "conflict",
            409,
            "The resource's state does not allow this",
            N_("This cannot be done now: %(message)s"),
        ),
        _t(
            "order-not-cancellable",
            409,
            "The order is past the point where it can be cancelled",
            N_("Order %(number)s is already being packed and can no longer be cancelled."),
        ),
        _t(
            "order-not-packed",
            409,
            "Only a packed order can be acknowledged as delivered",
            N_("Order %(number)s has not been packed yet."),
        ),
        _t(
            "order-not-due",
            409,
            "Delivery can be acknowledged only from the order's delivery day",
            N_("Order %(number)s is brought on %(day)s. You can confirm it from that day."),
        ),
        _t(
            "order-not-delivered",
            409,
            "A missing item can be reported only on a delivered order",
            N_("You can report a missing item only after order %(number)s is delivered."),
        ),
        _t(
            "idempotency-key-missing",
            400,
            "Send an Idempotency-Key header (8 to 64 characters) with this request",
            N_("The app did not send an order key. Try again."),
        ),
        _t(
            "idempotency-key-reused",
            409,
            "This Idempotency-Key was used for a different request",
            N_("This order was already sent with other contents. Start a new order."),
        ),
        _t("order-refused", 422, "The shop's rules refuse this order", "%(message)s"),
        _t(
            "invalid-input",
            422,
            "Some fields are wrong; `errors` says which and why",
            N_("Some fields are wrong: %(fields)s."),
        ),
        _t(
            "frame-unreadable",
            422,
            "A camera frame is valid base64 but not a JPEG or PNG image",
            N_("The camera picture could not be read. Try again."),
        ),
        _t(
            "refused",
            422,
            "The request is refused; `detail` says why",
            N_("This cannot be done: %(message)s"),
        ),
        _t("bad-request", 400, "The request is malformed", N_("The request is malformed.")),
        _t(
            "body-not-utf8",
            400,
            "The body is not UTF-8 encoded JSON",
            N_("The app sent data that cannot be read (not UTF-8). Try again."),
        ),
        _t(
            "body-too-deep",
            400,
            "The body's arrays and objects are nested too deep",
            N_("The app sent data nested too deep. Try again."),
        ),
        _t(
            "body-not-a-number",
            400,
            "The body has NaN, Infinity or a number too large to read",
            N_("The app sent a number that is not a number (NaN or infinity). Try again."),
        ),
        _t(
            "body-duplicate-key",
            400,
            "An object in the body has the same key twice",
            N_("The app sent the same field twice. Try again."),
        ),
        _t(
            "body-bad-characters",
            400,
            "A string in the body has a NUL character or a lone surrogate",
            N_("The text has characters that cannot be stored. Remove them and try again."),
        ),
        _t(
            "payload-too-large",
            413,
            "The request body is larger than this endpoint accepts",
            N_("What was sent is too large."),
        ),
        _t(
            "unsupported-media-type",
            415,
            "Send the body as application/json",
            N_("The request is malformed."),
        ),
        _t(
            "rate-limited",
            429,
            "Too many requests; wait as long as Retry-After says",
            N_("Too many requests. Wait a moment and try again."),
        ),
        _t(
            "server-error",
            500,
            "Something went wrong on the server; it has been logged",
            N_("Something went wrong. Try again later."),
        ),
        _t(
            "unavailable",
            503,
            "The service is unavailable for a moment; try again after Retry-After",
            N_(
                "The service is not available right now. Try again in a minute; if that does not "
                "help, ask an officer."
            ),
        ),
    ]
}


class Problem(Exception):
    """Raised anywhere in a request to answer with that problem."""

    def __init__(
        self,
        code: str,
        *,
        params: Mapping[str, Any] | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(code)
        if code not in TYPES:
            raise ValueError(f"unknown problem type {code!r}")
        self.code = code
        self.params = dict(params or {})
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})
        # A detail already in the inmate's language (services that speak it say it themselves).
        self.detail = detail


def language() -> str:
    """The inmate's language once signed in, else the one the tablet asks for, else the
    prison's first language."""
    chosen = g.get("language")
    if chosen in LANGUAGES:
        return str(chosen)
    asked = request.accept_languages.best_match(LANGUAGES) if request else None
    if asked:
        return asked
    settings = current_app.extensions["cellgate"]["settings"]
    return str(settings["languages"][0])


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(code: str, params: Mapping[str, Any], lang: str) -> str:
    """The problem's detail in `lang`, its params filled (a missing one is left empty)."""
    return translate(TYPES[code].text, lang) % _Blank(params)


def details(code: str) -> dict[str, str]:
    """The problem's detail template in each language (what /problems/<code> describes)."""
    return {lang: translate(TYPES[code].text, lang) for lang in LANGUAGES}


def problem_response(problem: Problem) -> Response:
    kind = TYPES[problem.code]
    lang = language()
    body: dict[str, Any] = {
        "type": f"{TYPE_PREFIX}{kind.code}",
        "title": kind.title,
        "status": kind.status,
        "detail": problem.detail or render(kind.code, problem.params, lang),
        "instance": request.path,
        "code": kind.code,
        **problem.extra,
    }
    response = Response(
        json.dumps(body, ensure_ascii=False), status=kind.status, mimetype=PROBLEM_MEDIA_TYPE
    )
    response.headers["Content-Language"] = lang
    response.headers["Cache-Control"] = "no-store"
    for name, value in problem.headers.items():
        response.headers[name] = value
    if kind.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="cellgate-tablet"'
    return response


# HTTP errors raised by Flask/Werkzeug itself (routing, body size, bad JSON).
HTTP_CODES = {
    400: "bad-request",
    401: "sign-in-required",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "rate-limited",
}

# Ledger refusals the inmate can meet; anything else is a bug and answers 500.
LEDGER_CODES = {
    "insufficient-funds": "refused",
    "account-closed": "refused",
    "idempotency-conflict": "idempotency-key-reused",
}


def translate(message: str, lang: str | None = None) -> str:
    """`message` from the one catalogue, in `lang` (by default the language of this answer;
    English as it is written)."""
    catalogue = current_app.extensions[CATALOGUES].get(lang or language())
    return str(catalogue.gettext(message)) if catalogue is not None else message


def said(error: Exception) -> str:
    """A service's refusal in the inmate's language, its values shown his way (money in the
    language's style, times on his prison's clock)."""
    inmate = g.get("inmate")
    zone = inmate.prison.timezone if inmate is not None else None
    if zone is None:
        zone = str(current_app.extensions["cellgate"]["settings"]["timezone"])
    return say(error, language(), lambda message: translate(message), zone)


def from_service_error(error: ServiceError) -> Problem:
    """Map a service's refusal to a problem, its reason said in the inmate's language (the
    catalogue has the services' refusals; one it lacks is said in English)."""
    message = said(error)
    if error.status == 404:
        return Problem("not-found")
    if error.status == 403:
        return Problem("forbidden", extra={"reason": message})
    if error.status == 409:
        return Problem("conflict", params={"message": message})
    return Problem("refused", params={"message": message})


STATUS_CODES = {403: "forbidden", 404: "not-found", 409: "conflict", 422: "refused"}


def said_by_service(error: ServiceError) -> Problem:
    """A refusal of a service whose messages are in the inmate's language already (or in the
    catalogue: both are said in his language)."""
    code = STATUS_CODES.get(error.status, "refused")
    extra: dict[str, Any] = {}
    message = said(error)
    field = error.details.get("field")
    if isinstance(field, str):
        extra["errors"] = [{"field": field, "reason": message}]
    return Problem(code, detail=message, extra=extra)


def init_problems(app: Flask) -> None:
    app.extensions[CATALOGUES] = load_catalogues()
    app.register_error_handler(Problem, problem_response)

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError) -> Response:
        return problem_response(from_service_error(error))

    @app.errorhandler(LedgerError)
    def ledger_error(error: LedgerError) -> Response:
        code = LEDGER_CODES.get(str(getattr(error, "code", "")))
        if code is None:
            raise error
        return problem_response(Problem(code, params={"message": said(error)}))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        code = HTTP_CODES.get(status, "server-error" if status >= 500 else "bad-request")
        headers = {}
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            headers["Allow"] = ", ".join(sorted(error.valid_methods))  # type: ignore[attr-defined]
        if status == 429:
            headers["Retry-After"] = str(getattr(error, "retry_after", None) or 60)
        return problem_response(Problem(code, headers=headers))

    def database_away(error: Exception) -> Response:
        log_database_away(error)
        return problem_response(
            Problem("unavailable", headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})
        )

    for away in DATABASE_AWAY:
        app.register_error_handler(away, database_away)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        current_app.logger.exception("tablet API: unexpected error", exc_info=error)
        return problem_response(Problem("server-error"))

"""Requests to staff on the tablet: the types offered, submitting, following, replying,
withdrawing and appealing, and the documents staff attached for the inmate."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from flask import Response

from backoffice.errors import ServiceError
from backoffice.requests import services as requests
from backoffice.surface import equipment, get_db

from . import http
from .api import bp
from .openapi import INMATE, Routes
from .problems import said_by_service
from .schemas import PAGE_QUERY

# Most routes answer with the one request they read or change.
route = Routes(bp, tag="requests", auth=INMATE, response="Request")


def rules() -> requests.Rules:
    return equipment().request_rules


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def case_json(case: requests.InmateCase) -> dict[str, Any]:
    data = _plain(asdict(case))
    data["answers"] = [{"label": label, "value": value} for label, value in case.answers]
    return data  # type: ignore[no-any-return]


def _act(action: Callable[[], Any], status: int = 200) -> Any:
    """Run a request service; its refusals are already in the inmate's language."""
    db = get_db()
    try:
        case = action()
    except ServiceError as refused:
        db.rollback()
        raise said_by_service(refused) from None
    db.commit()
    return http.json_response(case_json(case), status=status)


@route("/request-types", "GET", response="RequestTypes", etag=True)
def request_types() -> Any:
    """The request types this prison offers, with their forms, in the inmate's language"""
    types = requests.types_for_inmate(rules(), http.inmate())
    return http.json_response({"items": [_plain(asdict(t)) for t in types]})


@route("/requests", "GET", response="RequestPage", query=PAGE_QUERY, etag=True)
def list_requests() -> Any:
    """The inmate's requests, newest first, in pages"""
    q = http.query()
    cases = requests.list_for_inmate(get_db(), http.inmate(), rules())
    if (cursor := http.cursor_id(q)) is not None:
        cases = [c for c in cases if c.id < cursor]
    return http.json_response(
        http.paged(cases[: q["limit"] + 1], q["limit"], lambda c: c.id, lambda c: _plain(asdict(c)))
    )


@route(
    "/requests",
    "POST",
    body="NewRequest",
    status=201,
    errors=(403, 409),
    example={"type": "see_doctor", "fields": {"reason": "My tooth has hurt since Monday."}},
)
def submit_request() -> Any:
    """Submit a request; it gets its receipt number and answer deadline at once"""
    data = http.body()
    return _act(
        lambda: requests.submit(
            get_db(), http.actor(), rules(), http.inmate(), data["type"], data["fields"]
        ),
        status=201,
    )


@route("/requests/<int:request_id>", "GET", etag=True)
def get_request(request_id: int) -> Any:
    """One of the inmate's requests with its history (what he may see of it)"""
    return _act(lambda: requests.get_for_inmate(get_db(), rules(), http.inmate(), request_id))


@route(
    "/requests/<int:request_id>/reply",
    "POST",
    body="RequestMessage",
    errors=(409,),
    example={"body": "I asked again at the wing office today."},
)
def reply_request(request_id: int) -> Any:
    """Add a message to an open request"""
    body = http.body()["body"]
    return _act(
        lambda: requests.reply(get_db(), http.actor(), rules(), http.inmate(), request_id, body)
    )


@route("/requests/<int:request_id>/withdraw", "POST", errors=(409,))
def withdraw_request(request_id: int) -> Any:
    """Withdraw an open request"""
    return _act(
        lambda: requests.withdraw(get_db(), http.actor(), rules(), http.inmate(), request_id)
    )


@route(
    "/requests/<int:request_id>/appeal",
    "POST",
    body="RequestMessage",
    status=201,
    errors=(409,),
    example={"body": "The answer did not consider my medical note."},
)
def appeal_request(request_id: int) -> Any:
    """Appeal an answer within its appeal window; the appeal is a new request"""
    body = http.body()["body"]
    return _act(
        lambda: requests.appeal(get_db(), http.actor(), rules(), http.inmate(), request_id, body),
        status=201,
    )


@route(
    "/requests/<int:request_id>/documents/<int:document_id>",
    "GET",
    response=None,
    other_responses={
        200: {
            "description": "The document",
            "content": {
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def request_document(request_id: int, document_id: int) -> Any:
    """A document staff attached to the request for the inmate (PDF or image)"""
    try:
        document = requests.document_for_inmate(get_db(), http.inmate(), request_id, document_id)
    except ServiceError as refused:
        raise said_by_service(refused) from None
    response = Response(document.data, mimetype=document.content_type)
    response.headers["Content-Disposition"] = "inline"
    return response

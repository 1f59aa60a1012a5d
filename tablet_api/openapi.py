"""Each route declares its contract where it is defined (`endpoint`); the OpenAPI document is
built from those declarations and the app's URL map, and the same declarations drive the
checks at run time (authentication level, body and query validation, idempotency key, ETag).

`python -m tablet_api` rewrites tablet_api/openapi.json; a test fails when the file and
the code differ.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, json

from .schemas import COMPONENTS, ID, IDEMPOTENCY_PATTERN

PUBLIC = "public"  # no credential at all
DEVICE = "device"  # the tablet's credential
INMATE = "inmate"  # the tablet's credential and a signed-in inmate's access token

View = Callable[..., Any]

DOCUMENT_FILE = Path(__file__).resolve().parent / "openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")

ERROR_DESCRIPTIONS = {
    400: (
        "Malformed request: the body is not UTF-8 JSON, is nested deeper than 32 levels, has "
        "NaN or Infinity, a key twice, or a NUL or lone surrogate in a string; or a required "
        "header is missing"
    ),
    401: "No valid device credential, or no valid access token",
    403: "Not allowed",
    404: "No such resource (or not yours)",
    409: "The resource's state does not allow this",
    413: "Request body too large",
    415: "The body must be application/json",
    422: (
        "A field is against this document (`invalid-input`; `errors` says which and why), or "
        "the prison's rules or state refuse a request the document allows (its own type)"
    ),
    423: "Sign-in is locked after too many failures",
    429: "Too many requests; see Retry-After",
}


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    auth: str
    status: int = 200
    response: str | Mapping[str, Any] | None = None
    body: str | None = None
    query: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    etag: bool = False
    idempotency_key: bool = False
    # The setting that caps the request body.
    max_body_setting: str = "tablet.max_body_bytes"
    description: str = ""
    example: Mapping[str, Any] | None = None
    # Answers that are not problems, by status (health's 503 carries its usual body).
    other_responses: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)
    # A signed-in route's columns read beside the session in the call's one statement
    # (PostgreSQL only; `http.beside()` has their values, None each on SQLite).
    beside: tuple[Any, ...] = ()


def endpoint(
    bp: Blueprint, rule: str, method: str, **contract: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view under `rule` for one method, with its contract."""
    operation = Operation(**contract)

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            return view(**kwargs)

        wrapper.operation = operation  # type: ignore[attr-defined]
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        return wrapper

    return register


class Routes:
    """`endpoint` for the routes of one part of the API on `bp`: the tag they are listed under,
    the credential their calls carry and whatever else most of them share (`defaults`, keywords
    of `Operation`) are given once; a route may still name its own.

    A route's summary is the first paragraph of its view's docstring, its description the
    paragraphs after it; the rest of its contract is the keywords of `Operation`."""

    def __init__(self, bp: Blueprint, tag: str, auth: str, **defaults: Any) -> None:
        self.bp, self.tag, self.auth, self.defaults = bp, tag, auth, defaults

    def __call__(self, rule: str, method: str, **contract: Any) -> Callable[[View], View]:
        def register(view: View) -> View:
            summary, _, description = inspect.cleandoc(view.__doc__ or "").partition("\n\n")
            told = {"tag": self.tag, "auth": self.auth, **self.defaults, **contract}
            if description:
                told["description"] = description.replace("\n", " ")
            return endpoint(self.bp, rule, method, summary=summary.replace("\n", " "), **told)(view)

        return register


def operation_of(view: Any) -> Operation | None:
    return getattr(view, "operation", None)


# --- the document ---------------------------------------------------------------------------

_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def openapi_path(rule: str) -> str:
    return _ARGUMENT.sub(lambda m: "{" + m.group("name") + "}", rule)


def _path_parameters(rule: str) -> list[dict[str, Any]]:
    params = []
    for match in _ARGUMENT.finditer(rule):
        schema = ID if match.group("converter") == "int" else {"type": "string"}
        params.append(
            {"name": match.group("name"), "in": "path", "required": True, "schema": schema}
        )
    return params


def _schema_ref(schema: str | Mapping[str, Any]) -> Any:
    return {"$ref": f"#/components/schemas/{schema}"} if isinstance(schema, str) else schema


def _problem(status: int) -> dict[str, Any]:
    return {"$ref": f"#/components/responses/Problem{status}"}


def _operation_document(rule: str, method: str, op: Operation) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": f"{method}_{openapi_path(rule).strip('/').replace('/', '_')}".replace(
            "{", ""
        ).replace("}", ""),
        "summary": op.summary,
        "tags": [op.tag],
    }
    if op.description:
        doc["description"] = op.description
    if op.auth == PUBLIC:
        doc["security"] = []
    elif op.auth == DEVICE:
        doc["security"] = [{"device": []}]
    else:
        doc["security"] = [{"device": [], "inmate": []}]
    parameters = _path_parameters(rule)
    for name, schema in op.query.items():
        param = {k: v for k, v in schema.items() if k not in ("required", "description")}
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": bool(schema.get("required", False)),
                "description": schema.get("description", ""),
                "schema": param,
            }
        )
    if op.idempotency_key:
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "description": "A unique key per order; a retry with the same key and the same "
                "order returns the first answer.",
                "schema": {"type": "string", "pattern": IDEMPOTENCY_PATTERN},
            }
        )
    if op.etag:
        parameters.append(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "The ETag of the copy the tablet has; 304 if it is current.",
                "schema": {"type": "string"},
            }
        )
    if parameters:
        doc["parameters"] = parameters
    if op.body:
        content: dict[str, Any] = {"schema": _schema_ref(op.body)}
        if op.example is not None:
            content["example"] = op.example
        doc["requestBody"] = {"required": True, "content": {"application/json": content}}
    responses: dict[str, Any] = {}
    if op.status == 204:
        responses["204"] = {"description": "Done"}
    else:
        ok: dict[str, Any] = {"description": "OK"}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": _schema_ref(op.response)}}
        if op.etag:
            ok["headers"] = {"ETag": {"schema": {"type": "string"}, "required": True}}
        responses[str(op.status)] = ok
    if op.etag:
        responses["304"] = {"description": "Not modified since the ETag in If-None-Match"}
    errors = set(op.errors) | {429}
    if op.auth != PUBLIC:
        errors.add(401)
    if op.body:
        errors |= {400, 413, 415, 422}
    if op.idempotency_key:
        errors |= {400}
    if op.query:
        errors.add(422)
    if _path_parameters(rule):
        errors.add(404)
    for status in sorted(errors):
        responses[str(status)] = _problem(status)
    for status, answer in op.other_responses.items():
        responses[str(status)] = dict(answer)
    doc["responses"] = responses
    return doc


def build_document(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint == "static" or rule.endpoint.startswith("tablet_app."):
            continue  # the app's own files (webapp.py) are no part of the API
        view = app.view_functions[rule.endpoint]
        op = operation_of(view)
        if op is None:
            raise LookupError(f"route {rule.rule} ({rule.endpoint}) declares no contract")
        for method in sorted(m.lower() for m in rule.methods or ()):
            if method in METHODS:
                paths.setdefault(openapi_path(rule.rule), {})[method] = _operation_document(
                    rule.rule, method, op
                )
    responses = {
        f"Problem{status}": {
            "description": text,
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
        for status, text in sorted(ERROR_DESCRIPTIONS.items())
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cellgate tablet API",
            "version": "1.0.0",
            "description": (
                "The JSON API that in-cell tablets call. Every call except the public ones carries "
                "the tablet's device credential in X-Device-Credential; a tablet is bound to one "
                "cell. An inmate of that cell signs in (PIN or face) and gets a short-lived access "
                "token (Authorization: Bearer) and a refresh token that works only from the same "
                "tablet. Errors are application/problem+json (RFC 9457) with a stable `type` and a "
                "`detail` in the inmate's language. Lists are paged with `limit` and `cursor`. "
                "Reads carry an ETag; send it back in If-None-Match to get 304."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": COMPONENTS,
            "responses": responses,
            "securitySchemes": {
                "device": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Device-Credential",
                    "description": "The tablet's credential, issued when it was registered.",
                },
                "inmate": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The access token from sign-in or refresh.",
                },
            },
        },
    }


def render_document(app: Flask) -> str:
    return json.dumps(build_document(app), indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def main() -> None:
    from backoffice.settings import load_settings

    from . import create_app  # the document of the real app, with every blueprint

    app = create_app(load_settings({}).with_overrides({"database_url": "sqlite://"}))
    DOCUMENT_FILE.write_text(render_document(app), encoding="utf-8")
    sys.stdout.write(f"wrote {DOCUMENT_FILE}\n")

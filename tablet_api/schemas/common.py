"""What every schema of the API is made of: the shapes of text, ids, money, pages and dates,
the helpers that build objects from them, and the meta answers (health, problems)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backoffice.surface import MAX_ID

# Largest id the API accepts anywhere: the one forms accept (a 32-bit id column).
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
# What a text field may hold: anything but NUL, which the database cannot store. The body
# reader also refuses lone surrogates (not Unicode), which a pattern cannot name portably.
CHARACTER = r"[^\u0000]"
PLAIN_TEXT = f"^{CHARACTER}*$"
# Whitespace as Python's str.split() sees it, spelled out: what `\s` means differs between
# regular expression engines (ECMA's leaves out \x1c-\x1f and \x85).
_BLANK = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Text that is more than blanks (the services collapse whitespace, then require a character).
NOT_BLANK = rf"^{CHARACTER}*[^{_BLANK}\u0000]{CHARACTER}*$"
# A base64 string (as Python's strict decoder reads it).
BASE64 = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
# The phone numbers the visits service takes: 6 to 20 digits, a leading + and spaces, dashes
# or brackets between them.
PHONE = r"^(?:\+?[ ()-]*(?:[0-9][ ()-]*){6,20})?$"
# An e-mail address as the visits service checks it (no blanks, an @ and a dot after it).
_EMAIL_PART = rf"[^@{_BLANK}\u0000]+"
EMAIL = rf"^(?:{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART})?$"
# Codes in the request types file (types and their form fields).
CODE = "^[a-z][a-z0-9_]{0,63}$"


def text(min_length: int = 0, max_length: int = 200, **more: Any) -> dict[str, Any]:
    return {
        "type": "string",
        "minLength": min_length,
        "maxLength": max_length,
        "pattern": PLAIN_TEXT,
        **more,
    }


def obj(
    properties: Mapping[str, Any], required: tuple[str, ...] = (), **more: Any
) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": dict(properties),
        "required": list(required),
        "additionalProperties": False,
        **more,
    }


def all_required(properties: Mapping[str, Any], **more: Any) -> dict[str, Any]:
    """An object whose every property is required, in the order they are listed."""
    return obj(properties, tuple(properties), **more)


def array(items: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def records(properties: Mapping[str, Any], **more: Any) -> dict[str, Any]:
    """A list of objects whose every property is required."""
    return array(all_required(properties, **more))


def items_of(item: Mapping[str, Any]) -> dict[str, Any]:
    """A whole list, not paged: {"items": [...]}."""
    return all_required({"items": array(item)})


def page_of(item_ref: str) -> dict[str, Any]:
    return all_required(
        {
            "items": array({"$ref": item_ref}),
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Pass as `cursor` for the next (older) page; null on the last.",
            },
        },
    )


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


LANGUAGE = {"type": "string", "enum": ["et", "ru", "en"]}
IDEMPOTENCY_PATTERN = "^[A-Za-z0-9._:-]{8,64}$"
PAGE_QUERY: dict[str, dict[str, Any]] = {
    "limit": {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "default": 20,
        "description": "Entries per page.",
    },
    "cursor": {
        "type": "string",
        "pattern": "^[0-9]{1,15}$",
        "description": "The `next_cursor` of the previous page.",
    },
}
STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
MONEY = {"type": "integer", "description": "Amount in cents."}
TIMESTAMP = {"type": "string", "format": "date-time"}
DAY = {"type": "string", "format": "date"}
NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}

COMPONENTS: dict[str, dict[str, Any]] = {
    "Health": all_required(
        {
            "status": {"type": "string", "enum": ["ok", "error"]},
            "surface": STRING,
            "database": {"type": "string", "enum": ["ok", "unreachable"]},
        },
    ),
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details; `detail` is in the inmate's language.",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": STRING,
            "title": STRING,
            "status": INTEGER,
            "detail": STRING,
            "instance": STRING,
            "code": STRING,
            "errors": records(
                {"field": STRING, "reason": STRING},
                description="One wrong field and why.",
            ),
            "violations": {
                "type": "array",
                "items": {"type": "object"},
                "description": "The shop rules an order breaks.",
            },
        },
    },
    "ProblemType": all_required(
        {
            "type": STRING,
            "code": STRING,
            "status": INTEGER,
            "title": STRING,
            "detail": obj({"et": STRING, "ru": STRING, "en": STRING}),
        },
    ),
}

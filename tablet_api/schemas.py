"""The API's JSON schemas, and the validator that checks requests against the very same schemas
the OpenAPI document publishes, so the contract and the checks cannot drift apart.

The validator understands the subset of JSON Schema the document uses: type, properties,
required, additionalProperties (false or a schema), propertyNames, maxProperties, anyOf (beside
other keywords), items, minItems/maxItems, minimum/maximum, minLength/maxLength, pattern, enum
and format "date". Each refusal names the field and the reason in the inmate's language.

The contract: a body the schema accepts is never refused as `invalid-input`; what only the
prison's state or rules can refuse (money, the shop's rules, a request type's form) is refused
with its own problem type.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

# Largest id the API accepts anywhere (the smallest id column is a 32-bit integer).
MAX_ID = 2**31 - 1
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


def page_of(item_ref: str) -> dict[str, Any]:
    return obj(
        {
            "items": {"type": "array", "items": {"$ref": item_ref}},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Pass as `cursor` for the next (older) page; null on the last.",
            },
        },
        ("items", "next_cursor"),
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
MONEY = {"type": "integer", "description": "Amount in cents."}
TIMESTAMP = {"type": "string", "format": "date-time"}
DAY = {"type": "string", "format": "date"}
NULLABLE_TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}

COMPONENTS: dict[str, dict[str, Any]] = {
    "Health": obj(
        {
            "status": {"type": "string", "enum": ["ok", "error"]},
            "surface": {"type": "string"},
            "database": {"type": "string", "enum": ["ok", "unreachable"]},
        },
        ("status", "surface", "database"),
    ),
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details; `detail` is in the inmate's language.",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "code": {"type": "string"},
            "errors": {
                "type": "array",
                "items": obj(
                    {"field": {"type": "string"}, "reason": {"type": "string"}},
                    ("field", "reason"),
                    description="One wrong field and why.",
                ),
            },
            "violations": {
                "type": "array",
                "items": {"type": "object"},
                "description": "The shop rules an order breaks.",
            },
        },
    },
    "ProblemType": obj(
        {
            "type": {"type": "string"},
            "code": {"type": "string"},
            "status": {"type": "integer"},
            "title": {"type": "string"},
            "detail": obj(
                {"et": {"type": "string"}, "ru": {"type": "string"}, "en": {"type": "string"}}
            ),
        },
        ("type", "code", "status", "title", "detail"),
    ),
    "Device": obj(
        {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "cell": {"type": "string"},
            "wing": {"type": "string"},
            "sign_in_methods": {
                "type": "array",
                "items": {"type": "string", "enum": ["pin", "face"]},
            },
        },
        ("id", "name", "cell", "wing", "sign_in_methods"),
    ),
    "PinSignIn": obj(
        {
            "prison_number": text(1, 32, pattern="^[A-Za-z0-9-]+$"),
            "pin": text(4, 12, pattern="^[0-9]+$"),
        },
        ("prison_number", "pin"),
    ),
    "FaceSignIn": obj(
        {
            "frames": {
                "type": "array",
                "minItems": 1,
                "maxItems": 5,
                "items": text(
                    4,
                    700_000,
                    pattern=BASE64,
                    contentEncoding="base64",
                    description="A camera frame, JPEG or PNG, base64.",
                ),
            },
        },
        ("frames",),
    ),
    "Tokens": obj(
        {
            "access_token": {"type": "string"},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer", "description": "Seconds the access token lives."},
            "refresh_token": {"type": "string"},
            "refresh_expires_in": {"type": "integer"},
            "idle_timeout": {"type": "integer", "description": "Seconds of inactivity allowed."},
            "inmate": {"$ref": "#/components/schemas/Profile"},
        },
        (
            "access_token",
            "token_type",
            "expires_in",
            "refresh_token",
            "refresh_expires_in",
            "idle_timeout",
            "inmate",
        ),
    ),
    "Refresh": obj(
        {"refresh_token": text(20, 200, pattern="^cgr_[A-Za-z0-9_-]+$")}, ("refresh_token",)
    ),
    "Profile": obj(
        {
            "id": {"type": "integer"},
            "prison_number": {"type": "string"},
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
            "language": LANGUAGE,
            "legal_status": {"type": "string"},
            "regime_level": {"type": "string"},
            "cell": {"type": ["string", "null"]},
            "wing": {"type": ["string", "null"]},
        },
        (
            "id",
            "prison_number",
            "first_name",
            "last_name",
            "language",
            "legal_status",
            "regime_level",
            "cell",
            "wing",
        ),
    ),
    "ProfileChange": obj({"language": LANGUAGE}, ("language",)),
    "Balance": obj(
        {
            "currency": {"type": "string"},
            "spendable_cents": MONEY,
            "held_cents": MONEY,
            "available_cents": MONEY,
            "release_fund_cents": MONEY,
            "debts_set_aside_cents": MONEY,
        },
        (
            "currency",
            "spendable_cents",
            "held_cents",
            "available_cents",
            "release_fund_cents",
            "debts_set_aside_cents",
        ),
    ),
    "Transaction": obj(
        {
            "id": {"type": "integer"},
            "at": TIMESTAMP,
            "code": {"type": "string"},
            "kind": {"type": "string"},
            "label": {"type": "string"},
            "amount_cents": MONEY,
            "reference": {"type": "string"},
        },
        ("id", "at", "code", "kind", "label", "amount_cents", "reference"),
    ),
    "TransactionPage": page_of("#/components/schemas/Transaction"),
    "Product": obj(
        {
            "id": {"type": "integer"},
            "sku": {"type": "string"},
            "category": {"type": "string"},
            "name": {"type": "string"},
            "unit": {"type": "string"},
            "price_cents": MONEY,
            "tags": {"type": "array", "items": {"type": "string"}},
            "in_stock": {
                "type": "boolean",
                "description": "Some is left that no placed order has reserved.",
            },
        },
        ("id", "sku", "category", "name", "unit", "price_cents", "tags", "in_stock"),
    ),
    "Catalogue": obj(
        {
            "categories": {
                "type": "array",
                "items": obj(
                    {"code": {"type": "string"}, "name": {"type": "string"}}, ("code", "name")
                ),
            },
            "products": {"type": "array", "items": ref("Product")},
        },
        ("categories", "products"),
    ),
    "Cart": obj(
        {
            "lines": {
                "type": "array",
                "minItems": 1,
                "maxItems": 50,
                "items": obj(
                    {
                        "product_id": ID,
                        "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
                    },
                    ("product_id", "quantity"),
                ),
            },
            "substitution_consent": {
                "type": "boolean",
                "description": "The shop may pack a similar product if one is out of stock.",
            },
        },
        ("lines",),
    ),
    "Violation": obj(
        {
            "code": {"type": "string"},
            "rule": {"type": "string"},
            "message": {"type": "string"},
            "sku": {"type": "string"},
        },
        ("code", "rule", "message", "sku"),
    ),
    "CartCheck": obj(
        {
            "ok": {"type": "boolean"},
            "total_cents": MONEY,
            "violations": {"type": "array", "items": ref("Violation")},
            "left_cents": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
        ("ok", "total_cents", "violations", "left_cents"),
    ),
    "OrderLine": obj(
        {
            "id": {"type": "integer"},
            "product_id": {"type": "integer"},
            "name": {"type": "string"},
            "quantity": {"type": "integer"},
            "unit_price_cents": MONEY,
            "packed_quantity": {"type": ["integer", "null"]},
            "refunded_quantity": {"type": "integer"},
            "substitute_product_id": {
                "type": ["integer", "null"],
                "description": "Packed in place of this product (with the inmate's consent).",
            },
            "substitute_name": {"type": ["string", "null"]},
            "substitute_unit_price_cents": {"type": ["integer", "null"]},
            "charged_unit_cents": {
                "type": "integer",
                "description": "What one of what was packed costs: the substitute's price "
                "where one was packed, else the price ordered at.",
            },
        },
        (
            "id",
            "product_id",
            "name",
            "quantity",
            "unit_price_cents",
            "packed_quantity",
            "refunded_quantity",
            "substitute_product_id",
            "substitute_name",
            "substitute_unit_price_cents",
            "charged_unit_cents",
        ),
    ),
    "Order": obj(
        {
            "id": {"type": "integer"},
            "number": {"type": "string"},
            "status": {
                "type": "string",
                "enum": ["placed", "picking", "packed", "delivered", "cancelled", "expired"],
            },
            "placed_at": TIMESTAMP,
            "delivery_on": DAY,
            "held_cents": MONEY,
            "charged_cents": MONEY,
            "refunded_cents": MONEY,
            "substitution_consent": {"type": "boolean"},
            "can_cancel": {"type": "boolean"},
            "can_acknowledge": {
                "type": "boolean",
                "description": "Packed, and its delivery day has come in the prison's time.",
            },
            "lines": {"type": "array", "items": ref("OrderLine")},
        },
        (
            "id",
            "number",
            "status",
            "placed_at",
            "delivery_on",
            "held_cents",
            "charged_cents",
            "refunded_cents",
            "substitution_consent",
            "can_cancel",
            "can_acknowledge",
            "lines",
        ),
    ),
    "OrderPage": page_of("#/components/schemas/Order"),
    "RequestTypes": obj(
        {
            "items": {
                "type": "array",
                "items": obj(
                    {
                        "code": {"type": "string"},
                        "name": {"type": "string"},
                        "help": {"type": "string"},
                        "deadline_working_days": {"type": "integer"},
                        "one_open_at_a_time": {"type": "boolean"},
                        "fields": {
                            "type": "array",
                            "items": obj(
                                {
                                    "code": {"type": "string"},
                                    "kind": {"type": "string"},
                                    "label": {"type": "string"},
                                    "required": {"type": "boolean"},
                                    "max_length": {"type": "integer"},
                                    "choices": {
                                        "type": "array",
                                        "items": {"type": "array", "items": {"type": "string"}},
                                        "description": "[code, label] pairs.",
                                    },
                                },
                                ("code", "kind", "label", "required", "max_length", "choices"),
                            ),
                        },
                    },
                    (
                        "code",
                        "name",
                        "help",
                        "deadline_working_days",
                        "one_open_at_a_time",
                        "fields",
                    ),
                ),
            }
        },
        ("items",),
    ),
    "RequestSummary": obj(
        {
            "id": {"type": "integer"},
            "receipt": {"type": "string"},
            "type_code": {"type": "string"},
            "type_name": {"type": "string"},
            "status": {"type": "string"},
            "status_text": {"type": "string"},
            "submitted_at": TIMESTAMP,
            "due_on": DAY,
            "updated_at": TIMESTAMP,
        },
        (
            "id",
            "receipt",
            "type_code",
            "type_name",
            "status",
            "status_text",
            "submitted_at",
            "due_on",
            "updated_at",
        ),
    ),
    "RequestPage": page_of("#/components/schemas/RequestSummary"),
    "Request": obj(
        {
            "id": {"type": "integer"},
            "receipt": {"type": "string"},
            "type_code": {"type": "string"},
            "type_name": {"type": "string"},
            "department_name": {"type": "string"},
            "status": {"type": "string"},
            "status_text": {"type": "string"},
            "submitted_at": TIMESTAMP,
            "due_on": DAY,
            "answers": {
                "type": "array",
                "items": obj(
                    {"label": {"type": "string"}, "value": {"type": "string"}}, ("label", "value")
                ),
            },
            "answer_text": {"type": "string"},
            "rejection_reason_text": {"type": "string"},
            "appeal_until_on": {"type": ["string", "null"], "format": "date"},
            "appeal_of_receipt": {"type": "string"},
            "can_reply": {"type": "boolean"},
            "can_withdraw": {"type": "boolean"},
            "can_appeal": {"type": "boolean"},
            "entries": {
                "type": "array",
                "items": obj(
                    {
                        "occurred_at": TIMESTAMP,
                        "kind": {"type": "string"},
                        "title": {"type": "string"},
                        "body": {"type": "string"},
                    },
                    ("occurred_at", "kind", "title", "body"),
                ),
            },
            "documents": {
                "type": "array",
                "items": obj(
                    {
                        "id": {"type": "integer"},
                        "filename": {"type": "string"},
                        "content_type": {"type": "string"},
                        "size_bytes": {"type": "integer"},
                    },
                    ("id", "filename", "content_type", "size_bytes"),
                ),
            },
        },
        (
            "id",
            "receipt",
            "type_code",
            "type_name",
            "status",
            "submitted_at",
            "due_on",
            "answers",
            "can_reply",
            "can_withdraw",
            "can_appeal",
            "entries",
            "documents",
        ),
    ),
    "NewRequest": obj(
        {
            "type": text(1, 64, pattern=CODE),
            "fields": {
                "type": "object",
                "maxProperties": 30,
                "propertyNames": {"pattern": CODE},
                "description": "Field code -> value: text, a choice's code, a date "
                '(YYYY-MM-DD), an amount ("12.50" euros or whole cents), or a contact.',
                "additionalProperties": {
                    "anyOf": [
                        text(0, 4000),
                        {"type": "integer", "minimum": 0, "maximum": 100_000_000},
                        obj(
                            {"name": text(0, 200), "phone": text(0, 32)},
                            description="A person: name and phone.",
                        ),
                    ]
                },
            },
        },
        ("type", "fields"),
    ),
    "RequestMessage": obj({"body": text(1, 2000)}, ("body",)),
    "Contact": obj(
        {
            "id": {"type": "integer"},
            "full_name": {"type": "string"},
            "relation": {"type": "string"},
            "status": {"type": "string", "enum": ["pending", "approved", "refused"]},
            "requested_at": TIMESTAMP,
        },
        ("id", "full_name", "relation", "status", "requested_at"),
    ),
    "Contacts": obj({"items": {"type": "array", "items": ref("Contact")}}, ("items",)),
    "NewContact": obj(
        {
            "full_name": text(2, 200, pattern=NOT_BLANK),
            "relation": {
                "type": "string",
                "enum": [
                    "spouse",
                    "partner",
                    "parent",
                    "child",
                    "sibling",
                    "relative",
                    "friend",
                    "lawyer",
                    "other",
                ],
            },
            "phone": text(0, 32, pattern=PHONE),
            "email": text(0, 254, pattern=EMAIL),
        },
        ("full_name", "relation"),
        description="Staff need a way to reach the person: a phone number, an e-mail or both.",
        anyOf=[
            {"required": ["phone"], "properties": {"phone": {"minLength": 1}}},
            {"required": ["email"], "properties": {"email": {"minLength": 1}}},
        ],
    ),
    "VisitSlots": obj(
        {
            "items": {
                "type": "array",
                "items": obj(
                    {
                        "slot_id": {"type": "integer"},
                        "starts_at": TIMESTAMP,
                        "ends_at": TIMESTAMP,
                        "places_left": {"type": "integer"},
                        "within_quota": {"type": "boolean"},
                    },
                    ("slot_id", "starts_at", "ends_at", "places_left", "within_quota"),
                ),
            }
        },
        ("items",),
    ),
    "Booking": obj(
        {
            "id": {"type": "integer"},
            "status": {"type": "string"},
            "contact_id": {"type": "integer"},
            "contact_name": {"type": "string"},
            "starts_at": TIMESTAMP,
            "ends_at": TIMESTAMP,
            "hold_expires_at": TIMESTAMP,
            "quota_exempt": {"type": "boolean"},
        },
        (
            "id",
            "status",
            "contact_id",
            "contact_name",
            "starts_at",
            "ends_at",
            "hold_expires_at",
            "quota_exempt",
        ),
    ),
    "BookingPage": page_of("#/components/schemas/Booking"),
    "NewBooking": obj(
        {
            "slot_id": ID,
            "contact_id": ID,
            "rebook_of": {**ID, "description": "The failed call this one replaces (free)."},
        },
        ("slot_id", "contact_id"),
    ),
    "RoomToken": obj(
        {
            "url": {"type": "string"},
            "room": {"type": "string"},
            "token": {"type": "string"},
            "expires_at": TIMESTAMP,
        },
        ("url", "room", "token", "expires_at"),
    ),
    "Notification": obj(
        {
            "id": {"type": "string"},
            "kind": {
                "type": "string",
                "enum": ["order_packed", "request_answered", "call_starting"],
            },
            "at": TIMESTAMP,
            "text": {"type": "string"},
            "order_id": {"type": "integer"},
            "request_id": {"type": "integer"},
            "booking_id": {"type": "integer"},
        },
        ("id", "kind", "at", "text"),
    ),
    "Notifications": obj({"items": {"type": "array", "items": ref("Notification")}}, ("items",)),
    "MissingItem": obj(
        {
            "line_id": ID,
            "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
            "reason": text(3, 500),
        },
        ("line_id", "quantity", "reason"),
    ),
}

# --- the validator --------------------------------------------------------------------------

REASONS: dict[str, dict[str, str]] = {
    "required": {"et": "on kohustuslik", "ru": "обязательное поле", "en": "is required"},
    "type": {"et": "peab olema {type}", "ru": "должно быть: {type}", "en": "must be {type}"},
    "minimum": {
        "et": "peab olema vähemalt {n}",
        "ru": "должно быть не меньше {n}",
        "en": "must be at least {n}",
    },
    "maximum": {
        "et": "tohib olla kõige rohkem {n}",
        "ru": "должно быть не больше {n}",
        "en": "must be at most {n}",
    },
    "minLength": {
        "et": "peab olema vähemalt {n} märki pikk",
        "ru": "должно быть не короче {n} символов",
        "en": "must be at least {n} characters long",
    },
    "maxLength": {
        "et": "tohib olla kuni {n} märki pikk",
        "ru": "должно быть не длиннее {n} символов",
        "en": "must be at most {n} characters long",
    },
    "pattern": {
        "et": "on vales vormingus",
        "ru": "имеет неверный формат",
        "en": "has a wrong format",
    },
    "characters": {
        "et": "sisaldab lubamatuid märke",
        "ru": "содержит недопустимые символы",
        "en": "contains characters that are not allowed",
    },
    "enum": {
        "et": "peab olema üks neist: {values}",
        "ru": "должно быть одним из: {values}",
        "en": "must be one of: {values}",
    },
    "unknown": {
        "et": "ei ole lubatud väli",
        "ru": "недопустимое поле",
        "en": "is not a known field",
    },
    "minItems": {
        "et": "peab sisaldama vähemalt {n} rida",
        "ru": "должно содержать не меньше {n} элементов",
        "en": "must have at least {n} entries",
    },
    "maxItems": {
        "et": "tohib sisaldada kuni {n} rida",
        "ru": "должно содержать не больше {n} элементов",
        "en": "must have at most {n} entries",
    },
    "either": {
        "et": "täida vähemalt üks neist: {fields}",
        "ru": "заполните хотя бы одно из: {fields}",
        "en": "give at least one of: {fields}",
    },
    "date": {
        "et": "peab olema kuupäev (AAAA-KK-PP)",
        "ru": "должно быть датой (ГГГГ-ММ-ДД)",
        "en": "must be a date (YYYY-MM-DD)",
    },
}

TYPE_NAMES: dict[str, dict[str, str]] = {
    "integer": {"et": "täisarv", "ru": "целое число", "en": "a whole number"},
    "string": {"et": "tekst", "ru": "текст", "en": "text"},
    "boolean": {"et": "tõene või väär", "ru": "true или false", "en": "true or false"},
    "array": {"et": "loend", "ru": "список", "en": "a list"},
    "object": {"et": "objekt", "ru": "объект", "en": "an object"},
    "null": {"et": "tühi", "ru": "пусто", "en": "empty"},
}


class Invalid(Exception):
    """Every wrong field of one request: [(field, reason code, params)]."""

    def __init__(self, errors: list[tuple[str, str, dict[str, Any]]]) -> None:
        super().__init__(", ".join(field for field, _, _ in errors))
        self.errors = errors

    def localized(self, language: str) -> list[dict[str, str]]:
        out = []
        for field, reason, params in self.errors:
            shown = dict(params)
            if "type" in shown:
                shown["type"] = TYPE_NAMES[shown["type"]][language]
            out.append({"field": field, "reason": REASONS[reason][language].format(**shown)})
        return out


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "unknown"


def _clean_text(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from JSON's \ud800
        return False
    return True


def _name_fits(schema: Mapping[str, Any], key: str) -> bool:
    attempt: list[tuple[str, str, dict[str, Any]]] = []
    _check(schema, key, "", attempt)
    return not attempt


def validate(schema: Mapping[str, Any], value: Any, field: str = "") -> Any:
    """The value, checked and normalised (integral floats become ints); raises Invalid."""
    errors: list[tuple[str, str, dict[str, Any]]] = []
    result = _check(_resolve(schema), value, field, errors)
    if errors:
        raise Invalid(errors)
    return result


def _any_of(
    options: list[Any], value: Any, field: str, errors: list[tuple[str, str, dict[str, Any]]]
) -> Any:
    attempts = []
    for option in options:
        attempt: list[tuple[str, str, dict[str, Any]]] = []
        checked = _check(_resolve(option), value, field, attempt)
        if not attempt:
            return checked
        attempts.append(attempt)
    # Options that each ask for a field ("a phone or an e-mail"): say that, not the last one.
    wanted = [option.get("required", []) for option in options]
    if all(wanted) and all(option.keys() <= {"required", "properties"} for option in options):
        either = ", ".join(f"{field}.{k}" if field else k for keys in wanted for k in keys)
        errors.append((either, "either", {"fields": either}))
    else:
        errors.extend(attempts[-1])
    return value


def _check(
    schema: Mapping[str, Any], value: Any, field: str, errors: list[tuple[str, str, dict[str, Any]]]
) -> Any:
    name = field or "body"
    if "anyOf" in schema:
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        checked = _any_of(schema["anyOf"], value, field, errors)
        return _check(rest, checked, field, errors) if rest else checked
    allowed = schema.get("type")
    if allowed is not None:
        types = [allowed] if isinstance(allowed, str) else list(allowed)
        actual = _type_of(value)
        if actual not in types:
            errors.append((name, "type", {"type": types[0]}))
            return value
        if actual == "null":
            return None
        if actual == "integer" and isinstance(value, float):
            value = int(value)
    if "enum" in schema and value not in schema["enum"]:
        values = ", ".join(str(v) for v in schema["enum"])
        errors.append((name, "enum", {"values": values}))
        return value
    if isinstance(value, str):
        if not _clean_text(value):
            errors.append((name, "characters", {}))
            return value
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append((name, "minLength", {"n": schema["minLength"]}))
        elif "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append((name, "maxLength", {"n": schema["maxLength"]}))
        elif "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append((name, "pattern", {}))
        elif schema.get("format") == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                errors.append((name, "date", {}))
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append((name, "minimum", {"n": schema["minimum"]}))
        elif "maximum" in schema and value > schema["maximum"]:
            errors.append((name, "maximum", {"n": schema["maximum"]}))
        return value
    if isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append((name, "minItems", {"n": schema["minItems"]}))
            return value
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append((name, "maxItems", {"n": schema["maxItems"]}))
            return value
        items = _resolve(schema.get("items", {}))
        return [_check(items, item, f"{name}[{i}]", errors) for i, item in enumerate(value)]
    if isinstance(value, dict):
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            errors.append((name, "maxItems", {"n": schema["maxProperties"]}))
            return value
        properties = schema.get("properties", {})
        prefix = f"{field}." if field else ""
        out = {}
        for key in schema.get("required", []):
            if key not in value:
                errors.append((f"{prefix}{key}", "required", {}))
        names = schema.get("propertyNames")
        for key, item in value.items():
            if names is not None and not _name_fits(names, key):
                errors.append((f"{prefix}{key}", "unknown", {}))
                continue
            if key not in properties:
                more = schema.get("additionalProperties", True)
                if more is False or not _clean_text(key):
                    errors.append((f"{prefix}{key}", "unknown", {}))
                elif isinstance(more, Mapping):
                    out[key] = _check(_resolve(more), item, f"{prefix}{key}", errors)
                else:
                    out[key] = item  # allowed, unchecked (an anyOf option's other fields)
                continue
            out[key] = _check(_resolve(properties[key]), item, f"{prefix}{key}", errors)
        return out
    return value

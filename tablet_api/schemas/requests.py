"""Written requests: their types and forms, a new request, its messages and its history."""

from __future__ import annotations

from typing import Any

from .common import (
    BOOLEAN,
    CODE,
    DAY,
    INTEGER,
    STRING,
    TIMESTAMP,
    all_required,
    array,
    items_of,
    obj,
    page_of,
    records,
    text,
)

# What a request's summary and the whole request both say, in this order: which request it is,
# (the whole request: which department has it,) then where it stands.
_WHICH = {
    "id": INTEGER,
    "receipt": STRING,
    "type_code": STRING,
    "type_name": STRING,
}
_STANDING = {
    "status": STRING,
    "status_text": STRING,
    "submitted_at": TIMESTAMP,
    "due_on": DAY,
}

COMPONENTS: dict[str, dict[str, Any]] = {
    "RequestTypes": items_of(
        all_required(
            {
                "code": STRING,
                "name": STRING,
                "help": STRING,
                "deadline_working_days": INTEGER,
                "one_open_at_a_time": BOOLEAN,
                "fields": records(
                    {
                        "code": STRING,
                        "kind": STRING,
                        "label": STRING,
                        "required": BOOLEAN,
                        "max_length": INTEGER,
                        "choices": {
                            "type": "array",
                            "items": array(STRING),
                            "description": "[code, label] pairs.",
                        },
                        "when": {
                            "type": "string",
                            "enum": ["past", "future", "any"],
                            "description": "A date field's: the date may be only in the past, "
                            "only in the future, or either.",
                        },
                    },
                ),
            },
        )
    ),
    "RequestSummary": all_required({**_WHICH, **_STANDING, "updated_at": TIMESTAMP}),
    "RequestPage": page_of("#/components/schemas/RequestSummary"),
    "Request": obj(
        {
            **_WHICH,
            "department_name": STRING,
            **_STANDING,
            "answers": records({"label": STRING, "value": STRING}),
            "answer_text": STRING,
            "rejection_reason_text": STRING,
            "appeal_until_on": {"type": ["string", "null"], "format": "date"},
            "appeal_of_receipt": STRING,
            "can_reply": BOOLEAN,
            "can_withdraw": BOOLEAN,
            "can_appeal": BOOLEAN,
            "entries": records(
                {
                    "occurred_at": TIMESTAMP,
                    "kind": STRING,
                    "title": STRING,
                    "body": STRING,
                },
            ),
            "documents": records(
                {
                    "id": INTEGER,
                    "filename": STRING,
                    "content_type": STRING,
                    "size_bytes": INTEGER,
                },
            ),
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
    "NewRequest": all_required(
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
    ),
    "RequestMessage": all_required({"body": text(1, 2000)}),
}

"""Written requests: their types and forms, a new request, its messages and its history."""

from __future__ import annotations

from typing import Any

from .common import CODE, DAY, TIMESTAMP, all_required, array, items_of, obj, page_of, records, text

# What a request's summary and the whole request both say, in this order: which request it is,
# (the whole request: which department has it,) then where it stands.
_WHICH = {
    "id": {"type": "integer"},
    "receipt": {"type": "string"},
    "type_code": {"type": "string"},
    "type_name": {"type": "string"},
}
_STANDING = {
    "status": {"type": "string"},
    "status_text": {"type": "string"},
    "submitted_at": TIMESTAMP,
    "due_on": DAY,
}

COMPONENTS: dict[str, dict[str, Any]] = {
    "RequestTypes": items_of(
        all_required(
            {
                "code": {"type": "string"},
                "name": {"type": "string"},
                "help": {"type": "string"},
                "deadline_working_days": {"type": "integer"},
                "one_open_at_a_time": {"type": "boolean"},
                "fields": records(
                    {
                        "code": {"type": "string"},
                        "kind": {"type": "string"},
                        "label": {"type": "string"},
                        "required": {"type": "boolean"},
                        "max_length": {"type": "integer"},
                        "choices": {
                            "type": "array",
                            "items": array({"type": "string"}),
                            "description": "[code, label] pairs.",
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
            "department_name": {"type": "string"},
            **_STANDING,
            "answers": records({"label": {"type": "string"}, "value": {"type": "string"}}),
            "answer_text": {"type": "string"},
            "rejection_reason_text": {"type": "string"},
            "appeal_until_on": {"type": ["string", "null"], "format": "date"},
            "appeal_of_receipt": {"type": "string"},
            "can_reply": {"type": "boolean"},
            "can_withdraw": {"type": "boolean"},
            "can_appeal": {"type": "boolean"},
            "entries": records(
                {
                    "occurred_at": TIMESTAMP,
                    "kind": {"type": "string"},
                    "title": {"type": "string"},
                    "body": {"type": "string"},
                },
            ),
            "documents": records(
                {
                    "id": {"type": "integer"},
                    "filename": {"type": "string"},
                    "content_type": {"type": "string"},
                    "size_bytes": {"type": "integer"},
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

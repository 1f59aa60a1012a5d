"""The content library and urgent notices on the tablet."""

from __future__ import annotations

from typing import Any

from .common import ID, PAGE_QUERY, TIMESTAMP, all_required, obj, page_of, ref, text

SHA256 = "^[0-9a-f]{64}$"
KINDS = ["video", "audio", "series", "document", "page", "course", "lesson"]
NULLABLE_TEXT = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}

LIBRARY_QUERY: dict[str, dict[str, Any]] = {
    **PAGE_QUERY,
    "q": text(0, 100, description="Words the title, text or tags begin with."),
    "kind": {"type": "string", "enum": KINDS, "description": "Only this kind."},
    "category": {**ID, "description": "Only this category."},
    "favourites": {"type": "boolean", "description": "Only the inmate's favourites."},
}

_ENTRY = {
    "id": {"type": "integer"},
    "kind": {"type": "string", "enum": KINDS},
    "title": {"type": "string"},
    "summary": {"type": "string"},
    "language": {"type": "string", "description": "The language it is shown in."},
    "category": NULLABLE_TEXT,
    "level": NULLABLE_TEXT,
    "duration_seconds": NULLABLE_INT,
    "favourite": {"type": "boolean"},
    "rating": NULLABLE_INT,
    "position_seconds": {"type": "integer", "description": "Where the inmate stopped."},
    "completed": {"type": "boolean"},
}

COMPONENTS: dict[str, dict[str, Any]] = {
    "LibraryEntry": all_required(_ENTRY),
    "LibraryPage": page_of("#/components/schemas/LibraryEntry"),
    "LibraryItem": all_required(
        {
            **_ENTRY,
            "body": {"type": "string", "description": "Paragraphs separated by a blank line."},
            "media_url": {
                **NULLABLE_TEXT,
                "description": "Its file (Range requests answered with 206).",
            },
            "media_type": NULLABLE_TEXT,
            "subtitles_url": {**NULLABLE_TEXT, "description": "WebVTT subtitles."},
            "parent_id": NULLABLE_INT,
            "parts": {"type": "array", "items": ref("LibraryEntry")},
            "quiz": {
                "type": "array",
                "items": all_required(
                    {
                        "question": {"type": "string"},
                        "choices": {"type": "array", "items": {"type": "string"}},
                    }
                ),
            },
        }
    ),
    "PositionChange": all_required(
        {"position_seconds": {"type": "integer", "minimum": 0, "maximum": 86400}}
    ),
    "FavouriteChange": all_required({"favourite": {"type": "boolean"}}),
    "RatingChange": all_required({"stars": {"type": "integer", "minimum": 1, "maximum": 5}}),
    "QuizAnswers": all_required(
        {
            "answers": {
                "type": "array",
                "maxItems": 100,
                "items": {"type": "integer", "minimum": 0, "maximum": 100},
                "description": "The index of the chosen choice, one per question in order.",
            }
        }
    ),
    "QuizResult": all_required(
        {
            "right": {"type": "integer"},
            "questions": {"type": "integer"},
            "passed": {"type": "boolean"},
            "course_completed": {"type": "boolean"},
        }
    ),
    "UrgentNotice": all_required(
        {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "body": {"type": "string"},
            "sent_at": TIMESTAMP,
        }
    ),
    "UrgentNotices": all_required({"items": {"type": "array", "items": ref("UrgentNotice")}}),
}

__all__ = ["COMPONENTS", "LIBRARY_QUERY", "SHA256", "obj"]

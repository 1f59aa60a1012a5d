"""The content library on the tablet: browse and search what is published to the inmate, an
item with its file's address, the file itself (streamed with Range, only to whoever may see an
item that plays it), where they stopped, favourites, stars, a lesson's quiz; and the urgent
notices the inmate must acknowledge."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Response, url_for

from backoffice.content import services as content
from backoffice.content.media_response import media_response
from backoffice.content.services.media import SHA256
from backoffice.db import utcnow
from backoffice.errors import ServiceError
from backoffice.surface import MAX_ID, get_db

from . import http
from .api import bp
from .openapi import INMATE, Routes
from .problems import Problem, from_service_error
from .schemas.content import LIBRARY_QUERY

route = Routes(bp, tag="library", auth=INMATE)
BINARY = {"schema": {"type": "string", "format": "binary"}}
MEDIA_TYPES = (
    "video/mp4", "video/webm", "audio/mpeg", "audio/ogg", "audio/wav", "audio/mp4",
    "application/pdf", "application/epub+zip", "text/vtt",
)  # fmt: skip


def _media_url(sha256: str | None) -> str | None:
    return url_for("api.library_media", sha256=sha256) if sha256 else None


def _done(action: Any) -> Any:
    """Run one change and commit; a refusal is rolled back and answered as its problem."""
    db = get_db()
    try:
        result = action()
    except ServiceError as refused:
        db.rollback()
        raise from_service_error(refused) from None
    db.commit()
    return result


@route("/library", "GET", response="LibraryPage", query=LIBRARY_QUERY, etag=True)
def library() -> Any:
    """What the library offers the inmate, newest first, with search, in pages"""
    asked = http.query()
    # Every id is below a cursor past the largest id (which the database could not compare).
    cursor = int(asked["cursor"]) if asked.get("cursor") else None
    entries, next_id = content.browse(
        get_db(),
        http.inmate(),
        utcnow(),
        query=asked.get("q", ""),
        category_id=asked.get("category"),
        kind=asked.get("kind"),
        favourites=bool(asked.get("favourites")),
        limit=asked["limit"],
        before_id=cursor if cursor is not None and cursor <= MAX_ID else None,
    )
    return http.json_response(
        {
            # vars, not asdict: an entry's fields are plain values, and asdict's deep copy was a
            # tenth of a listing's time.
            "items": [dict(vars(e)) for e in entries],
            "next_cursor": str(next_id) if next_id is not None else None,
        }
    )


@route("/library/<int:item_id>", "GET", response="LibraryItem", etag=True)
def library_item(item_id: int) -> Any:
    """One item in the inmate's language: its text, file, parts and quiz"""
    shown = _done(lambda: content.detail(get_db(), http.inmate(), item_id, utcnow()))
    return http.json_response(
        {
            **asdict(shown.entry),
            "body": shown.body,
            "media_url": _media_url(shown.media_sha256),
            "media_type": shown.media_type,
            "subtitles_url": _media_url(shown.subtitles_sha256),
            "parent_id": shown.parent_id,
            "parts": [asdict(p) for p in shown.parts],
            "quiz": shown.quiz,
        }
    )


@route(
    "/library/media/<sha256>",
    "GET",
    response=None,
    other_responses={
        200: {"description": "The file", "content": dict.fromkeys(MEDIA_TYPES, BINARY)},
        206: {"description": "The range asked for", "content": dict.fromkeys(MEDIA_TYPES, BINARY)},
        304: {"description": "Not modified since the ETag in If-None-Match"},
        416: {"description": "The range is past the end of the file"},
    },
)
def library_media(sha256: str) -> Response:
    """A file of an item the inmate may see (Range requests: 206; past the end: 416)"""
    if not SHA256.match(sha256):
        raise Problem("not-found")
    found = _done(lambda: content.media_for(get_db(), http.inmate(), sha256, utcnow()))
    response = media_response(content.MediaConfig.from_settings(http.settings()), found)
    response.vary.add("Authorization")
    return response


@route(
    "/library/<int:item_id>/position",
    "PUT",
    body="PositionChange",
    status=204,
    errors=(404,),
    example={"position_seconds": 95},
)
def library_position(item_id: int) -> Any:
    """Where the inmate stopped playing (the next play starts there)"""
    seconds = http.body()["position_seconds"]
    _done(lambda: content.save_position(get_db(), http.inmate(), item_id, seconds, utcnow()))
    return "", 204


@route(
    "/library/<int:item_id>/favourite",
    "PUT",
    body="FavouriteChange",
    status=204,
    errors=(404,),
    example={"favourite": True},
)
def library_favourite(item_id: int) -> Any:
    """Mark or unmark the item as a favourite"""
    on = http.body()["favourite"]
    _done(
        lambda: content.set_favourite(get_db(), http.actor(), http.inmate(), item_id, on, utcnow())
    )
    return "", 204


@route(
    "/library/<int:item_id>/rating",
    "PUT",
    body="RatingChange",
    status=204,
    errors=(404,),
    example={"stars": 4},
)
def library_rating(item_id: int) -> Any:
    """Rate the item, 1 to 5 stars"""
    stars = http.body()["stars"]
    _done(lambda: content.rate(get_db(), http.actor(), http.inmate(), item_id, stars, utcnow()))
    return "", 204


@route(
    "/library/<int:item_id>/quiz",
    "POST",
    body="QuizAnswers",
    response="QuizResult",
    errors=(404,),
    example={"answers": [1, 0]},
)
def library_quiz(item_id: int) -> Any:
    """Answer a lesson's quiz; passing finishes the lesson, the last one the course"""
    answers = http.body()["answers"]
    result = _done(
        lambda: content.answer_quiz(
            get_db(), http.actor(), http.inmate(), item_id, answers, utcnow()
        )
    )
    return http.json_response(asdict(result))


@route("/urgent-notices", "GET", response="UrgentNotices", etag=True)
def urgent_notices() -> Any:
    """The urgent notices the inmate has still to acknowledge, oldest first"""
    person = http.inmate()
    items = []
    for notice in content.unread(get_db(), person):
        said = notice.text_in(person.language)
        items.append(
            {
                "id": notice.id,
                "title": said["title"],
                "body": said.get("body", ""),
                "sent_at": notice.created_at.isoformat(),
            }
        )
    return http.json_response({"items": items})


@route("/urgent-notices/<int:notice_id>/acknowledge", "POST", status=204, errors=(404,))
def urgent_notice_acknowledge(notice_id: int) -> Any:
    """The inmate has read the notice (again: no change)"""
    _done(lambda: content.acknowledge(get_db(), http.actor(), http.inmate(), notice_id, utcnow()))
    return "", 204

"""Files: an upload for one language version of an item (its video, sound or document, or its
subtitles), and a preview for the reviewer, streamed with Range like the inmates' players."""

from __future__ import annotations

from typing import Any

from flask import abort, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import InvalidInput, NotFound
from ...surface import get_db, settings
from ...web.access import staff_actor
from ...web.handling import perform
from .. import services
from ..media_response import media_response
from ..models import Media
from ..services.media import SHA256, SUBTITLES
from .common import bp, media_config, now


@bp.post("/items/<int:item_id>/media")
def upload(item_id: int) -> Any:
    try:
        item = services.item_for(get_db(), staff_actor(), item_id)
    except NotFound:
        abort(404)
    # A video may be far larger than a form; this upload alone may be as large as the setting.
    request.max_content_length = settings()["content.max_upload_bytes"]
    subtitles = request.form.get("purpose") == "subtitles"
    language = request.form.get("language", "")
    sent = request.files.get("file")

    def action(db: Session) -> str:
        if sent is None or not sent.filename:
            raise InvalidInput(_("Choose a file."))
        version = item.version_in(language)
        if version is None or version.language != language:
            raise InvalidInput(_("Write the title in that language first."))
        kinds = SUBTITLES if subtitles else services.media_kinds_for(item)
        kept = services.store(
            db, staff_actor(), media_config(), sent.stream, sent.filename, allowed=kinds
        )
        text = services.VersionText(
            language=version.language,
            title=version.title,
            summary=version.summary,
            body=version.body,
            quiz=version.quiz,
        )
        services.save_version(
            db,
            staff_actor(),
            item.id,
            text,
            now=now(),
            media_id=None if subtitles else kept.id,
            subtitles_id=kept.id if subtitles else None,
        )
        return _(
            "%(filename)s is kept (%(content_type)s, %(size_bytes)s bytes).",
            filename=sent.filename,
            content_type=kept.content_type,
            size_bytes=kept.size_bytes,
        )

    return perform(action, "", url_for("content.item", item_id=item_id))


@bp.get("/media/<sha256>")
def media(sha256: str) -> Any:
    if not SHA256.match(sha256):
        abort(404)
    found = get_db().scalars(select(Media).where(Media.sha256 == sha256)).first()
    if found is None:
        abort(404)
    return media_response(media_config(), found)

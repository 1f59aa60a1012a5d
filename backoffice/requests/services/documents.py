"""Scanned documents on a case: checked by their bytes before anything is stored, read by staff,
and by the inmate when marked for them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import utcnow
from ...errors import InvalidInput, NotFound
from ...people.models import Inmate
from ..messages import text
from ..models import EventKind, RequestAttachment
from .inmate_cases import DocumentFile, _own_case
from .rules import Rules
from .scope import _handled_case, get_for_staff
from .steps import _event, _touch

PDF = "application/pdf"

PNG = "image/png"

JPEG = "image/jpeg"

EXTENSIONS = {PDF: (".pdf",), PNG: (".png",), JPEG: (".jpg", ".jpeg")}


def sniff_document(filename: str, data: bytes, max_bytes: int) -> str:
    """The content type of a scanned document judged by its bytes, or InvalidInput saying why it
    is refused: only PDF, PNG and JPEG, whole files, not larger than max_bytes, with a name
    that matches what the bytes are."""
    if len(data) > max_bytes:
        raise InvalidInput(
            "The file is too large (%(size)s bytes); the limit is %(limit)s bytes.",
            size=f"{len(data):,}",
            limit=f"{max_bytes:,}",
        )
    if not data:
        raise InvalidInput("The file is empty.")
    if data.startswith(b"%PDF-"):
        # A real PDF ends with %%EOF (possibly followed by a line end or some padding).
        if b"%%EOF" not in data[-1024:]:
            raise InvalidInput("The file starts like a PDF but is not a complete PDF document.")
        content_type = PDF
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        if data[12:16] != b"IHDR" or b"IEND" not in data[-16:]:
            raise InvalidInput("The file starts like a PNG image but is not a complete one.")
        content_type = PNG
    elif data.startswith(b"\xff\xd8\xff"):
        if b"\xff\xd9" not in data[-16:]:
            raise InvalidInput("The file starts like a JPEG image but is not a complete one.")
        content_type = JPEG
    else:
        raise InvalidInput(
            "Only scanned documents as PDF, PNG or JPEG files may be attached; "
            "this file is none of them."
        )
    name = filename.lower()
    if not name.endswith(EXTENSIONS[content_type]):
        raise InvalidInput(
            "The file is named %(name)r but its contents are %(type)s; "
            "rename it or attach the right file.",
            name=filename,
            type=content_type,
        )
    return content_type


def attach(
    db: Session,
    actor: Actor,
    rules: Rules,
    request_id: int,
    filename: str,
    data: bytes,
    *,
    visible_to_inmate: bool = False,
    now: datetime | None = None,
) -> RequestAttachment:
    """Attaches a scanned document. Everything is checked before anything is stored, so a
    refused file leaves no trace in the database."""
    filename = Path((filename or "").replace("\\", "/")).name.strip()[:200]
    if not filename:
        raise InvalidInput("The file needs a name.")
    case_, scope = _handled_case(db, actor, request_id)
    content_type = sniff_document(filename, data, rules.attachment_max_bytes)
    attachment = RequestAttachment(
        request_id=case_.id,
        filename=filename,
        content_type=content_type,
        size_bytes=len(data),
        data=data,
        visible_to_inmate=visible_to_inmate,
        uploaded_by_id=scope.staff_id,
        uploaded_at=now or utcnow(),
    )
    db.add(attachment)
    db.flush()
    _touch(case_, now)
    _event(
        db,
        case_,
        actor,
        EventKind.ATTACHED,
        now=now,
        body=filename,
        visible_to_inmate=visible_to_inmate,
    )
    record(
        db,
        actor,
        "request.attach",
        target_type="request",
        target_id=case_.id,
        attachment_id=attachment.id,
        content_type=content_type,
        size_bytes=len(data),
        visible_to_inmate=visible_to_inmate,
    )
    return attachment


def attachment_for_staff(
    db: Session, actor: Actor, request_id: int, attachment_id: int
) -> RequestAttachment:
    case_ = get_for_staff(db, actor, request_id)
    attachment = db.get(RequestAttachment, attachment_id)
    if attachment is None or attachment.request_id != case_.id:
        raise NotFound("No such document on this request.")
    return attachment


def attachments_of(db: Session, request_id: int) -> list[tuple[int, str, str, int, bool]]:
    return [
        tuple(row)  # type: ignore[misc]
        for row in db.execute(
            select(
                RequestAttachment.id,
                RequestAttachment.filename,
                RequestAttachment.content_type,
                RequestAttachment.size_bytes,
                RequestAttachment.visible_to_inmate,
            )
            .where(RequestAttachment.request_id == request_id)
            .order_by(RequestAttachment.id)
        )
    ]


def document_for_inmate(
    db: Session, inmate: Inmate, request_id: int, document_id: int
) -> DocumentFile:
    case_ = _own_case(db, inmate, request_id)
    document = db.scalar(
        select(RequestAttachment).where(
            RequestAttachment.id == document_id,
            RequestAttachment.request_id == case_.id,
            RequestAttachment.visible_to_inmate.is_(True),
        )
    )
    if document is None:
        raise NotFound(text("not_found", inmate.language))
    return DocumentFile(document.filename, document.content_type, document.data)

"""Urgent notices to a whole prison, one wing or one cell. Every inmate there reads and
acknowledges each one before anything else on the kiosk; staff see who has not yet. The audience
is whoever is there now: an inmate moved into the wing sees the wing's notice too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...errors import Conflict, InvalidInput, NotFound
from ...people.models import Cell, Inmate, InmateStatus, Language, Prison, Wing
from ..models import Notice, NoticeReceipt

MAX_BODY = 4000


def _staff(actor: Actor) -> int:
    if actor.kind != "staff" or actor.id is None:
        raise InvalidInput("Only staff send notices.")
    return actor.id


def send_notice(
    db: Session,
    actor: Actor,
    *,
    prison_id: int,
    texts: dict[str, dict[str, str]],
    now: datetime,
    wing_id: int | None = None,
    cell_id: int | None = None,
) -> Notice:
    staff = _staff(actor)
    if db.get(Prison, prison_id) is None:
        raise InvalidInput("No such prison.", field="prison_id")
    if cell_id is not None:
        cell = db.get(Cell, cell_id)
        if cell is None or cell.wing.prison_id != prison_id:
            raise InvalidInput("That cell is not in that prison.", field="cell_id")
        wing_id = cell.wing_id
    if wing_id is not None:
        wing = db.get(Wing, wing_id)
        if wing is None or wing.prison_id != prison_id:
            raise InvalidInput("That wing is not in that prison.", field="wing_id")
    written: dict[str, dict[str, str]] = {}
    for language in (lang.value for lang in Language):
        said = texts.get(language) or {}
        title = " ".join(said.get("title", "").split())[:200]
        body = said.get("body", "").strip()[:MAX_BODY]
        if title:
            written[language] = {"title": title, "body": body}
    if not written:
        raise InvalidInput("Write the notice in at least one language.", field="title")
    notice = Notice(
        prison_id=prison_id,
        wing_id=wing_id,
        cell_id=cell_id,
        texts=written,
        created_by_id=staff,
        created_at=now,
    )
    db.add(notice)
    db.flush()
    record(
        db, actor, "content.notice_sent", target_type="content_notice", target_id=notice.id,
        prison_id=prison_id, wing_id=wing_id, cell_id=cell_id,
    )  # fmt: skip
    return notice


def withdraw(db: Session, actor: Actor, notice_id: int, now: datetime) -> Notice:
    _staff(actor)
    notice = db.get(Notice, notice_id)
    if notice is None:
        raise NotFound("No such notice.")
    if notice.withdrawn_at is not None:
        raise Conflict("The notice is already withdrawn.")
    notice.withdrawn_at = now
    db.flush()
    record(db, actor, "content.notice_withdrawn", target_type="content_notice", target_id=notice.id)
    return notice


def _for_inmate(inmate: Inmate) -> ColumnElement[bool]:
    return and_(
        Notice.prison_id == inmate.prison_id,
        Notice.withdrawn_at.is_(None),
        or_(Notice.wing_id.is_(None), Notice.wing_id == inmate.wing_id),
        or_(Notice.cell_id.is_(None), Notice.cell_id == inmate.cell_id),
    )


def unread(db: Session, inmate: Inmate) -> list[Notice]:
    """The notices the inmate has still to acknowledge, oldest first."""
    read = exists().where(
        NoticeReceipt.notice_id == Notice.id, NoticeReceipt.inmate_id == inmate.id
    )
    return list(db.scalars(select(Notice).where(_for_inmate(inmate), ~read).order_by(Notice.id)))


def acknowledge(db: Session, actor: Actor, inmate: Inmate, notice_id: int, now: datetime) -> None:
    """The inmate has read the notice; again is no change."""
    notice = db.scalars(select(Notice).where(Notice.id == notice_id, _for_inmate(inmate))).first()
    if notice is None:
        raise NotFound("No such notice.")
    if db.get(NoticeReceipt, (notice.id, inmate.id)) is not None:
        return
    db.add(NoticeReceipt(notice_id=notice.id, inmate_id=inmate.id, acknowledged_at=now))
    db.flush()
    record(
        db, actor, "content.notice_acknowledged", target_type="content_notice",
        target_id=notice.id,
    )  # fmt: skip


@dataclass(frozen=True)
class Readership:
    notice: Notice
    read: int
    not_read: list[Inmate]


def readership(db: Session, notice_id: int) -> Readership:
    """Who of the notice's audience has acknowledged it, and who not yet."""
    notice = db.get(Notice, notice_id)
    if notice is None:
        raise NotFound("No such notice.")
    stmt = select(Inmate).where(
        Inmate.prison_id == notice.prison_id, Inmate.status == InmateStatus.ACTIVE.value
    )
    if notice.wing_id is not None:
        stmt = stmt.where(Inmate.wing_id == notice.wing_id)
    if notice.cell_id is not None:
        stmt = stmt.where(Inmate.cell_id == notice.cell_id)
    read_ids = set(
        db.scalars(select(NoticeReceipt.inmate_id).where(NoticeReceipt.notice_id == notice.id))
    )
    audience = list(db.scalars(stmt.order_by(Inmate.last_name, Inmate.first_name)))
    return Readership(
        notice=notice,
        read=sum(1 for i in audience if i.id in read_ids),
        not_read=[i for i in audience if i.id not in read_ids],
    )


def notices_of(db: Session, prison_id: int | None, *, limit: int = 100) -> list[Notice]:
    stmt = select(Notice).order_by(Notice.id.desc()).limit(limit)
    if prison_id is not None:
        stmt = stmt.where(Notice.prison_id == prison_id)
    return list(db.scalars(stmt))

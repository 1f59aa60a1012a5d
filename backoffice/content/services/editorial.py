"""Making content: items and their parts, a version per language, tags, who it is for, when it
goes live; and the editorial flow (`models.TRANSITIONS`) with maker-checker: whoever wrote or
changed an item or any of its parts never approves it. Every step writes an audit row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ...audit.models import AuditEvent
from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, InvalidInput, NotFound
from ...people.models import Language, LegalStatus, Prison, Wing
from ...staff.models import StaffUser
from ...staff.scope import scope_of
from ...words import word
from ..models import (
    CHECKER_ACTIONS,
    PARTS,
    PLAYABLE,
    TRANSITIONS,
    ContentCategory,
    Item,
    Kind,
    Level,
    Media,
    Status,
    Tag,
    Target,
    Version,
)
from . import media as media_files
from .search import index_version

MAX_TAGS = 20


class SelfReview(Forbidden):
    """The maker of an item tried to check it; the refusal itself stays on the record."""


@dataclass(frozen=True)
class VersionText:
    language: str
    title: str
    summary: str = ""
    body: str = ""
    # [{"question": ..., "choices": [...], "answer": index}] for a lesson.
    quiz: Sequence[dict[str, Any]] = ()


@dataclass(frozen=True)
class TargetSpec:
    prison_id: int
    wing_id: int | None = None
    legal_status: str | None = None
    regime_level: str | None = None


@dataclass(frozen=True)
class ItemSpec:
    kind: str
    category_id: int | None = None
    level: str | None = None
    min_age: int = 0
    pass_percent: int = 100
    parent_id: int | None = None
    texts: Sequence[VersionText] = field(default_factory=tuple)


def _item(db: Session, item_id: int) -> Item:
    item = db.get(Item, item_id)
    if item is None:
        raise NotFound("No such content item.")
    return item


def top_of(db: Session, item: Item) -> Item:
    """The item whose editorial state counts: a part's series or course, else the item."""
    return _item(db, item.parent_id) if item.parent_id is not None else item


def prison_of(db: Session, item: Item) -> int | None:
    """The prison that keeps an item: its maker's (the author of its series or course, for a
    part). None for what national staff made."""
    author = db.get(StaffUser, top_of(db, item).author_id)
    return author.prison_id if author is not None else None


def item_for(db: Session, actor: Actor, item_id: int) -> Item:
    """The item, when it is kept by a prison `actor` works in (national staff, and the jobs
    runner: any); NotFound otherwise, as if there were none, so that ids cannot be probed."""
    item = _item(db, item_id)
    scope_of(db, actor).check(prison_of(db, item), "content item")
    return item


def kept_for(db: Session, actor: Actor) -> ColumnElement[bool]:
    """The items `actor` keeps, as SQL: those made by staff of the prisons he works in."""
    scope = scope_of(db, actor)
    if scope.national:
        return true()
    makers = select(StaffUser.id).where(StaffUser.prison_id == scope.prison_id)
    return Item.author_id.in_(makers)


def _editable(db: Session, actor: Actor, item: Item, now: datetime) -> None:
    top = top_of(db, item)
    if top.status != Status.DRAFT:
        raise Conflict("Only a draft can be changed: take it back to draft first.")
    item.last_edited_by_id = top.last_edited_by_id = _staff_id(actor)
    item.updated_at = top.updated_at = now


def _staff_id(actor: Actor) -> int:
    if actor.kind != "staff" or actor.id is None:
        raise Forbidden("Only staff make content.")
    return actor.id


def create_item(db: Session, actor: Actor, spec: ItemSpec, now: datetime) -> Item:
    staff = _staff_id(actor)
    if spec.kind not in {k.value for k in Kind}:
        raise InvalidInput("Unknown kind of content.", field="kind")
    if spec.level is not None and spec.level not in {lv.value for lv in Level}:
        raise InvalidInput("Unknown level.", field="level")
    if not 0 <= spec.min_age <= 99:
        raise InvalidInput("The age limit is a number of years from 0 to 99.", field="min_age")
    if not 1 <= spec.pass_percent <= 100:
        raise InvalidInput("The pass mark is 1 to 100 percent.", field="pass_percent")
    if spec.category_id is not None and db.get(ContentCategory, spec.category_id) is None:
        raise InvalidInput("No such category.", field="category_id")
    parent = item_for(db, actor, spec.parent_id) if spec.parent_id is not None else None
    if parent is not None:
        if spec.kind not in PARTS.get(Kind(parent.kind), frozenset()):
            raise InvalidInput("That cannot be a part of this item.", field="kind")
        _editable(db, actor, parent, now)
    elif spec.kind == Kind.LESSON:
        raise InvalidInput("A lesson belongs to a course.", field="parent_id")
    item = Item(
        kind=spec.kind,
        status=Status.DRAFT.value,
        position=len(parent.parts) + 1 if parent is not None else 0,
        category_id=spec.category_id,
        level=spec.level,
        min_age=spec.min_age,
        pass_percent=spec.pass_percent,
        author_id=staff,
        last_edited_by_id=staff,
        created_at=now,
        updated_at=now,
    )
    if parent is not None:
        parent.parts.append(item)
    db.add(item)
    db.flush()
    record(
        db, actor, "content.created", target_type="content_item", target_id=item.id, kind=item.kind
    )
    for version_text in spec.texts:
        save_version(db, actor, item.id, version_text, now=now)
    return item


def _clean_quiz(quiz: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for number, question in enumerate(quiz, start=1):
        choices = [str(c).strip() for c in question.get("choices", []) if str(c).strip()]
        answer = question.get("answer")
        text = str(question.get("question", "")).strip()
        if not text or len(choices) < 2 or not isinstance(answer, int):
            raise InvalidInput(
                "Question %(number)s needs its text and two or more choices.", number=number
            )
        if not 0 <= answer < len(choices):
            raise InvalidInput(
                "Question %(number)s: the right answer is not one of its choices.", number=number
            )
        cleaned.append({"question": text, "choices": choices, "answer": answer})
    return cleaned


def save_version(
    db: Session,
    actor: Actor,
    item_id: int,
    version_text: VersionText,
    *,
    now: datetime,
    media_id: int | None = None,
    subtitles_id: int | None = None,
) -> Version:
    """Write the item's version in one language (new or changed); media stays unless given."""
    item = item_for(db, actor, item_id)
    _editable(db, actor, item, now)
    if version_text.language not in {lang.value for lang in Language}:
        raise InvalidInput("The language is et, ru or en.", field="language")
    title = " ".join(version_text.title.split())
    if not title or len(title) > 200:
        raise InvalidInput("A title of 1 to 200 characters is needed.", field="title")
    version = next((v for v in item.versions if v.language == version_text.language), None)
    if version is None:
        version = Version(item=item, language=version_text.language, title=title)
        db.add(version)
    version.title = title
    version.summary = version_text.summary.strip()
    version.body = version_text.body.strip()
    version.quiz = _clean_quiz(version_text.quiz)
    if media_id is not None:
        version.media_id = _media_of_kind(db, media_id, _media_kinds(item)).id
    if subtitles_id is not None:
        version.subtitles_id = _media_of_kind(db, subtitles_id, media_files.SUBTITLES).id
    db.flush()
    index_version(db, version, [t.tag for t in item.tags])
    record(
        db,
        actor,
        "content.version_saved",
        target_type="content_item",
        target_id=item.id,
        language=version.language,
        media_id=version.media_id,
        subtitles_id=version.subtitles_id,
    )
    return version


def _media_kinds(item: Item) -> frozenset[str]:
    if item.kind == Kind.VIDEO or item.kind == Kind.LESSON:
        return media_files.VIDEO | media_files.AUDIO
    if item.kind == Kind.AUDIO:
        return media_files.AUDIO
    if item.kind == Kind.DOCUMENT:
        return media_files.DOCUMENTS
    return frozenset()


def media_kinds_for(item: Item) -> frozenset[str]:
    """What files an item of this kind may carry (what the upload form accepts)."""
    return _media_kinds(item)


def _media_of_kind(db: Session, media_id: int, kinds: frozenset[str]) -> Media:
    found = db.get(Media, media_id)
    if found is None or found.content_type not in kinds:
        raise InvalidInput("That file does not fit this item.", field="media")
    return found


def set_tags(db: Session, actor: Actor, item_id: int, tags: Sequence[str], now: datetime) -> None:
    item = item_for(db, actor, item_id)
    _editable(db, actor, item, now)
    wanted = sorted({" ".join(t.lower().split())[:64] for t in tags if t.strip()})
    if len(wanted) > MAX_TAGS:
        raise InvalidInput("At most %(most)s tags.", field="tags", most=MAX_TAGS)
    item.tags = [Tag(tag=t) for t in wanted]
    db.flush()
    for version in item.versions:
        index_version(db, version, wanted)
    record(db, actor, "content.tags", target_type="content_item", target_id=item.id, tags=wanted)


def set_targets(
    db: Session, actor: Actor, item_id: int, targets: Sequence[TargetSpec], now: datetime
) -> None:
    """Who the item is for: prisons, and within them wings and categories of inmate."""
    item = item_for(db, actor, item_id)
    if item.parent_id is not None:
        raise InvalidInput("A part is shown to whoever its series or course is for.")
    _editable(db, actor, item, now)
    scope = scope_of(db, actor)
    rows = []
    for spec in targets:
        # Staff of a prison make content for their own prison; national staff for any.
        if db.get(Prison, spec.prison_id) is None or not scope.covers(spec.prison_id):
            raise InvalidInput("No such prison.", field="prison_id")
        if spec.wing_id is not None:
            wing = db.get(Wing, spec.wing_id)
            if wing is None or wing.prison_id != spec.prison_id:
                raise InvalidInput("That wing is not in that prison.", field="wing_id")
        if spec.legal_status is not None and spec.legal_status not in {
            s.value for s in LegalStatus
        }:
            raise InvalidInput("Unknown legal status.", field="legal_status")
        rows.append(
            Target(
                prison_id=spec.prison_id,
                wing_id=spec.wing_id,
                legal_status=spec.legal_status,
                regime_level=spec.regime_level or None,
            )
        )
    item.targets = rows
    db.flush()
    record(
        db,
        actor,
        "content.targets",
        target_type="content_item",
        target_id=item.id,
        targets=[
            {
                "prison_id": t.prison_id,
                "wing_id": t.wing_id,
                "legal_status": t.legal_status,
                "regime_level": t.regime_level,
            }
            for t in rows
        ],
    )


def set_schedule(
    db: Session,
    actor: Actor,
    item_id: int,
    publish_at: datetime | None,
    unpublish_at: datetime | None,
    now: datetime,
) -> None:
    item = item_for(db, actor, item_id)
    _editable(db, actor, item, now)
    if publish_at and unpublish_at and unpublish_at <= publish_at:
        raise InvalidInput("It must go offline after it goes online.", field="unpublish_at")
    item.publish_at, item.unpublish_at = publish_at, unpublish_at
    db.flush()
    record(
        db,
        actor,
        "content.schedule",
        target_type="content_item",
        target_id=item.id,
        publish_at=publish_at.isoformat() if publish_at else None,
        unpublish_at=unpublish_at.isoformat() if unpublish_at else None,
    )


def _ready(item: Item) -> None:
    """What an item needs before it goes to review."""
    if not item.versions:
        raise InvalidInput("Write it in at least one language first.")
    if not item.targets:
        raise InvalidInput("Say who it is for: at least one prison.")
    for unit in [item, *item.parts] if Kind(item.kind) in PARTS else [item]:
        if Kind(unit.kind) in PARTS and not unit.parts:
            raise InvalidInput("Add its episodes or lessons first.")
        for version in unit.versions:
            needs_file = unit.kind in PLAYABLE | {Kind.DOCUMENT}
            if needs_file and version.media_id is None:
                raise InvalidInput(
                    "“%(title)s” (%(language)s) has no file yet.",
                    title=version.title,
                    language=version.language,
                )
            if unit.kind == Kind.LESSON and not version.quiz:
                raise InvalidInput(
                    "“%(title)s” (%(language)s) has no quiz yet.",
                    title=version.title,
                    language=version.language,
                )
        if not unit.versions:
            raise InvalidInput("Every part needs at least one language.")


EDITS = ("content.created", "content.version_saved", "content.tags", "content.targets",
         "content.schedule")  # fmt: skip


def _makers(db: Session, item: Item) -> set[int]:
    """Everyone who wrote or changed the item or one of its parts, ever: from the audit rows,
    which nobody can change."""
    ids = [str(i) for i in (item.id, *(p.id for p in item.parts))]
    found = db.scalars(
        select(AuditEvent.actor_id).where(
            AuditEvent.target_type == "content_item",
            AuditEvent.target_id.in_(ids),
            AuditEvent.action.in_(EDITS),
            AuditEvent.actor_kind == "staff",
        )
    )
    return {i for i in found if i is not None} | {item.author_id}


def move(
    db: Session, actor: Actor, item_id: int, action: str, *, now: datetime, reason: str = ""
) -> Item:
    """Apply one step of the editorial flow and audit it."""
    if action not in TRANSITIONS:
        raise InvalidInput("Unknown step.")
    item = item_for(db, actor, item_id)
    if item.parent_id is not None:
        raise Conflict("A part goes through review with its series or course.")
    sources, destination = TRANSITIONS[action]
    if Status(item.status) not in sources:
        raise Conflict("Not possible while it is %(status)s.", status=word(item.status))
    if action.endswith("_due"):
        if actor.kind != "system":
            raise Forbidden("The jobs runner does this.")
    else:
        staff = _staff_id(actor)
        if action in CHECKER_ACTIONS and staff in _makers(db, item):
            record(
                db, actor, f"content.{action}", target_type="content_item", target_id=item.id,
                outcome="refused", reason="maker-checker",
            )  # fmt: skip
            raise SelfReview("Someone else must review what you wrote or changed.")
    if action == "submit":
        _ready(item)
    if action == "approve" and item.publish_at is not None and item.publish_at > now:
        action, destination = "schedule", Status.SCHEDULED
    if action == "schedule" and (item.publish_at is None or item.publish_at <= now):
        action, destination = "approve", Status.PUBLISHED
    if action == "return_to_draft" and not reason.strip():
        raise InvalidInput("Say what to change.", field="reason")
    previous = item.status
    item.status = destination.value
    item.updated_at = now
    if action in ("approve", "schedule"):
        item.reviewed_by_id = actor.id
    if destination == Status.PUBLISHED:
        item.published_at = now
    db.flush()
    record(
        db,
        actor,
        f"content.{action}",
        target_type="content_item",
        target_id=item.id,
        from_status=previous,
        to_status=item.status,
        reason=reason.strip(),
    )
    return item

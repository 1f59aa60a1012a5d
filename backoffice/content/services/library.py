"""What an inmate sees of the library: only published items whose targets take in their prison,
wing, legal status and regime level, and whose age limit they have reached; the parts of such an
item; and the media files of those alone, whatever id or hash is asked for. Where they stopped,
favourites, ratings, quizzes and course completions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from ...audit.services import Actor, record
from ...errors import InvalidInput, NotFound
from ...people.models import Inmate
from ..models import (
    PLAYABLE,
    CourseCompletion,
    Engagement,
    Item,
    Kind,
    Media,
    Status,
    Target,
    Version,
)


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _shown(
    prison_id: Any, wing_id: Any, legal_status: Any, regime_level: Any, age: Any, now: Any
) -> ColumnElement[bool]:
    audience = exists().where(
        Target.item_id == Item.id,
        Target.prison_id == prison_id,
        or_(Target.wing_id.is_(None), Target.wing_id == wing_id),
        or_(Target.legal_status.is_(None), Target.legal_status == legal_status),
        or_(Target.regime_level.is_(None), Target.regime_level == regime_level),
    )
    return and_(
        Item.parent_id.is_(None),
        # A literal, not a parameter: the planner then sees that ix_content_items_shown (the
        # published top-level items, by id) holds every candidate.
        Item.status == literal_column(f"'{Status.PUBLISHED.value}'"),
        or_(Item.unpublish_at.is_(None), Item.unpublish_at > now),
        Item.min_age <= age,
        audience,
    )


SHOWN_PARAMETERS = (
    "shown_prison_id", "shown_wing_id", "shown_legal_status", "shown_regime_level", "shown_age",
    "shown_now",
)  # fmt: skip


def shown_values(inmate: Inmate, now: datetime) -> dict[str, Any]:
    """What `shown_to` asks of the inmate, by name (the parameters of `shown_to_bound`), in the
    order `_shown` takes them."""
    return {
        "shown_prison_id": inmate.prison_id,
        "shown_wing_id": inmate.wing_id,
        "shown_legal_status": inmate.legal_status,
        "shown_regime_level": inmate.regime_level,
        "shown_age": _age(inmate.date_of_birth, now.date()),
        "shown_now": now,
    }


def shown_to(inmate: Inmate, now: datetime) -> ColumnElement[bool]:
    """The condition on `Item` (a top-level one) that it is shown to `inmate` now."""
    return _shown(*shown_values(inmate, now).values())


def shown_to_bound() -> ColumnElement[bool]:
    """`shown_to` with its values left as parameters (`shown_values` gives them), for a
    statement made once and run for every inmate. A missing wing or level compares as NULL,
    which is what `shown_to` says of it too."""
    return _shown(*(bindparam(name) for name in SHOWN_PARAMETERS))


def _shown_ids(inmate: Inmate, now: datetime) -> Select[tuple[int]]:
    return select(Item.id).where(shown_to(inmate, now))


def allowed_item(db: Session, inmate: Inmate, item_id: int, now: datetime) -> Item:
    """The item (top-level or a part of one) if the inmate may see it; else NotFound, the same
    answer as for an id that does not exist."""
    item = db.get(Item, item_id)
    if item is not None:
        top = item.parent_id if item.parent_id is not None else item.id
        if db.scalar(_shown_ids(inmate, now).where(Item.id == top)) is not None:
            return item
    raise NotFound("No such item.")


def media_for(db: Session, inmate: Inmate, sha256: str, now: datetime) -> Media:
    """The media file with this hash if an item the inmate may see plays or shows it (itself,
    or as a part of a series or course they may see). Asked on every Range request of a
    player, so it stops at the first such item instead of listing all they may see."""
    found = db.scalars(select(Media).where(Media.sha256 == sha256)).first()
    if found is not None:
        shown = shown_to(inmate, now)
        part = aliased(Item)
        uses = []
        for column in (Version.media_id, Version.subtitles_id):
            uses.append(
                select(Version.id).where(column == found.id, Version.item_id == Item.id, shown)
            )
            uses.append(
                select(Version.id)
                .join(part, part.id == Version.item_id)
                .where(column == found.id, part.parent_id == Item.id, shown)
            )
        if db.scalar(select(or_(*(exists(u) for u in uses)))):
            return found
    raise NotFound("No such file.")


@dataclass(frozen=True)
class Entry:
    """One item as the inmate's screen shows it, in their language where it is written."""

    id: int
    kind: str
    title: str
    summary: str
    language: str
    category: str | None
    level: str | None
    duration_seconds: int | None
    favourite: bool
    rating: int | None
    position_seconds: int
    completed: bool


@dataclass(frozen=True)
class Detail:
    entry: Entry
    body: str
    media_sha256: str | None
    media_type: str | None
    subtitles_sha256: str | None
    parts: list[Entry]
    # The questions without their answers.
    quiz: list[dict[str, Any]]
    parent_id: int | None


def _entry(item: Item, language: str, engagement: Engagement | None) -> Entry:
    version = item.version_in(language)
    assert version is not None
    media = version.media
    category = item.category
    return Entry(
        id=item.id,
        kind=item.kind,
        title=version.title,
        summary=version.summary,
        language=version.language,
        category=(category.names.get(language) or category.code) if category else None,
        level=item.level,
        duration_seconds=media.duration_ms // 1000 if media and media.duration_ms else None,
        favourite=bool(engagement and engagement.favourite),
        rating=engagement.rating if engagement else None,
        position_seconds=engagement.position_seconds if engagement else 0,
        completed=bool(engagement and engagement.completed_at),
    )


def _engagements(db: Session, inmate: Inmate, ids: Sequence[int]) -> dict[int, Engagement]:
    if not ids:
        return {}
    rows = db.scalars(
        select(Engagement).where(Engagement.inmate_id == inmate.id, Engagement.item_id.in_(ids))
    )
    return {e.item_id: e for e in rows}


def detail(db: Session, inmate: Inmate, item_id: int, now: datetime) -> Detail:
    item = allowed_item(db, inmate, item_id, now)
    # A series' episodes or a course's lessons with their versions, files and categories in
    # three queries, however many parts (not three per part).
    parts = list(
        db.scalars(
            select(Item)
            .where(Item.parent_id == item.id)
            .options(
                selectinload(Item.versions).joinedload(Version.media), joinedload(Item.category)
            )
            .order_by(Item.position)
        ).unique()
    )
    engagements = _engagements(db, inmate, [item.id, *(p.id for p in parts)])
    version = item.version_in(inmate.language)
    if version is None:
        raise NotFound("No such item.")
    return Detail(
        entry=_entry(item, inmate.language, engagements.get(item.id)),
        body=version.body,
        media_sha256=version.media.sha256 if version.media else None,
        media_type=version.media.content_type if version.media else None,
        subtitles_sha256=version.subtitles.sha256 if version.subtitles else None,
        parts=[_entry(p, inmate.language, engagements.get(p.id)) for p in parts if p.versions],
        quiz=[{"question": q["question"], "choices": q["choices"]} for q in version.quiz],
        parent_id=item.parent_id,
    )


def _engagement(db: Session, inmate: Inmate, item: Item, now: datetime) -> Engagement:
    found = db.get(Engagement, (inmate.id, item.id))
    if found is None:
        found = Engagement(
            inmate_id=inmate.id, item_id=item.id, position_seconds=0, favourite=False
        )
        db.add(found)
    found.updated_at = now
    return found


def save_position(
    db: Session, inmate: Inmate, item_id: int, seconds: int, now: datetime
) -> Engagement:
    """Where the inmate stopped playing. Not audited: the player says it every few seconds."""
    item = allowed_item(db, inmate, item_id, now)
    if item.kind not in PLAYABLE:
        raise InvalidInput("Only video and audio have a position.", field="position_seconds")
    if not 0 <= seconds <= 24 * 3600:
        raise InvalidInput("The position is 0 to 86400 seconds.", field="position_seconds")
    engagement = _engagement(db, inmate, item, now)
    engagement.position_seconds = seconds
    db.flush()
    return engagement


def set_favourite(
    db: Session, actor: Actor, inmate: Inmate, item_id: int, favourite: bool, now: datetime
) -> Engagement:
    item = allowed_item(db, inmate, item_id, now)
    engagement = _engagement(db, inmate, item, now)
    engagement.favourite = favourite
    db.flush()
    record(
        db, actor, "content.favourite", target_type="content_item", target_id=item.id,
        favourite=favourite,
    )  # fmt: skip
    return engagement


def rate(
    db: Session, actor: Actor, inmate: Inmate, item_id: int, stars: int, now: datetime
) -> Engagement:
    if not 1 <= stars <= 5:
        raise InvalidInput("A rating is 1 to 5 stars.", field="rating")
    item = allowed_item(db, inmate, item_id, now)
    engagement = _engagement(db, inmate, item, now)
    engagement.rating = stars
    db.flush()
    record(db, actor, "content.rated", target_type="content_item", target_id=item.id, stars=stars)
    return engagement


@dataclass(frozen=True)
class QuizResult:
    right: int
    questions: int
    passed: bool
    course_completed: bool


def answer_quiz(
    db: Session, actor: Actor, inmate: Inmate, lesson_id: int, answers: Sequence[int], now: datetime
) -> QuizResult:
    """Mark a lesson's quiz; a pass finishes the lesson, and the course with its last lesson."""
    lesson = allowed_item(db, inmate, lesson_id, now)
    version = lesson.version_in(inmate.language)
    if lesson.kind != Kind.LESSON or version is None or not version.quiz:
        raise NotFound("No such quiz.")
    if len(answers) != len(version.quiz):
        raise InvalidInput("Answer every question.", field="answers")
    right = sum(1 for q, a in zip(version.quiz, answers, strict=True) if q["answer"] == a)
    passed = right * 100 >= lesson.pass_percent * len(version.quiz)
    record(
        db, actor, "content.quiz", target_type="content_item", target_id=lesson.id,
        right=right, questions=len(version.quiz), passed=passed,
    )  # fmt: skip
    completed = False
    if passed:
        engagement = _engagement(db, inmate, lesson, now)
        if engagement.completed_at is None:
            engagement.completed_at = now
        db.flush()
        completed = _complete_course_if_done(db, actor, inmate, lesson, now)
    return QuizResult(right, len(version.quiz), passed, completed)


def _complete_course_if_done(
    db: Session, actor: Actor, inmate: Inmate, lesson: Item, now: datetime
) -> bool:
    assert lesson.parent_id is not None
    course = db.get(Item, lesson.parent_id)
    assert course is not None
    lesson_ids = [p.id for p in course.parts]
    done = db.scalar(
        select(func.count())
        .select_from(Engagement)
        .where(
            Engagement.inmate_id == inmate.id,
            Engagement.item_id.in_(lesson_ids),
            Engagement.completed_at.is_not(None),
        )
    )
    if done != len(lesson_ids):
        return False
    exists_already = db.scalars(
        select(CourseCompletion).where(
            CourseCompletion.inmate_id == inmate.id, CourseCompletion.course_id == course.id
        )
    ).first()
    if exists_already is not None:
        return False
    version = course.version_in(inmate.language)
    completion = CourseCompletion(
        inmate_id=inmate.id,
        course_id=course.id,
        title=version.title if version else "",
        lessons=len(lesson_ids),
        completed_at=now,
        completed_on=now.date(),
    )
    db.add(completion)
    db.flush()
    record(
        db, actor, "content.course_completed", target_type="inmate", target_id=inmate.id,
        course_id=course.id, completion_id=completion.id,
    )  # fmt: skip
    return True


def completions_of(db: Session, inmate_id: int) -> list[CourseCompletion]:
    """The courses an inmate finished: their file's record, staff's to see and print."""
    return list(
        db.scalars(
            select(CourseCompletion)
            .where(CourseCompletion.inmate_id == inmate_id)
            .order_by(CourseCompletion.completed_at)
        )
    )

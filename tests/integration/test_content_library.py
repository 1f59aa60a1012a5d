"""The content library's services on SQLite and PostgreSQL: the editorial flow with
maker-checker, who sees what (prison, wing, legal status, regime level, age), media kept by hash
and given only to whoever may see an item that plays it, search, the schedule, quizzes and
course completions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.content import services
from backoffice.content.models import CourseCompletion, Item, Status
from backoffice.content.services import TargetSpec, VersionText
from backoffice.content.services.media import AUDIO, DOCUMENTS, SUBTITLES, VIDEO
from backoffice.errors import Conflict, InvalidInput, NotFound
from backoffice.people.models import Inmate, Prison, Wing
from backoffice.settings import Settings
from backoffice.staff.models import StaffUser
from backoffice.staff.services import create_staff_user
from tests.conftest import wing_of
from tests.integration.content_world import (
    NOW,
    clips,
    media_settings,
    published,
    staff_actor,
    upload,
    upload_bytes,
)

__all__ = ["clips"]


@pytest.fixture
def author(make_staff: Callable[..., StaffUser]) -> StaffUser:
    return make_staff("author", "officer")


@pytest.fixture
def reviewer(make_staff: Callable[..., StaffUser]) -> StaffUser:
    return make_staff("reviewer", "officer")


@pytest.fixture
def media_config(settings: Settings, tmp_path: Path) -> services.MediaConfig:
    return services.MediaConfig.from_settings(media_settings(settings, tmp_path / "media"))


def other_prison(db: Session) -> Prison:
    prison = Prison(code="OTH", name="Other Prison")
    db.add(prison)
    db.add(Wing(prison=prison, code="A", name="Wing A"))
    db.commit()
    return prison


def titles(db: Session, inmate: Inmate, query: str = "") -> list[str]:
    entries, _ = services.browse(db, inmate, NOW, query=query)
    return [e.title for e in entries]


def actions_of(db: Session, item: Item) -> list[tuple[str, str]]:
    events = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_type == "content_item", AuditEvent.target_id == str(item.id))
        .order_by(AuditEvent.id)
    )
    return [(e.action, e.outcome) for e in events]


def test_an_item_goes_from_draft_through_review_to_published_and_back(
    db: Session, prison: Prison, author: StaffUser, reviewer: StaffUser, make_inmate
) -> None:
    inmate = make_inmate()
    maker, checker = staff_actor(author), staff_actor(reviewer)
    item = services.create_item(db, maker, services.ItemSpec(kind="page"), NOW)
    with pytest.raises(InvalidInput, match="at least one language"):
        services.move(db, maker, item.id, "submit", now=NOW)
    services.save_version(db, maker, item.id, VersionText("en", "Gym rules", body="..."), now=NOW)
    with pytest.raises(InvalidInput, match="who it is for"):
        services.move(db, maker, item.id, "submit", now=NOW)
    services.set_targets(db, maker, item.id, [TargetSpec(prison.id)], NOW)
    services.move(db, maker, item.id, "submit", now=NOW)
    assert titles(db, inmate) == []  # awaiting review is not published
    with pytest.raises(Conflict, match="Only a draft"):
        services.save_version(db, maker, item.id, VersionText("en", "Changed"), now=NOW)
    services.move(db, checker, item.id, "return_to_draft", now=NOW, reason="Add the hours")
    services.move(db, maker, item.id, "submit", now=NOW)
    services.move(db, checker, item.id, "approve", now=NOW)
    db.commit()
    assert item.status == Status.PUBLISHED and item.reviewed_by_id == reviewer.id
    assert titles(db, inmate) == ["Gym rules"]
    services.move(db, maker, item.id, "unpublish", now=NOW)
    assert titles(db, inmate) == []
    services.move(db, maker, item.id, "reopen", now=NOW)
    assert item.status == Status.DRAFT
    db.commit()
    assert [a for a, _ in actions_of(db, item)] == [
        "content.created", "content.version_saved", "content.targets", "content.submit",
        "content.return_to_draft", "content.submit", "content.approve", "content.unpublish",
        "content.reopen",
    ]  # fmt: skip


def test_the_author_or_last_editor_never_approves_and_the_refusal_is_on_the_record(
    db: Session, prison: Prison, author: StaffUser, reviewer: StaffUser
) -> None:
    maker = staff_actor(author)
    item = services.create_item(db, maker, services.ItemSpec(kind="page"), NOW)
    services.save_version(db, maker, item.id, VersionText("en", "Menu"), now=NOW)
    # The reviewer edits it too: now neither of them may check it.
    services.save_version(db, staff_actor(reviewer), item.id, VersionText("ru", "Меню"), now=NOW)
    services.set_targets(db, maker, item.id, [TargetSpec(prison.id)], NOW)
    services.move(db, maker, item.id, "submit", now=NOW)
    for who in (author, reviewer):
        with pytest.raises(services.SelfReview):
            services.move(db, staff_actor(who), item.id, "approve", now=NOW)
    assert ("content.approve", "refused") in actions_of(db, item)
    assert item.status == Status.AWAITING_REVIEW


def test_an_inmate_sees_only_what_is_published_to_their_prison_wing_and_category(
    db: Session, prison: Prison, author: StaffUser, reviewer: StaffUser, make_inmate
) -> None:
    wing_a, wing_b = wing_of(db, prison, "A"), wing_of(db, prison, "B")
    elsewhere = other_prison(db)
    in_a = make_inmate("A")
    in_b_remand = make_inmate("B", legal_status="remand")
    young = make_inmate("A", date_of_birth=date(2009, 1, 1))
    enhanced = make_inmate("B", regime_level="enhanced")
    published(db, author, reviewer, [TargetSpec(prison.id)], title="Whole prison")
    published(db, author, reviewer, [TargetSpec(prison.id, wing_a.id)], title="Wing A only")
    published(db, author, reviewer, [TargetSpec(prison.id, wing_b.id)], title="Wing B only")
    published(db, author, reviewer, [TargetSpec(elsewhere.id)], title="Other prison")
    published(db, author, reviewer, [TargetSpec(prison.id, legal_status="remand")], title="Remand")
    published(
        db, author, reviewer, [TargetSpec(prison.id, regime_level="enhanced")], title="Enhanced"
    )
    published(db, author, reviewer, [TargetSpec(prison.id)], title="Adults", min_age=18)
    assert titles(db, in_a) == ["Adults", "Wing A only", "Whole prison"]
    assert titles(db, in_b_remand) == ["Adults", "Remand", "Wing B only", "Whole prison"]
    assert titles(db, young) == ["Wing A only", "Whole prison"]
    assert titles(db, enhanced) == ["Adults", "Enhanced", "Wing B only", "Whole prison"]
    wing_b_item = db.scalars(select(Item).order_by(Item.id).offset(2)).first()
    assert wing_b_item is not None
    with pytest.raises(NotFound):
        services.detail(db, in_a, wing_b_item.id, NOW)
    with pytest.raises(NotFound):
        services.set_favourite(db, staff_actor(author), in_a, wing_b_item.id, True, NOW)


def test_media_is_kept_by_hash_checked_and_given_only_to_who_may_see_an_item_playing_it(
    db: Session,
    prison: Prison,
    author: StaffUser,
    reviewer: StaffUser,
    make_inmate,
    media_config: services.MediaConfig,
    clips: dict[str, Path],
) -> None:
    in_a, in_b = make_inmate("A"), make_inmate("B")
    video = upload(db, author, media_config, clips["video"], VIDEO)
    again = upload(db, author, media_config, clips["video"], VIDEO)
    assert again.id == video.id
    assert video.content_type == "video/webm" and video.width == 160 and video.height == 120
    assert 2900 <= (video.duration_ms or 0) <= 3100 and "vp8" in video.codecs
    stored = media_config.path_of(video.sha256)
    assert stored.read_bytes() == clips["video"].read_bytes()
    assert stored.stat().st_mode & 0o111 == 0
    audio = upload(db, author, media_config, clips["audio"], AUDIO)
    assert audio.content_type == "audio/mpeg" and 1900 <= (audio.duration_ms or 0) <= 2200
    subtitles = upload(db, author, media_config, clips["subtitles"], SUBTITLES)
    with pytest.raises(InvalidInput, match="not accepted"):
        upload_bytes(db, author, media_config, b"#!/bin/sh\nrm -rf /\n", VIDEO | DOCUMENTS)
    with pytest.raises(InvalidInput, match="not accepted"):
        upload(db, author, media_config, clips["video"], DOCUMENTS)
    with pytest.raises(InvalidInput, match=r"can be played|neither"):
        # A WebM header with nothing playable after it.
        upload_bytes(db, author, media_config, b"\x1a\x45\xdf\xa3" + b"\0" * 200, VIDEO)
    small = services.MediaConfig(**{**media_config.__dict__, "max_document_bytes": 10})
    with pytest.raises(InvalidInput, match="larger"):
        upload_bytes(db, author, small, b"%PDF-1.4\n" + b"x" * 100, DOCUMENTS)
    assert list((media_config.directory / "incoming").iterdir()) == []
    wing_b = wing_of(db, prison, "B")
    published(
        db, author, reviewer, [TargetSpec(prison.id, wing_b.id)], kind="video", title="Wing B",
        media=video, subtitles=subtitles,
    )  # fmt: skip
    assert services.media_for(db, in_b, video.sha256, NOW).id == video.id
    assert services.media_for(db, in_b, subtitles.sha256, NOW).id == subtitles.id
    for sha in (video.sha256, subtitles.sha256, audio.sha256, "0" * 64):
        with pytest.raises(NotFound):
            services.media_for(db, in_a, sha, NOW)


def test_search_finds_by_word_beginnings_in_titles_texts_and_tags_in_each_language(
    db: Session, prison: Prison, author: StaffUser, reviewer: StaffUser, make_inmate
) -> None:
    inmate = make_inmate()
    everyone = [TargetSpec(prison.id)]
    published(db, author, reviewer, everyone, title="Cooking on a budget", tags=["food"])
    published(db, author, reviewer, everyone, title="Шахматы для начинающих", language="ru")
    published(db, author, reviewer, everyone, title="Kõnekeel", body="Eesti keele tund")
    published(db, author, reviewer, [TargetSpec(other_prison(db).id)], title="Cooking elsewhere")
    assert titles(db, inmate, "cook") == ["Cooking on a budget"]
    assert titles(db, inmate, "FOOD") == ["Cooking on a budget"]
    assert titles(db, inmate, "шахм") == ["Шахматы для начинающих"]
    assert titles(db, inmate, "eesti tund") == ["Kõnekeel"]
    assert titles(db, inmate, "budget chess") == []
    assert titles(db, inmate, "' OR 1=1 --") == []


def test_scheduled_items_go_live_and_come_off_when_the_jobs_runner_says(
    db: Session, prison: Prison, author: StaffUser, reviewer: StaffUser, make_inmate
) -> None:
    inmate = make_inmate()
    maker = staff_actor(author)
    item = services.create_item(db, maker, services.ItemSpec(kind="page"), NOW)
    services.save_version(db, maker, item.id, VersionText("en", "Christmas menu"), now=NOW)
    services.set_targets(db, maker, item.id, [TargetSpec(prison.id)], NOW)
    live, off = NOW + timedelta(days=1), NOW + timedelta(days=2)
    services.set_schedule(db, maker, item.id, live, off, NOW)
    services.move(db, maker, item.id, "submit", now=NOW)
    services.move(db, staff_actor(reviewer), item.id, "approve", now=NOW)
    assert item.status == Status.SCHEDULED
    assert services.run_due(db, NOW) == services.DueResult(0, 0)
    assert titles(db, inmate) == []
    assert services.run_due(db, live) == services.DueResult(1, 0)
    entries, _ = services.browse(db, inmate, live)
    assert [e.title for e in entries] == ["Christmas menu"]
    assert services.run_due(db, off) == services.DueResult(0, 1)
    assert item.status == Status.UNPUBLISHED
    assert ("content.publish_due", "ok") in actions_of(db, item)


def test_position_favourites_and_ratings_are_the_inmates_own(
    db: Session,
    prison: Prison,
    author: StaffUser,
    reviewer: StaffUser,
    make_inmate,
    media_config: services.MediaConfig,
    clips: dict[str, Path],
) -> None:
    one, other = make_inmate(), make_inmate()
    video = upload(db, author, media_config, clips["video"], VIDEO)
    item = published(
        db, author, reviewer, [TargetSpec(prison.id)], kind="video", title="Yoga", media=video
    )
    services.save_position(db, one, item.id, 2, NOW)
    services.set_favourite(db, staff_actor(author), one, item.id, True, NOW)
    services.rate(db, staff_actor(author), one, item.id, 4, NOW)
    with pytest.raises(InvalidInput):
        services.rate(db, staff_actor(author), one, item.id, 6, NOW)
    db.commit()
    mine = services.detail(db, one, item.id, NOW).entry
    assert (mine.position_seconds, mine.favourite, mine.rating) == (2, True, 4)
    assert mine.duration_seconds == 3
    theirs = services.detail(db, other, item.id, NOW).entry
    assert (theirs.position_seconds, theirs.favourite, theirs.rating) == (0, False, None)
    favourites, _ = services.browse(db, one, NOW, favourites=True)
    assert [e.title for e in favourites] == ["Yoga"]
    assert services.browse(db, other, NOW, favourites=True)[0] == []


def test_a_course_is_finished_by_passing_every_lessons_quiz_and_lands_in_the_inmates_file(
    db: Session,
    prison: Prison,
    author: StaffUser,
    reviewer: StaffUser,
    make_inmate,
    media_config: services.MediaConfig,
    clips: dict[str, Path],
) -> None:
    inmate = make_inmate()
    maker = staff_actor(author)
    video = upload(db, author, media_config, clips["video"], VIDEO)
    course = services.create_item(db, maker, services.ItemSpec(kind="course"), NOW)
    services.save_version(db, maker, course.id, VersionText("en", "First aid"), now=NOW)
    lessons = []
    for n, (question, right) in enumerate([("Call whom?", 1), ("Press how hard?", 0)], start=1):
        lesson = services.create_item(
            db, maker, services.ItemSpec(kind="lesson", parent_id=course.id), NOW
        )
        quiz = [{"question": question, "choices": ["Nobody", "112"], "answer": right}]
        services.save_version(
            db, maker, lesson.id, VersionText("en", f"Lesson {n}", quiz=quiz), now=NOW,
            media_id=video.id,
        )  # fmt: skip
        lessons.append(lesson)
    services.set_targets(db, maker, course.id, [TargetSpec(prison.id)], NOW)
    services.move(db, maker, course.id, "submit", now=NOW)
    services.move(db, staff_actor(reviewer), course.id, "approve", now=NOW)
    db.commit()
    shown = services.detail(db, inmate, course.id, NOW)
    assert [p.title for p in shown.parts] == ["Lesson 1", "Lesson 2"]
    assert services.detail(db, inmate, lessons[0].id, NOW).quiz == [
        {"question": "Call whom?", "choices": ["Nobody", "112"]}
    ]
    actor = staff_actor(author)
    wrong = services.answer_quiz(db, actor, inmate, lessons[0].id, [0], NOW)
    assert (wrong.passed, wrong.course_completed) == (False, False)
    first = services.answer_quiz(db, actor, inmate, lessons[0].id, [1], NOW)
    assert (first.passed, first.course_completed) == (True, False)
    assert services.completions_of(db, inmate.id) == []
    last = services.answer_quiz(db, actor, inmate, lessons[1].id, [0], NOW)
    assert (last.passed, last.course_completed) == (True, True)
    db.commit()
    [completion] = services.completions_of(db, inmate.id)
    assert (completion.title, completion.lessons) == ("First aid", 2)
    again = services.answer_quiz(db, actor, inmate, lessons[1].id, [0], NOW)
    assert again.course_completed is False
    assert len(db.scalars(select(CourseCompletion)).all()) == 1


def test_urgent_notices_reach_their_prison_wing_or_cell_and_staff_see_who_has_not_read(
    db: Session, prison: Prison, author: StaffUser, make_inmate
) -> None:
    a1, a1_mate, a2, b1 = (
        make_inmate("A"),
        make_inmate("A"),
        make_inmate("A", "A2"),
        make_inmate("B"),
    )
    wing_a = wing_of(db, prison, "A")
    cell_a2 = next(c for c in wing_a.cells if c.number == "A2")
    actor = staff_actor(author)
    texts = {"en": {"title": "Water off", "body": "No water 10-12."}, "et": {"title": "Vesi"}}
    whole = services.send_notice(db, actor, prison_id=prison.id, texts=texts, now=NOW)
    wing = services.send_notice(
        db, actor, prison_id=prison.id, wing_id=wing_a.id, texts=texts, now=NOW
    )
    cell = services.send_notice(
        db, actor, prison_id=prison.id, cell_id=cell_a2.id, texts=texts, now=NOW
    )
    assert [n.id for n in services.unread(db, a1)] == [whole.id, wing.id]
    assert [n.id for n in services.unread(db, a2)] == [whole.id, wing.id, cell.id]
    assert [n.id for n in services.unread(db, b1)] == [whole.id]
    with pytest.raises(NotFound):
        services.acknowledge(db, actor, b1, cell.id, NOW)
    services.acknowledge(db, actor, a1, whole.id, NOW)
    services.acknowledge(db, actor, a1, whole.id, NOW)  # again: no change
    services.acknowledge(db, actor, b1, whole.id, NOW)
    db.commit()
    assert [n.id for n in services.unread(db, a1)] == [wing.id]
    readers = services.readership(db, whole.id)
    assert readers.read == 2 and {i.id for i in readers.not_read} == {a1_mate.id, a2.id}
    assert [i.id for i in services.readership(db, cell.id).not_read] == [a2.id]
    assert services.send_notice(
        db, actor, prison_id=prison.id, texts={"ru": {"title": "Вода"}}, now=NOW
    ).text_in("en") == {"title": "Вода", "body": ""}
    services.withdraw(db, actor, wing.id, NOW)
    assert wing.id not in [n.id for n in services.unread(db, a1)]


def test_a_prison_keeps_its_own_items_and_makes_them_for_itself_only(
    db: Session, prison: Prison, system: Actor
) -> None:
    """An item is kept by the prison of the officer who made it: an editor of another prison
    neither lists, opens nor changes it, and no editor makes content for a prison he does not
    work in. National staff keep every prison's."""
    viru = other_prison(db)

    def editor(username: str, prison_id: int | None) -> StaffUser:
        user = create_staff_user(
            db, system, username=username, full_name=username.title(), password="x" * 16,
            roles=["officer"], min_password_length=12, prison_id=prison_id,
        )  # fmt: skip
        db.commit()
        return user

    tartu_writer, tartu_checker = editor("tartu-w", prison.id), editor("tartu-c", prison.id)
    viru_editor, national = editor("viru-e", viru.id), editor("national-e", None)
    item = published(db, tartu_writer, tartu_checker, [TargetSpec(prison.id)])
    assert services.prison_of(db, item) == prison.id

    kept = select(Item.id).where(services.kept_for(db, staff_actor(viru_editor)))
    assert item.id not in set(db.scalars(kept))
    with pytest.raises(NotFound):
        services.item_for(db, staff_actor(viru_editor), item.id)
    with pytest.raises(NotFound):
        services.move(db, staff_actor(viru_editor), item.id, "unpublish", now=NOW)
    db.rollback()
    assert db.get(Item, item.id).status == Status.PUBLISHED

    draft = services.create_item(db, staff_actor(viru_editor), services.ItemSpec(kind="page"), NOW)
    with pytest.raises(InvalidInput):
        services.set_targets(db, staff_actor(viru_editor), draft.id, [TargetSpec(prison.id)], NOW)
    db.rollback()

    everything = select(Item.id).where(services.kept_for(db, staff_actor(national)))
    assert item.id in set(db.scalars(everything))
    assert services.item_for(db, staff_actor(national), item.id) is not None


def test_a_page_and_a_course_are_read_in_the_same_few_queries_however_much_they_hold(
    db: Session,
    prison: Prison,
    author: StaffUser,
    reviewer: StaffUser,
    make_inmate,
    media_config: services.MediaConfig,
    clips: dict[str, Path],
    other_prison: Prison,
) -> None:
    inmate, maker = make_inmate(), staff_actor(author)
    outsider = make_inmate(held_in=other_prison)
    video = upload(db, author, media_config, clips["video"], VIDEO)
    pages = [published(db, author, reviewer, [TargetSpec(prison.id)], title=f"Page {n}",
                       language=("et", "ru", "en")[n % 3]) for n in range(7)]  # fmt: skip
    for page in pages[1::2]:
        services.set_favourite(db, maker, inmate, page.id, True, NOW)
        services.rate(db, maker, inmate, page.id, 5, NOW)
    course = services.create_item(db, maker, services.ItemSpec(kind="course"), NOW)
    services.save_version(db, maker, course.id, VersionText("en", "Reading"), now=NOW)
    lessons = []
    for n in range(5):
        lesson = services.create_item(
            db, maker, services.ItemSpec(kind="lesson", parent_id=course.id), NOW
        )
        quiz = [{"question": "Read it?", "choices": ["No", "Yes"], "answer": 1}]
        services.save_version(db, maker, lesson.id, VersionText("en", f"Lesson {n}", quiz=quiz),
                              now=NOW, media_id=video.id)  # fmt: skip
        lessons.append(lesson)
    services.set_targets(db, maker, course.id, [TargetSpec(prison.id)], NOW)
    services.move(db, maker, course.id, "submit", now=NOW)
    services.move(db, staff_actor(reviewer), course.id, "approve", now=NOW)
    services.save_position(db, inmate, lessons[2].id, 60, NOW)
    db.commit()
    engine = db.get_bind().engine
    statements: list[str] = []

    def count(*args: object) -> None:
        if str(args[2]).startswith("SELECT"):  # not SQLite's BEGIN
            statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        first, cursor = services.browse(db, inmate, NOW, limit=4)
        queries_for_a_page, page_statements = len(statements), list(statements)
        rest, _ = services.browse(db, inmate, NOW, limit=4, before_id=cursor)
        statements.clear()
        db.expire_all()
        shown = services.detail(db, inmate, course.id, NOW)
        queries_for_a_course = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert queries_for_a_page == 1, page_statements
    assert [e.title for e in first + rest] == ["Reading", *(f"Page {n}" for n in range(6, -1, -1))]
    assert [(e.favourite, e.rating) for e in first[1:]] == [(False, None), (True, 5), (False, None)]
    assert [p.title for p in shown.parts] == [f"Lesson {n}" for n in range(5)]
    assert [p.position_seconds for p in shown.parts] == [0, 0, 60, 0, 0]
    assert all(p.duration_seconds == 3 for p in shown.parts)
    # The lessons' film, for whoever may see their course, and for nobody else.
    assert services.media_for(db, inmate, video.sha256, NOW).id == video.id
    with pytest.raises(NotFound):
        services.media_for(db, outsider, video.sha256, NOW)
    # The item and its visibility, its parts, their versions and files, the inmate's marks:
    # not one more query for each lesson.
    assert queries_for_a_course <= 7, statements

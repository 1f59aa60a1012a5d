"""The library's staff pages on SQLite and PostgreSQL, as officers use them: a draft made,
written, given a real video through the upload form, sent for review, refused to its own author
and approved by another officer; a notice sent to a wing and the list of who has not read it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.audit.models import AuditEvent
from backoffice.content.models import Item, Media, Notice, Status
from backoffice.people.models import Prison
from backoffice.settings import Settings
from backoffice.staff.models import StaffUser
from backoffice.web import create_app
from tests.conftest import wing_of
from tests.integration.content_world import clips, media_settings
from tests.integration.staff_client import csrf_token, post_form, signed_in

__all__ = ["clips"]


@pytest.fixture
def app(settings: Settings, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(media_settings(settings, tmp_path / "media"))
    yield app
    app.extensions["cellgate"]["engine"].dispose()


def upload(client: FlaskClient, path: str, file: Path, name: str) -> str:
    """The item page's upload form, sent with `file` under `name`; the page after."""
    with file.open("rb") as fh:
        response = client.post(
            f"{path}/media",
            data={
                "csrf_token": csrf_token(client, path),
                "language": "et",
                "purpose": "media",
                "file": (fh, name),
            },
            content_type="multipart/form-data",
            follow_redirects=True,
        )
    return response.get_data(as_text=True)


def test_officers_make_an_item_with_a_real_video_and_another_officer_approves_it(
    app: Flask,
    db: Session,
    prison: Prison,
    make_staff: Callable[..., StaffUser],
    clips: dict[str, Path],
) -> None:
    make_staff("writer", "officer")
    make_staff("checker", "officer")
    writer = signed_in(app, "writer")
    page = post_form(
        writer, "/content/items", "/content/", kind="video", language="et", title="Jooga algajale"
    )
    assert "The draft is made" in page
    item_id = db.scalars(select(Item.id)).one()
    db.rollback()  # the test's reads never hold SQLite's write lock while the app writes
    path = f"/content/items/{item_id}"
    assert "jooga.webm is kept (video/webm" in upload(writer, path, clips["video"], "jooga.webm")
    sha256, duration_ms, width = db.execute(
        select(Media.sha256, Media.duration_ms, Media.width)
    ).one()
    db.rollback()
    assert duration_ms and width == 160
    preview = writer.get(f"/content/media/{sha256}", headers={"Range": "bytes=0-99"})
    assert preview.status_code == 206 and len(preview.data) == 100
    preview.close()
    refused = upload(writer, path, Path(__file__), "film.webm")  # a script, named as a film
    assert "This kind of file is not accepted here." in refused
    where = f"{prison.id}:{wing_of(db, prison, 'A').id}"
    db.rollback()
    post_form(writer, f"{path}/targets", path, where=where)
    page = post_form(writer, f"{path}/steps/submit", path)
    assert "It is now awaiting review." in page
    page = post_form(writer, f"{path}/steps/approve", path)
    assert "Someone else must review what you wrote or changed." in page
    refusal = db.execute(
        select(AuditEvent.outcome, AuditEvent.actor_name).where(
            AuditEvent.action == "content.approve"
        )
    ).one()
    db.rollback()
    assert tuple(refusal) == ("refused", "writer")
    checker = signed_in(app, "checker")
    page = post_form(checker, f"{path}/steps/approve", path)
    assert "It is now published." in page
    assert db.scalars(select(Item.status)).one() == Status.PUBLISHED
    db.rollback()
    assert "Jooga algajale" in checker.get("/content/?status=published").get_data(as_text=True)


def test_a_notice_to_a_wing_lists_who_has_not_read_it(
    app: Flask, db: Session, prison: Prison, make_staff: Callable[..., StaffUser], make_inmate
) -> None:
    make_staff("officer", "officer")
    first, second = make_inmate("A"), make_inmate("A")
    make_inmate("B")
    wing_a = wing_of(db, prison, "A").id
    numbers = first.prison_number, second.prison_number
    db.rollback()
    officer = signed_in(app, "officer")
    page = post_form(
        officer, "/content/notices", "/content/notices", where=f"wing:{wing_a}",
        title_en="Fire drill at 10", body_en="Stay in your cell.", title_et="Tuletõrjeõppus",
    )  # fmt: skip
    assert "The notice is sent." in page and "Fire drill at 10" in page
    notice_id = db.scalars(select(Notice.id)).one()
    db.rollback()
    readers = officer.get(f"/content/notices/{notice_id}").get_data(as_text=True)
    assert "0 read, 2 not yet." in readers
    assert numbers[0] in readers and numbers[1] in readers
    page = post_form(
        officer, f"/content/notices/{notice_id}/withdraw", f"/content/notices/{notice_id}"
    )
    assert "The notice is withdrawn." in page


def test_the_schedule_is_written_and_shown_on_the_prisons_clock(
    app: Flask, db: Session, prison: Prison, make_staff: Callable[..., StaffUser]
) -> None:
    make_staff("writer", "officer")  # national staff: the installation's zone, Tallinn's
    writer = signed_in(app, "writer")
    post_form(writer, "/content/items", "/content/", kind="page", language="en", title="Menu")
    item_id = db.scalars(select(Item.id)).one()
    db.rollback()
    path = f"/content/items/{item_id}"
    page = post_form(writer, f"{path}/schedule", path, publish_at="2026-12-24T09:00",
                     unpublish_at="2027-07-01T18:30")  # fmt: skip
    assert "The schedule is saved." in page
    publish_at, unpublish_at = db.execute(select(Item.publish_at, Item.unpublish_at)).one()
    db.rollback()
    # Winter: two hours ahead of UTC; summer: three.
    assert publish_at == datetime(2026, 12, 24, 7, 0, tzinfo=UTC)
    assert unpublish_at == datetime(2027, 7, 1, 15, 30, tzinfo=UTC)
    assert 'name="publish_at" value="2026-12-24T09:00"' in page
    assert 'name="unpublish_at" value="2027-07-01T18:30"' in page
    assert "24 Dec 2026 09:00" in page and "1 Jul 2027 18:30" in page
    assert "UTC" not in page

"""The family's own site on both engines: its pages speak the contact's language (or the one
picked on the page), a link that is unknown, cancelled or over says so in that language, and
nothing of the staff back office is served there."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from backoffice.family import create_app
from backoffice.outbox import services as outbox
from backoffice.settings import Settings
from backoffice.visits import services as visits
from tests.integration.staff_client import csrf_token
from tests.integration.test_visits import NOW, World, ahead, inmate_actor
from tests.integration.test_visits import world as world

CLOCK = [NOW]


@pytest.fixture
def family(settings: Settings) -> Iterator[Flask]:
    CLOCK[0] = NOW
    app = create_app(settings, clock=lambda: CLOCK[0])
    yield app
    app.extensions["cellgate"]["engine"].dispose()


def _token(confirmed: visits.Confirmed) -> str:
    return confirmed.invitation_url.rsplit("/", 1)[1]


TITLES = {"et": "Videokõned ja sõnumid", "ru": "Видеозвонки и сообщения",
          "en": "Video calls and messages"}  # fmt: skip


@pytest.mark.parametrize(("language", "title"), TITLES.items())
def test_the_start_page_in_each_language_and_the_choice_is_kept(
    family: Flask, language: str, title: str
) -> None:
    client = family.test_client()
    page = client.get(f"/?lang={language}").get_data(as_text=True)
    assert f'<html lang="{language}">' in page and title in page
    assert f'<html lang="{language}">' in client.get("/").get_data(as_text=True)


def test_the_browsers_language_is_the_first_guess(family: Flask) -> None:
    page = family.test_client().get("/", headers={"Accept-Language": "ru,en;q=0.5"})
    assert '<html lang="ru">' in page.get_data(as_text=True)


def test_the_invitation_page_speaks_the_contacts_language_until_another_is_picked(
    family: Flask, world: World
) -> None:
    inmate, contact = world.inmate_with_contact(language="ru")
    confirmed = world.book(inmate, contact, ahead(3))
    client = family.test_client()
    page = client.get(f"/join/{_token(confirmed)}").get_data(as_text=True)
    assert '<html lang="ru">' in page and f"Ваш видеозвонок с {inmate.first_name}" in page
    page = client.get(f"/join/{_token(confirmed)}?lang=et").get_data(as_text=True)
    assert '<html lang="et">' in page and f"isikuga {inmate.first_name}" in page


def test_the_contact_joins_the_call_from_the_invitation_link_inside_its_window(
    family: Flask, world: World
) -> None:
    inmate, contact = world.inmate_with_contact(language="en")
    confirmed = world.book(inmate, contact, ahead(3))
    world.db.commit()
    token = _token(confirmed)
    client = family.test_client()
    page = client.get(f"/join/{token}").get_data(as_text=True)
    assert "Join the call" not in page  # three days early: no button, and a POST is refused
    early = client.post(f"/join/{token}", data={"csrf_token": csrf_token(client, "/messages")})
    assert early.status_code == 403
    CLOCK[0] = confirmed.booking.slot.starts_at
    page = client.get(f"/join/{token}").get_data(as_text=True)
    form = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert form
    answer = client.post(f"/join/{token}", data={"csrf_token": form.group(1)})
    assert answer.status_code == 200
    link = re.search(r'href="(https://meet\.example\.org/[^"]+)"', answer.get_data(as_text=True))
    assert link and link.group(1).startswith(
        f"https://meet.example.org/{confirmed.booking.room}?jwt="
    )


def test_a_link_unknown_cancelled_or_over_says_so(family: Flask, world: World) -> None:
    inmate, contact = world.inmate_with_contact(language="en")
    outbox.choose_language(world.db, contact, "et", NOW)
    confirmed = world.book(inmate, contact, ahead(3))
    client = family.test_client()
    token = _token(confirmed)
    answer = client.get(f"/join/{token[:-2]}xx")
    # Nothing says whose link it was: the page is in the prison's first language.
    assert answer.status_code == 404 and "See link ei kehti." in answer.get_data(as_text=True)
    CLOCK[0] = confirmed.booking.slot.ends_at
    answer = client.get(f"/join/{token}")
    assert answer.status_code == 403 and "enam ei kehti" in answer.get_data(as_text=True)
    CLOCK[0] = NOW
    visits.cancel_booking(world.db, inmate_actor(inmate), inmate, confirmed.booking.id, NOW,
                          world.rules)  # fmt: skip
    world.db.commit()
    answer = client.get(f"/join/{token}?lang=ru")
    assert answer.status_code == 403 and "больше не действует" in answer.get_data(as_text=True)


def test_the_family_site_serves_no_staff_page_and_no_script(family: Flask) -> None:
    client = family.test_client()
    assert client.get("/sign-in").status_code == 404
    assert client.get("/visits/contacts").status_code == 404
    answer = client.get("/")
    assert "script-src" not in answer.headers["Content-Security-Policy"]
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["Cache-Control"] == "no-store"
    assert client.get("/health").get_json()["surface"] == "family"
    assert "<script" not in answer.get_data(as_text=True)


def test_asking_for_codes_is_limited_per_address(settings: Settings) -> None:
    app = create_app(settings.with_overrides({"family.code_rate_limit": "2 per hour"}))
    client = app.test_client()
    token = csrf_token(client, "/messages")
    codes = [client.post("/messages/code", data={"csrf_token": token, "address": "a@b.example"})
             .status_code for _ in range(3)]  # fmt: skip
    assert codes == [200, 200, 429]
    assert client.get("/").status_code == 200, "the rest of the site is not slowed down"
    app.extensions["cellgate"]["engine"].dispose()

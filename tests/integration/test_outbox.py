"""The outbox on both engines, against a real SMTP server and an SMS gateway double on local
ports: a booking's invitation goes once whatever fails (the server refusing, the jobs runner
killed mid-send), a cancellation follows a cancelled booking, each in the contact's language,
with a link to the family's page; staff see each message's state."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.family import create_app as create_family_app
from backoffice.outbox import services as outbox
from backoffice.outbox.models import OutboxMessage
from backoffice.outbox.services import OutboxRules
from backoffice.settings import Settings
from backoffice.visits import services as visits
from tests.integration.outbox_world import (
    as_environment,
    deliver,
    outbox_settings,
)
from tests.integration.outbox_world import (
    gateway as gateway,
)
from tests.integration.outbox_world import (
    mailbox as mailbox,
)
from tests.integration.staff_client import csrf_token, signed_in
from tests.integration.test_visits import NOW, World, ahead, inmate_actor
from tests.integration.test_visits import world as world
from tests.mail import Gateway, Mailbox

SUBJECTS = {"et": "Videokõne", "ru": "Видеозвонок", "en": "Video call"}


def _runner(database_url: str, settings: Settings, *args: str) -> list[str]:
    return [sys.executable, "-m", "backoffice", *args]


def _env(database_url: str, settings: Settings) -> dict[str, str]:
    return {**os.environ, "CELLGATE_DATABASE_URL": database_url, "CELLGATE_MODE": "test",
            **as_environment(settings)}  # fmt: skip


def _the_message(db: Session) -> OutboxMessage:
    """The one message, read and detached: on SQLite every transaction holds the write lock,
    so the read ends here and nothing loads later."""
    db.expire_all()
    [message] = db.scalars(select(OutboxMessage)).all()
    db.expunge(message)
    db.rollback()
    return message


def _link(mail: EmailMessage) -> str:
    found = re.search(r"http://\S+/join/\S+", mail.get_content())
    assert found, mail.get_content()
    return found.group(0)


def test_a_booking_sends_its_invitation_once_though_the_sender_fails_twice_and_is_killed(
    world: World, settings: Settings, database_url: str, mailbox: Mailbox
) -> None:
    settings = outbox_settings(settings, mailbox)
    env = _env(database_url, settings)
    inmate, contact = world.inmate_with_contact(language="ru")
    confirmed = world.book(inmate, contact, ahead(3))
    assert _the_message(world.db).status == "queued", "queued with the booking's commit"

    # First attempt: the mail server refuses for now.
    mailbox.script = ["451", "stall"]
    once = subprocess.run(_runner(database_url, settings, "jobs"), env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert once.returncode == 0, once.stderr
    assert "0 sent, 1 to retry" in once.stdout
    message = _the_message(world.db)
    assert (message.status, message.attempts) == ("queued", 1) and "451" in message.last_error

    # Second attempt: the server stalls mid-delivery and the jobs runner is killed there.
    runner = subprocess.Popen(_runner(database_url, settings, "jobs"), env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        assert mailbox.stalled.wait(60), "the runner reached the mail server"
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=30)
    finally:
        mailbox.release.set()
        if runner.poll() is None:
            runner.kill()
        assert runner.stderr is not None
        runner.stderr.close()
    assert runner.returncode == -signal.SIGKILL
    message = _the_message(world.db)
    assert (message.status, message.attempts) == ("sending", 2), "its claim is left behind"

    # A new sender takes it again once the dead one's claim has run out, and it arrives.
    sender = subprocess.Popen(_runner(database_url, settings, "outbox", "send", "--every", "0.2"),
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        mail = mailbox.next(timeout=60)
    finally:
        sender.terminate()
        _, errors = sender.communicate(timeout=30)
    assert errors == ""
    again = subprocess.run(_runner(database_url, settings, "jobs"), env=env, capture_output=True,
                           text=True, timeout=120)  # fmt: skip
    assert again.returncode == 0 and "outbox: 0 sent, 0 to retry, 0 failed" in again.stdout
    assert mailbox.all() == [], "never a second time"
    assert mailbox.attempts == 3

    message = _the_message(world.db)
    assert (message.status, message.attempts, message.body) == ("sent", 3, "[delivered]")
    assert mail["To"] == contact.email
    assert mail["Subject"].startswith(SUBJECTS["ru"])
    assert mail["Message-ID"] == f"<{message.key}@cellgate.invalid>"
    assert _link(mail) == confirmed.invitation_url


OPENS = {"et": "Saate liituda alates", "ru": "Присоединиться можно с", "en": "You can join from"}
JOIN = {
    lang: f">{text}</button>"
    for lang, text in {"et": "Liitu kõnega", "ru": "Присоединиться", "en": "Join the call"}.items()
}


@pytest.mark.parametrize("language", ["et", "ru", "en"])
def test_the_invitation_arrives_in_the_contacts_language_and_its_link_opens_only_in_the_window(
    world: World, settings: Settings, mailbox: Mailbox, language: str
) -> None:
    settings = outbox_settings(settings, mailbox)
    inmate, contact = world.inmate_with_contact(language="et")
    outbox.choose_language(world.db, contact, language, NOW)
    confirmed = world.book(inmate, contact, ahead(3))
    assert str(deliver(world.db, settings)) == "1 sent, 0 to retry, 0 failed"
    mail = mailbox.next()
    assert mail["Subject"].startswith(SUBJECTS[language]) and mail["Content-Language"] == language
    assert inmate.full_name in mail.get_content()
    link = urlsplit(_link(mail))
    assert f"{link.scheme}://{link.netloc}" == "http://127.0.0.1:8004", "the family's own site"

    starts = confirmed.booking.slot.starts_at
    clock = [starts - timedelta(minutes=6)]
    family = create_family_app(settings, clock=lambda: clock[0])
    client = family.test_client()
    try:
        page = client.get(link.path).get_data(as_text=True)
        assert f'lang="{language}"' in page and OPENS[language] in page
        assert JOIN[language] not in page
        for clock[0] in (starts - timedelta(minutes=5), starts + timedelta(minutes=29)):
            token = csrf_token(client, link.path)
            answer = client.post(link.path, data={"csrf_token": token})
            assert answer.status_code == 200, clock[0]
            room = f"https://meet.example.org/{confirmed.booking.room}?jwt="
            assert room in answer.get_data(as_text=True)
        for clock[0] in (starts - timedelta(minutes=6), starts + timedelta(minutes=30)):
            answer = client.post(link.path, data={"csrf_token": token})
            assert answer.status_code == 403 and room not in answer.get_data(as_text=True)
    finally:
        family.extensions["cellgate"]["engine"].dispose()


def test_a_cancelled_booking_sends_the_cancellation(
    world: World, settings: Settings, mailbox: Mailbox
) -> None:
    settings = outbox_settings(settings, mailbox)
    inmate, contact = world.inmate_with_contact(language="en")
    confirmed = world.book(inmate, contact, ahead(3))
    deliver(world.db, settings)
    assert mailbox.next()["Subject"].startswith("Video call:")
    visits.cancel_booking(world.db, inmate_actor(inmate), inmate, confirmed.booking.id, NOW,
                          world.rules)  # fmt: skip
    world.db.commit()
    assert str(deliver(world.db, settings)) == "1 sent, 0 to retry, 0 failed"
    mail = mailbox.next()
    assert mail["Subject"].startswith("Video call cancelled:")
    assert "no longer works" in mail.get_content()
    assert mailbox.all() == []


def test_a_contact_without_email_gets_an_sms_through_the_gateway_retried_with_its_key(
    world: World, settings: Settings, mailbox: Mailbox, gateway: Gateway
) -> None:
    settings = outbox_settings(settings, mailbox, gateway)
    inmate = world.make_inmate(language="et")
    contact = visits.request_contact(world.db, inmate_actor(inmate), inmate, full_name="Aino Kask",
                                     relation="sibling", phone="+37255550101", now=NOW)  # fmt: skip
    visits.decide_contact(world.db, world.staff, contact.id, approve=True,
                          reason="checked", now=NOW)  # fmt: skip
    world.db.commit()
    world.book(inmate, contact, ahead(3))
    gateway.script = [503]
    assert str(deliver(world.db, settings)) == "0 sent, 1 to retry, 0 failed"
    assert str(deliver(world.db, settings)) == "1 sent, 0 to retry, 0 failed"
    message = _the_message(world.db)
    assert gateway.posts == 2 and list(gateway.taken) == [message.key]
    [sms] = gateway.taken.values()
    assert sms["to"] == "+37255550101" and sms["text"].startswith(inmate.full_name)
    assert "/join/" in sms["text"]


def test_a_refused_address_fails_at_once_and_staff_see_it_and_send_it_again(
    app: Flask, world: World, settings: Settings, mailbox: Mailbox, make_staff
) -> None:  # type: ignore[no-untyped-def]
    settings = outbox_settings(settings, mailbox)
    inmate, contact = world.inmate_with_contact()
    world.book(inmate, contact, ahead(3))
    mailbox.script = ["550"]
    assert str(deliver(world.db, settings)) == "0 sent, 0 to retry, 1 failed"
    make_staff("viljar", "visits")
    world.db.commit()
    client = signed_in(app, "viljar")
    page = client.get("/outbox/?status=failed").get_data(as_text=True)
    assert contact.email in page and "failed" in page and "550" in page
    message = _the_message(world.db)
    token = csrf_token(client, "/outbox/")
    response = client.post(f"/outbox/{message.id}/retry", data={"csrf_token": token},
                           follow_redirects=True)  # fmt: skip
    assert "will be sent again" in response.get_data(as_text=True)
    assert str(deliver(world.db, settings)) == "1 sent, 0 to retry, 0 failed"
    assert mailbox.next()["To"] == contact.email


def test_the_wait_between_attempts_doubles_up_to_its_ceiling() -> None:
    rules = OutboxRules(retry_base=timedelta(minutes=1), retry_max=timedelta(minutes=10))
    waits = [rules.backoff(n) for n in range(1, 7)]
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 10, 10)]
    with pytest.raises(ValueError, match="more than twice"):
        OutboxRules(claim=timedelta(seconds=10), send_timeout_seconds=10)


def test_a_reminder_goes_once_the_day_before_the_call(
    world: World, settings: Settings, mailbox: Mailbox
) -> None:
    settings = outbox_settings(settings, mailbox)
    inmate, contact = world.inmate_with_contact(language="et")
    confirmed = world.book(inmate, contact, ahead(3))
    deliver(world.db, settings)
    mailbox.next()
    starts = confirmed.booking.slot.starts_at
    day = timedelta(hours=24)
    assert visits.queue_reminders(world.db, starts - day - timedelta(minutes=1), world.rules,
                                  ahead=day) == 0  # fmt: skip
    assert visits.queue_reminders(world.db, starts - day, world.rules, ahead=day) == 1
    assert visits.queue_reminders(world.db, starts - timedelta(hours=2), world.rules,
                                  ahead=day) == 0, "once"  # fmt: skip
    assert str(deliver(world.db, settings)) == "1 sent, 0 to retry, 0 failed"
    mail = mailbox.next()
    assert mail["Subject"].startswith("Meeldetuletus: videokõne")

"""`cellgate outbox ...`: `send` delivers what is due (the jobs runner runs it; `--every`
keeps a sender running), `list` shows the messages and their state."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import click
from sqlalchemy import Engine

from ..cli_support import command_session, command_settings
from ..db import make_engine, make_session_factory
from ..settings import Settings
from ..visits import services as visits
from . import services
from .delivery import deliver_in_parallel
from .models import Channel, MessageStatus
from .senders import GatewayConfig, HttpSmsGateway, Sender, SmtpConfig, SmtpSender


@click.group("outbox", help="Messages to contacts: e-mail and SMS, sent by the jobs runner.")
def outbox_group() -> None:
    pass


def make_senders(settings: Settings) -> dict[str, Sender]:
    v = settings["outbox"]
    timeout = float(v["send_timeout_seconds"])
    smtp = SmtpConfig(
        host=v["smtp_host"],
        port=v["smtp_port"],
        mail_from=v["mail_from"],
        starttls=v["smtp_starttls"],
        username=v["smtp_username"],
        password=v["smtp_password"],
        timeout_seconds=timeout,
        domain=v["message_id_domain"],
    )
    gateway = GatewayConfig(
        url=v["sms_gateway_url"], token=v["sms_gateway_token"], sender=v["sms_sender"],
        timeout_seconds=timeout,
    )  # fmt: skip
    return {Channel.EMAIL.value: SmtpSender(smtp), Channel.SMS.value: HttpSmsGateway(gateway)}


def _deliver(settings: Settings, engine: Engine, stopping: Callable[[], bool]) -> str:
    result = deliver_in_parallel(
        make_session_factory(engine),
        lambda: make_senders(settings),
        services.OutboxRules.from_settings(settings),
        workers=settings["outbox.senders"],
        stopping=stopping,
    )
    return str(result)


@outbox_group.command("send", help="Send the messages that are due; once, or every --every s.")
@click.option("--every", type=click.FloatRange(min=0.05), default=None, help="Repeat (seconds).")
def send(every: float | None) -> None:
    settings = command_settings()
    engine = make_engine(settings.database_url)
    # SIGTERM (a stop, a deploy) lets the message being sent be marked sent first: stopping
    # between a send and its commit would send it again.
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    try:
        while not stop.is_set():
            click.echo(f"outbox: {_deliver(settings, engine, stop.is_set)}")
            if every is None:
                return
            stop.wait(every)
    finally:
        signal.signal(signal.SIGTERM, previous)
        engine.dispose()


@outbox_group.command("remind", help="Queue reminders of the video calls starting soon.")
def remind() -> None:
    settings = command_settings()
    rules = visits.VisitRules.from_settings(settings)
    ahead = timedelta(hours=settings["outbox.reminder_hours"])
    if not ahead:
        click.echo("0 reminders queued (outbox.reminder_hours is 0)")
        return
    with command_session(settings) as db:
        queued = visits.queue_reminders(db, datetime.now(UTC), rules, ahead=ahead)
        db.commit()
    click.echo(f"{queued} reminders queued")


@outbox_group.command("list", help="The newest messages and their state.")
@click.option("--status", type=click.Choice([s.value for s in MessageStatus]), default=None)
def list_messages(status: str | None) -> None:
    with command_session(command_settings()) as db:
        for m in services.messages(db, status=status):
            click.echo(f"#{m.id} {m.status:8} {m.kind:12} {m.channel:5} {m.language} "
                       f"{m.address} attempts={m.attempts} {m.last_error}")  # fmt: skip
        db.rollback()

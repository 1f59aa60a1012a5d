"""`cellgate visits ...`: the jobs of video visits. `sweep` runs every few minutes (expire
unconfirmed holds; cancel the calls of released or transferred inmates and tell the contacts),
`open-slots` creates the bookable sessions of the booking horizon, `outbox` lists the messages
waiting for the sender."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from ..audit.services import Actor
from ..cli_support import command_session, command_settings
from ..people.models import Prison
from . import services


@click.group("visits", help="Video visits: holds, departures, slots and the outbox.")
def visits_group() -> None:
    pass


@visits_group.command(
    "sweep", help="Expire unconfirmed holds and cancel calls of inmates who left (run often)."
)
def sweep() -> None:
    with command_session(command_settings()) as db:
        result = services.sweep(db, Actor.system("visits-sweep"), datetime.now(UTC))
        db.commit()
    click.echo(
        f"{result.holds_expired} holds expired, "
        f"{result.cancelled_for_departure} calls cancelled for release or transfer"
    )


@visits_group.command("open-slots", help="Create the sessions of the booking horizon.")
def open_slots() -> None:
    settings = command_settings()
    rules = services.VisitRules.from_settings(settings)
    now = datetime.now(UTC)
    with command_session(settings) as db:
        for prison in db.scalars(select(Prison).order_by(Prison.code)):
            today = now.astimezone(ZoneInfo(prison.timezone)).date()
            created = services.open_slots(
                db,
                prison,
                today + timedelta(days=rules.min_days_ahead),
                today + timedelta(days=rules.max_days_ahead),
            )
            click.echo(f"{prison.code}: {created} new sessions")
        db.commit()


@visits_group.command("outbox", help="List the messages to contacts not sent yet.")
def outbox() -> None:
    with command_session(command_settings()) as db:
        for note in services.outbox(db):
            click.echo(f"#{note.id} {note.kind:10} {note.channel:5} {note.address}")
        db.rollback()

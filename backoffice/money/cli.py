"""`cellgate ledger ...` (prove the books: verify the hash chain, check every invariant, seal
what waits for its seal, release expired holds) and `cellgate money ...` (the wage run)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

import ledger

from ..audit.services import Actor
from ..cli_support import command_session, command_settings
from ..db import make_engine, make_session_factory
from ..errors import ServiceError
from ..people.models import Prison
from ..staff.models import Role
from ..staff.services import acting_staff
from . import services
from .amounts import euros


@click.group("ledger", help="The prison-money ledger: proofs and housekeeping.")
def ledger_group() -> None:
    pass


def _books(db: Session, prison_code: str | None) -> list[tuple[str, ledger.Ledger]]:
    """Each prison's books (or one prison's), named for the reader, then any other ledger."""
    prisons = {p.id: p for p in db.scalars(select(Prison).order_by(Prison.code))}
    if prison_code is not None:
        found = [p for p in prisons.values() if p.code == prison_code.strip().upper()]
        if not found:
            raise click.ClickException(f"no prison with code {prison_code}")
        return [(f"{found[0].code} ({found[0].name})", services.money_ledger(db, found[0].id))]
    named = []
    for book in db.scalars(select(ledger.Ledger).order_by(ledger.Ledger.id)):
        prison = prisons.get(services.prison_of_book(book.code) or 0)
        named.append((f"{prison.code} ({prison.name})" if prison else book.code, book))
    return named


PRISON_OPTION = click.option(
    "--prison", "prison_code", default=None, help="One prison's books (its code); default: all."
)


@ledger_group.command("verify", help="Walk each prison's hash chain; report the first break.")
@PRISON_OPTION
def verify(prison_code: str | None) -> None:
    broken = False
    with command_session(command_settings()) as db:
        for name, book in _books(db, prison_code):
            report = ledger.verify_chain(db, ledger_id=book.id)
            if not report.ok:
                click.echo(f"{name}: BROKEN after {report.checked} transfers: "
                           f"{report.first_break}", err=True)  # fmt: skip
                broken = True
                continue
            waiting = ""
            if report.waiting_since is not None:
                waiting = (f"; {report.waiting} waiting for their seal, the oldest since "
                           f"{report.waiting_since:%Y-%m-%d %H:%M:%S} UTC")  # fmt: skip
            click.echo(f"{name}: ok: {report.checked} transfers verified, the hash chain is "
                       f"intact{waiting}")  # fmt: skip
    if broken:
        sys.exit(1)


@ledger_group.command("check", help="Prove every invariant of each prison's books.")
@PRISON_OPTION
def check(prison_code: str | None) -> None:
    found = False
    with command_session(command_settings()) as db:
        for name, book in _books(db, prison_code):
            problems = ledger.check(db, ledger_id=book.id)
            for problem in problems:
                click.echo(f"{name}: PROBLEM: {problem}", err=True)
            found = found or bool(problems)
            if not problems:
                click.echo(f"{name}: ok: every invariant holds (balanced, cached balances match "
                           "the journal, no overdraft, holds resolved once, hash chain "
                           "intact)")  # fmt: skip
        if prison_code is None:
            between = services.clearing_problem(db)
            if between:
                click.echo(f"between prisons: PROBLEM: {between}", err=True)
                found = True
            else:
                click.echo("between prisons: ok: what left one prison's books arrived in another's")
    if found:
        sys.exit(1)


@ledger_group.command(
    "seal",
    help="Seal the transfers waiting in the seal queue into the hash chain. On PostgreSQL run "
    "it as a service: `--every 1` seals what committed each second.",
)
@click.option("--every", type=click.FloatRange(min=0.1), default=None,
              help="Repeat every this many seconds, until stopped.")  # fmt: skip
def seal(every: float | None) -> None:
    settings = command_settings()
    if every is None:
        with command_session(settings) as db:
            click.echo(f"{seal_everything_waiting(db)} waiting transfers sealed into the chain")
        return
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    try:
        while True:
            try:
                with sessions() as db:
                    seal_everything_waiting(db)
            except DBAPIError as error:
                # The database is down or restarting: what waits is sealed on a later turn.
                click.echo(f"cellgate ledger seal: {error.orig}; trying again", err=True)
            time.sleep(every)
    finally:
        engine.dispose()


def seal_everything_waiting(db: Session) -> int:
    """Everything in the queue, a committed batch at a time (each holds the chain heads only
    as long as it takes)."""
    sealed = 0
    while True:
        count = ledger.seal_waiting(db)
        db.commit()
        sealed += count
        if count < ledger.SEAL_BATCH:
            return sealed


@ledger_group.command(
    "carry-left-behind",
    help="Carry money a released hold gave back in a prison's books after its inmate was "
    "transferred on into his prison's books now (run often; `cellgate jobs` runs it).",
)
def carry_left_behind() -> None:
    with command_session(command_settings()) as db:
        moved = services.carry_left_behind(db, Actor.system("cellgate ledger carry-left-behind"))
        db.commit()
    click.echo(f"money left behind carried after {moved} transferred inmates")


@ledger_group.command("expire-holds", help="Release holds whose time has run out (run often).")
def expire_holds() -> None:
    with command_session(command_settings()) as db:
        released = ledger.expire_pending(db, requested_by="cellgate ledger expire-holds")
        db.commit()
    click.echo(f"{len(released)} expired holds released")


@click.group("money", help="Inmates' money.")
def money_group() -> None:
    pass


@money_group.command("wage-run", help="Pay a payroll CSV (prison_number,amount in euros).")
@click.argument("payroll", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--prison", "prison_code", required=True, help="The prison's code, e.g. TRT.")
@click.option("--key", required=True, help="Unique per payroll, e.g. wages-2026-11; a rerun "
              "with the same key pays nothing twice.")  # fmt: skip
@click.option("--by", "by", required=True,
              help="Your staff username: an accountant of the prison (money moves).")  # fmt: skip
def wage_run(payroll: Path, prison_code: str, key: str, by: str) -> None:
    settings = command_settings()
    with command_session(settings) as db:
        prison = db.scalar(select(Prison).where(Prison.code == prison_code))
        if prison is None:
            raise click.ClickException(f"no prison with code {prison_code}")
        try:
            accountant = acting_staff(db, by, Role.ACCOUNTANT, prison_id=prison.id)
        except ServiceError as error:
            raise click.ClickException(error.message) from None
        try:
            # utf-8-sig: a spreadsheet saving "CSV UTF-8" puts a byte order mark first.
            text = payroll.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise click.ClickException(
                f"{payroll} is not UTF-8 text; save the payroll as CSV (UTF-8) and try again"
            ) from None
        try:
            run = services.wage_run(
                db,
                accountant,
                text,
                key=key,
                prison_id=prison.id,
                rules=services.income_rules(settings),
            )
        except (ServiceError, ledger.LedgerError) as error:
            raise click.ClickException(error.message) from None
        db.commit()
    if run.replayed:
        click.echo(f"payroll {key} was paid before: nothing paid twice ({run.lines} lines)")
    else:
        click.echo(f"paid {run.lines} inmates {euros(run.total_cents)} in {run.transfers} "
                   "transfers")  # fmt: skip

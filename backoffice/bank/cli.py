"""`cellgate bank ...`: a bank statement (camt.053, camt.054, an Estonian bank's CSV) imported
from the command line, and the approved payments written into a pain.001 file for the bank."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger

from ..accounts.deposits import SecurityRules
from ..accounts.services import local_today
from ..audit.services import Actor
from ..cli_support import command_session, command_settings
from ..errors import ServiceError
from ..money.amounts import euros
from ..money.services import income_rules
from ..people.models import Prison
from ..staff.models import Role
from ..staff.services import acting_staff
from . import services
from .models import OutgoingPayment, PaymentStatus
from .pain001 import Debtor


@click.group("bank", help="The prison's bank account: statements in, payment files out.")
def bank_group() -> None:
    pass


def _prison_and_accountant(db: Session, prison_code: str, by: str) -> tuple[Prison, Actor]:
    prison = db.scalar(select(Prison).where(Prison.code == prison_code))
    if prison is None:
        raise click.ClickException(f"no prison with code {prison_code}")
    try:
        return prison, acting_staff(db, by, Role.ACCOUNTANT, prison_id=prison.id)
    except ServiceError as error:
        raise click.ClickException(error.message) from None


_PRISON = click.option("--prison", "prison_code", required=True, help="The prison's code.")
_BY = click.option("--by", "by", required=True,
                   help="Your staff username: an accountant of the prison.")  # fmt: skip


@bank_group.command(
    "import", help="Import a camt.053 or camt.054 file, or a CSV statement, from the bank."
)
@click.argument("statement", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_PRISON
@_BY
@click.option("--preview", is_flag=True, help="Show what importing would do; book nothing.")
def import_command(statement: Path, prison_code: str, by: str, preview: bool) -> None:
    settings = command_settings()
    with command_session(settings) as db:
        prison, accountant = _prison_and_accountant(db, prison_code, by)
        try:
            done = services.import_bank_file(
                db, accountant, prison, statement.read_bytes(),
                rules=SecurityRules.from_settings(settings), income=income_rules(settings),
                preview=preview,
            )  # fmt: skip
        except (ServiceError, ledger.LedgerError) as error:
            raise click.ClickException(error.message) from None
        if preview:
            db.rollback()
        else:
            db.commit()
    for outcome in done.outcomes:
        if outcome.action not in ("credit", "duplicate"):
            click.echo(f"{outcome.entry.reference}: {outcome.action}: {outcome.reason}")
    verb = "would credit" if preview else "credited"
    click.echo(
        f"{done.kind}: {verb} {done.count('credit')} ({euros(done.credited_cents)}), "
        f"{done.count('hold')} held for security, {done.count('wait')} waiting for an "
        f"accountant, {done.count('refuse')} refused, {done.count('duplicate')} imported before"
    )


@bank_group.command("payment-file", help="Write the approved payments into a pain.001 file.")
@_PRISON
@_BY
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the file for the bank.")  # fmt: skip
def payment_file(prison_code: str, by: str, out: Path) -> None:
    settings = command_settings()
    section = settings["bank"]
    with command_session(settings) as db:
        prison, accountant = _prison_and_accountant(db, prison_code, by)
        waiting = db.scalar(
            select(func.count()).where(
                OutgoingPayment.prison_id == prison.id,
                OutgoingPayment.status == PaymentStatus.APPROVED.value,
            )
        )
        if not waiting:
            click.echo("no approved payment waits for a payment file; nothing written")
            return
        try:
            written = services.write_payment_file(
                db, accountant, prison,
                Debtor(section["account_name"], section["account_iban"], section["bic"]),
                today=local_today(prison.timezone),
            )  # fmt: skip
        except (ServiceError, ledger.LedgerError) as error:
            raise click.ClickException(error.message) from None
        out.write_text(written.xml, encoding="utf-8")
        db.commit()
    click.echo(f"{out}: {written.payments} payments, {euros(written.total_cents)} "
               f"(message {written.message_id})")  # fmt: skip

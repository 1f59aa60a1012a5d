"""`cellgate prison ...`: set up a new prison in one step, and transfer an inmate between two
prisons of the installation (his money moves between their books with him)."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger

from ..cli_support import command_session, command_settings
from ..errors import ServiceError
from ..faults import fault_point
from ..money.services import money_ledger
from ..staff.models import Role, StaffUser
from ..staff.services import acting_staff
from .models import Cell, Inmate, InmateStatus, Prison, Wing
from .services import lifecycle
from .services.setup import parse_wing, set_up_prison


@click.group("prison", help="Prisons of this installation, each with its own books.")
def prison_group() -> None:
    pass


@prison_group.command("create", help="Set up a prison: its wings and cells, its books and "
                      "every one of its accounts, in one step.")  # fmt: skip
@click.argument("code")
@click.argument("name")
@click.option("--timezone", default="Europe/Tallinn", show_default=True)
@click.option("--wing", "wings", multiple=True, metavar="CODE:NAME:CELLS",
              help="A wing and how many cells (repeat it); default A:Wing A:10.")  # fmt: skip
@click.option("--by", "by", required=True,
              help="Your staff username: a national administrator.")  # fmt: skip
def create(code: str, name: str, timezone: str, wings: tuple[str, ...], by: str) -> None:
    with command_session(command_settings()) as db:
        try:
            admin = acting_staff(db, by, Role.ADMIN)
            plans = [parse_wing(w) for w in wings or ("A:Wing A:10",)]
            prison = set_up_prison(db, admin, code=code, name=name, timezone=timezone,
                                   wings=plans, scope=_scope(db, admin.id))  # fmt: skip
            book = money_ledger(db, prison.id)
        except ServiceError as error:
            raise click.ClickException(error.message) from None
        db.commit()
        click.echo(f"prison {prison.code} ({prison.name}) set up: {len(plans)} wings, "
                   f"{sum(p.cells for p in plans)} cells, its books {book.code}")  # fmt: skip


def _scope(db: Session, staff_id: int | None) -> int | None:
    user = db.get(StaffUser, staff_id)
    return user.prison_id if user else None


@prison_group.command(
    "transfer-inmate",
    help="Transfer an inmate to another prison: his sessions end, open orders and calls are "
    "cancelled, requests follow, and his money moves from the old prison's books to the new "
    "one's, all in one transaction. Run it again after a failure: nothing is done twice.",
)
@click.argument("prison_number")
@click.option("--to", "to_code", required=True, help="The code of the prison he goes to.")
@click.option("--cell", "cell_number", default=None, help="His cell there (optional).")
@click.option("--reason", default="", help="Why, for the record.")
@click.option("--by", "by", required=True,
              help="Your staff username: an officer of the prison he leaves.")  # fmt: skip
def transfer_inmate(
    prison_number: str, to_code: str, cell_number: str | None, reason: str, by: str
) -> None:
    with command_session(command_settings()) as db:
        inmate = db.scalar(select(Inmate).where(Inmate.prison_number == prison_number.upper()))
        to = db.scalar(select(Prison).where(Prison.code == to_code.strip().upper()))
        if inmate is None:
            raise click.ClickException(f"no inmate with prison number {prison_number}")
        if to is None:
            raise click.ClickException(f"no prison with code {to_code}")
        if inmate.prison_id == to.id and inmate.status == InmateStatus.ACTIVE.value:
            # A retry after the transfer committed: it is done, and nothing is moved twice.
            click.echo(f"{inmate.prison_number} is in {to.code} already: transferred before, "
                       "nothing moved twice")  # fmt: skip
            return
        try:
            officer = acting_staff(db, by, Role.OFFICER, prison_id=inmate.prison_id)
            cell = None
            if cell_number:
                cell = db.scalar(
                    select(Cell).join(Wing).where(Wing.prison_id == to.id,
                                                  Cell.number == cell_number.upper())
                )  # fmt: skip
                if cell is None:
                    raise click.ClickException(f"no cell {cell_number} in {to.code}")
            movement = lifecycle.transfer(db, officer, inmate, to, cell, reason=reason)
        except (ServiceError, ledger.LedgerError) as error:
            raise click.ClickException(error.message) from None
        fault_point("transfer.before_commit")
        db.commit()
        fault_point("transfer.committed")
        moved = movement.effects.get("money_moved_cents", 0)
        click.echo(f"{inmate.prison_number} transferred to {to.code}; "
                   f"{moved / 100:.2f} moved to its books")  # fmt: skip

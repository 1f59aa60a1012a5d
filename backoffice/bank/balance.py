"""The bank's balance against the ledger's: the latest statement of each of the prison's bank
accounts says what the bank holds; the ledger's bank account (minus its posted balance: money
in is debited to it) says what Cellgate booked. A difference stands until an accountant
explains it, and a month cannot be closed while one stands.

    bank_position(db, prison_id) -> BankPosition
    explain_difference(db, actor, prison_id, statement_id, note) -> BankStatement
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..errors import Conflict, InvalidInput, NotFound
from ..money.amounts import euros
from ..money.services import prison_account
from .models import BankStatement


@dataclass(frozen=True)
class BankPosition:
    statements: list[BankStatement] = field(default_factory=list)  # the latest of each account
    bank_cents: int = 0  # what the latest statements say the bank holds
    ledger_cents: int = 0  # what the ledger's bank account says
    explained_cents: int = 0  # differences explained before

    @property
    def difference_cents(self) -> int:
        return self.bank_cents - self.ledger_cents - self.explained_cents

    @property
    def problem(self) -> str:
        if not self.statements or self.difference_cents == 0:
            return ""
        return (
            f"the bank's statement says {euros(self.bank_cents)}, the ledger's bank account "
            f"{euros(self.ledger_cents)}"
            + (f" (with {euros(self.explained_cents)} explained)" if self.explained_cents else "")
            + f": a difference of {euros(self.difference_cents)} to explain"
        )


def bank_position(db: Session, prison_id: int) -> BankPosition:
    rows = list(
        db.scalars(
            select(BankStatement)
            .where(BankStatement.prison_id == prison_id, BankStatement.closing_cents.is_not(None))
            .order_by(BankStatement.account_iban, BankStatement.to_on, BankStatement.id)
        )
    )
    latest = list({row.account_iban: row for row in rows}.values())
    if not latest:
        return BankPosition()
    explained = db.scalar(
        select(func.coalesce(func.sum(BankStatement.explained_cents), 0)).where(
            BankStatement.prison_id == prison_id
        )
    )
    bank = prison_account(db, prison_id, "bank")
    return BankPosition(
        statements=latest,
        bank_cents=sum(row.closing_cents or 0 for row in latest),
        ledger_cents=-bank.posted_cents,
        explained_cents=int(explained or 0),
    )


def explain_difference(
    db: Session, actor: Actor, prison_id: int, statement_id: int, note: str
) -> BankStatement:
    """The accountant says why the bank and the ledger differ (money in transit, the balance
    before Cellgate, a fee booked by hand); the difference is then explained as it stands."""
    note = " ".join(note.split())
    if len(note) < 10:
        raise InvalidInput("explain the difference (at least 10 characters)")
    position = bank_position(db, prison_id)
    statement = db.get(BankStatement, statement_id, with_for_update=True)
    if statement is None or statement.prison_id != prison_id:
        raise NotFound("no bank statement %(statement)s", statement=statement_id)
    if statement not in position.statements:
        raise Conflict("only the latest statement of an account is compared with the ledger")
    if position.difference_cents == 0:
        raise Conflict("the bank and the ledger agree: there is nothing to explain")
    statement.explained_cents += position.difference_cents
    statement.explanation = note[:500]
    statement.explained_by = actor.name
    statement.explained_at = datetime.now(UTC)
    db.flush()
    record(
        db,
        actor,
        "bank.difference_explained",
        target_type="bank_statement",
        target_id=statement.id,
        difference_cents=position.difference_cents,
        note=note,
    )
    return statement

"""An inmate's statement: the posted movements of one of their accounts over any period, with
the opening and running balance, and the holds still open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import DateTime, and_, exists, func, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from ledger import Account, Transfer, TransferKind

from ...errors import InvalidInput
from ...money.services import inmate_accounts
from ...people.models import Inmate
from .common import INMATE_PARTS, POSTED_KINDS, day_start


@dataclass(frozen=True)
class StatementRow:
    id: int
    at: datetime
    kind: str
    code: str
    amount_cents: int  # money in positive, out negative
    running_cents: int
    reason: str
    reference: str
    requested_by: str


@dataclass(frozen=True)
class HoldRow:
    id: int
    at: datetime
    code: str
    amount_cents: int
    reason: str
    reference: str
    expires_at: datetime | None


@dataclass(frozen=True)
class InmateStatement:
    inmate: Inmate
    part: str
    account: Account
    since_on: date | None
    until_on: date | None
    opening_cents: int
    rows: list[StatementRow]
    open_holds: list[HoldRow]

    @property
    def closing_cents(self) -> int:
        return self.rows[-1].running_cents if self.rows else self.opening_cents

    @property
    def money_in_cents(self) -> int:
        return sum(r.amount_cents for r in self.rows if r.amount_cents > 0)

    @property
    def money_out_cents(self) -> int:
        return -sum(r.amount_cents for r in self.rows if r.amount_cents < 0)


def inmate_statement(
    db: Session,
    inmate: Inmate,
    *,
    part: str = "spendable",
    since_on: date | None = None,
    until_on: date | None = None,
    tz: str,
) -> InmateStatement:
    """Posted movements of one of the inmate's accounts from `since_on` to `until_on` (both
    included, local days), with the opening balance and a running balance; and the holds still
    open. Reads plain columns, not journal objects: a statement of 10,000 lines stays fast."""
    if part not in INMATE_PARTS:
        raise InvalidInput(
            "unknown account “%(part)s”; one of %(parts)s", part=part, parts=", ".join(INMATE_PARTS)
        )
    if since_on and until_on and until_on < since_on:
        raise InvalidInput("the period ends before it starts")
    account = getattr(inmate_accounts(db, inmate), part)
    aid = account.id
    touches = or_(Transfer.debit_account_id == aid, Transfer.credit_account_id == aid)
    posted = and_(touches, Transfer.kind.in_(POSTED_KINDS))
    tz_since = day_start(since_on, tz) if since_on else None
    tz_until = day_start(until_on + timedelta(days=1), tz) if until_on else None
    opening = 0
    if tz_since is not None:
        credits = db.scalar(
            select(func.coalesce(func.sum(Transfer.amount_cents), 0)).where(
                Transfer.credit_account_id == aid,
                Transfer.kind.in_(POSTED_KINDS),
                Transfer.created_at < tz_since,
            )
        )
        debits = db.scalar(
            select(func.coalesce(func.sum(Transfer.amount_cents), 0)).where(
                Transfer.debit_account_id == aid,
                Transfer.kind.in_(POSTED_KINDS),
                Transfer.created_at < tz_since,
            )
        )
        opening = int(credits or 0) - int(debits or 0)
    stmt = select(
        Transfer.id,
        # The plain column type: the aware-UTC decorator per row costs a statement of 10,000
        # lines more than its query; the loop below makes SQLite's naive times aware.
        type_coerce(Transfer.created_at, DateTime(timezone=True)),
        Transfer.kind,
        Transfer.code,
        Transfer.amount_cents,
        Transfer.credit_account_id,
        Transfer.reason,
        Transfer.reference,
        Transfer.requested_by,
    ).where(posted)
    if tz_since is not None:
        stmt = stmt.where(Transfer.created_at >= tz_since)
    if tz_until is not None:
        stmt = stmt.where(Transfer.created_at < tz_until)
    rows = []
    running = opening
    # Core rows, not ORM loading: a third of the time for a statement of 10,000 lines.
    for tid, at, kind, code, amount, credit_id, reason, reference, by in (
        db.connection().execute(stmt.order_by(Transfer.id)).all()
    ):
        signed_amount = amount if credit_id == aid else -amount
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at
        running += signed_amount
        rows.append(
            StatementRow(tid, at, kind, code, signed_amount, running, reason, reference, by)
        )
    resolution = aliased(Transfer)
    holds = [
        HoldRow(t.id, t.created_at, t.code, t.amount_cents, t.reason, t.reference, t.expires_at)
        for t in db.scalars(
            select(Transfer)
            .where(
                Transfer.debit_account_id == aid,
                Transfer.kind == TransferKind.PENDING.value,
                ~exists().where(resolution.pending_id == Transfer.id),
            )
            .order_by(Transfer.id)
        )
    ]
    return InmateStatement(inmate, part, account, since_on, until_on, opening, rows, holds)

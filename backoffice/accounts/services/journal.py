"""The journal searched: transfers by inmate, account, code, amount, days, person and reference;
staff of one prison see only the transfers that touch their prison's accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from ledger import Account, Transfer

from ...errors import NotFound
from ...money.services import inmate_accounts, money_ledger
from ...people.models import Inmate
from .common import day_start


@dataclass(frozen=True)
class JournalQuery:
    prison_number: str = ""
    account: str = ""  # part of an account's code or name
    code: str = ""
    min_cents: int | None = None
    max_cents: int | None = None
    since_on: date | None = None
    until_on: date | None = None  # included
    person: str = ""  # who requested the transfer
    reference: str = ""


@dataclass(frozen=True)
class JournalRow:
    id: int
    sequence: int | None  # None for the moment it waits for its seal
    at: datetime
    kind: str
    code: str
    amount_cents: int
    debit_code: str
    debit_name: str
    credit_code: str
    credit_name: str
    requested_by: str
    reason: str
    reference: str


@dataclass(frozen=True)
class JournalPage:
    rows: list[JournalRow]
    total_cents: int
    truncated: bool


def _inmate_account_ids(db: Session, inmate: Inmate) -> list[int]:
    accounts = inmate_accounts(db, inmate)
    return [accounts.spendable.id, accounts.release_fund.id, accounts.debts.id]


def search_journal(
    db: Session,
    query: JournalQuery,
    *,
    prison_id: int | None,
    tz: str,
    limit: int = 500,
) -> JournalPage:
    """Transfers matching every filter given, newest first. Staff of one prison see only the
    transfers that touch one of their prison's accounts (every inmate's money moves against one:
    deposits, wages, the shop, payouts, corrections)."""
    debit, credit = aliased(Account), aliased(Account)
    stmt = (
        select(Transfer, debit.code, debit.name, credit.code, credit.name)
        .join(debit, debit.id == Transfer.debit_account_id)
        .join(credit, credit.id == Transfer.credit_account_id)
        .options(selectinload(Transfer.seal))
    )
    if prison_id is not None:
        # The prison's own books: everything in them is its own, nothing of another's is.
        stmt = stmt.where(Transfer.ledger_id == money_ledger(db, prison_id).id)
    if query.prison_number:
        inmate = db.scalar(
            select(Inmate).where(Inmate.prison_number == query.prison_number.strip().upper())
        )
        if inmate is None or (prison_id is not None and inmate.prison_id != prison_id):
            raise NotFound("no inmate with prison number %(number)s", number=query.prison_number)
        ids = _inmate_account_ids(db, inmate)
        stmt = stmt.where(
            or_(Transfer.debit_account_id.in_(ids), Transfer.credit_account_id.in_(ids))
        )
    if query.account:
        pattern = f"%{query.account.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(debit.code).like(pattern),
                func.lower(debit.name).like(pattern),
                func.lower(credit.code).like(pattern),
                func.lower(credit.name).like(pattern),
            )
        )
    if query.code:
        stmt = stmt.where(Transfer.code == query.code)
    if query.min_cents is not None:
        stmt = stmt.where(Transfer.amount_cents >= query.min_cents)
    if query.max_cents is not None:
        stmt = stmt.where(Transfer.amount_cents <= query.max_cents)
    if query.since_on is not None:
        stmt = stmt.where(Transfer.created_at >= day_start(query.since_on, tz))
    if query.until_on is not None:
        stmt = stmt.where(Transfer.created_at < day_start(query.until_on + timedelta(days=1), tz))
    if query.person:
        stmt = stmt.where(func.lower(Transfer.requested_by).like(f"%{query.person.lower()}%"))
    if query.reference:
        stmt = stmt.where(Transfer.reference == query.reference.strip())
    found = db.execute(stmt.order_by(Transfer.id.desc()).limit(limit + 1)).all()
    rows = [
        JournalRow(
            id=t.id,
            sequence=t.sequence,
            at=t.created_at,
            kind=t.kind,
            code=t.code,
            amount_cents=t.amount_cents,
            debit_code=dc,
            debit_name=dn,
            credit_code=cc,
            credit_name=cn,
            requested_by=t.requested_by,
            reason=t.reason,
            reference=t.reference,
        )
        for t, dc, dn, cc, cn in found[:limit]
    ]
    return JournalPage(rows, sum(r.amount_cents for r in rows), len(found) > limit)

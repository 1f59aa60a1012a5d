"""The accounts of a unit of work: locked in id order with their four totals read, the totals
worked out in memory and checked against overdraft, then written back in one statement."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import BigInteger, Table, bindparam, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from .base import is_postgresql, matching
from .errors import InsufficientFunds, UnknownAccount
from .models import Account

TOTALS = (
    "posted_debits_cents",
    "posted_credits_cents",
    "pending_debits_cents",
    "pending_credits_cents",
)


@dataclass
class LockedAccount:
    """An account locked for this unit of work, with its totals as they will be written."""

    id: int
    ledger_id: int
    code: str
    no_overdraft: bool
    closed: bool
    debit_codes: str | None
    totals: list[int]
    changed: bool = False

    def may_be_debited_by(self, code: str) -> bool:
        return self.debit_codes is None or code in self.debit_codes.split(",")

    @property
    def posted_credits_cents(self) -> int:
        return self.totals[1]

    @property
    def posted_cents(self) -> int:
        return self.totals[1] - self.totals[0]


_LOCK_COLUMNS = (
    Account.id,
    Account.ledger_id,
    Account.code,
    Account.no_overdraft,
    Account.closed,
    Account.debit_codes,
    *(getattr(Account, name) for name in TOTALS),
)


def lock_accounts(db: Session, ids: Iterable[int]) -> dict[int, LockedAccount]:
    """Lock accounts in id order (the one order every caller uses) and read their totals."""
    wanted = sorted(set(ids))
    locked: dict[int, LockedAccount] = {}
    for condition in matching(db, Account.id, wanted, BigInteger):
        stmt = select(*_LOCK_COLUMNS).where(condition).order_by(Account.id).with_for_update()
        for row in db.execute(stmt):
            account_id, ledger_id, code, no_overdraft, closed, debit_codes, *totals = row
            locked[account_id] = LockedAccount(
                account_id, ledger_id, code, no_overdraft, closed, debit_codes, list(totals)
            )
    missing = [i for i in wanted if i not in locked]
    if missing:
        raise UnknownAccount(f"no account with id {missing[0]}")
    return locked


def add(
    state: dict[int, LockedAccount],
    account_id: int,
    *,
    posted_debits: int = 0,
    posted_credits: int = 0,
    pending_debits: int = 0,
    pending_credits: int = 0,
) -> None:
    entry = state[account_id]
    for index, delta in enumerate((posted_debits, posted_credits, pending_debits, pending_credits)):
        entry.totals[index] += delta
    entry.changed = True


def check_overdraft(entry: LockedAccount, amount: int) -> None:
    posted_debits, posted_credits, pending_debits, _ = entry.totals
    available_after = posted_credits - posted_debits - pending_debits
    if entry.no_overdraft and available_after < 0:
        available_before = available_after + amount
        raise InsufficientFunds(
            f"not enough money: {available_before} cents available, {amount} cents needed",
            account_id=entry.id,
            available_cents=available_before,
            needed_cents=amount,
        )


_UPDATE_TOTALS = text(
    """
    UPDATE ledger_accounts AS a
    SET posted_debits_cents = v.pd, posted_credits_cents = v.pc,
        pending_debits_cents = v.qd, pending_credits_cents = v.qc
    FROM unnest(
        CAST(:ids AS bigint[]), CAST(:posted_debits_cents AS bigint[]),
        CAST(:posted_credits_cents AS bigint[]), CAST(:pending_debits_cents AS bigint[]),
        CAST(:pending_credits_cents AS bigint[])
    ) AS v(id, pd, pc, qd, qc)
    WHERE a.id = v.id
    """
)


def write_totals(db: Session, accounts: dict[int, LockedAccount]) -> None:
    changed = [entry for entry in accounts.values() if entry.changed]
    if not changed:
        return
    if is_postgresql(db):
        columns = [list(column) for column in zip(*(e.totals for e in changed), strict=True)]
        db.execute(
            _UPDATE_TOTALS,
            {"ids": [e.id for e in changed], **dict(zip(TOTALS, columns, strict=True))},
        )
    else:
        table = Account.__table__
        assert isinstance(table, Table)
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({name: bindparam(name) for name in TOTALS})
        )
        db.connection().execute(
            stmt,
            [{"_id": e.id, **dict(zip(TOTALS, e.totals, strict=True))} for e in changed],
        )
    _sync_accounts(db, changed)


def _sync_accounts(db: Session, changed: list[LockedAccount]) -> None:
    """Accounts the caller already holds in its session must show the new totals too."""
    held_accounts = db.identity_map
    if not held_accounts:
        return
    for entry in changed:
        held = held_accounts.get(identity_key(Account, entry.id))
        if held is not None:
            for name, value in zip(TOTALS, entry.totals, strict=True):
                set_committed_value(held, name, value)


def forget_totals(db: Session, account_ids: Iterable[int]) -> None:
    """Accounts the caller holds in its session load their new totals when next read."""
    held_accounts = db.identity_map
    if not held_accounts:
        return
    for account_id in account_ids:
        held = held_accounts.get(identity_key(Account, account_id))
        if held is not None:
            db.expire(held, list(TOTALS))

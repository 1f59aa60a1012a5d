"""The month close: a month that has ended is locked against back-dated entries, once the books
prove and no entry dated in it waits for approval."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from ledger import Account

from ...audit.services import Actor, record
from ...bank.balance import bank_position
from ...errors import Conflict, Month
from ...money.services import money_ledger
from ...people.models import Prison
from ..models import EntryStatus, ManualEntry, MonthClose
from .access import require_keeper
from .common import local_today, month_start, next_month


def is_month_closed(db: Session, prison_id: int, day: date) -> bool:
    return (
        db.scalar(
            select(MonthClose.id).where(
                MonthClose.prison_id == prison_id, MonthClose.month_on == month_start(day)
            )
        )
        is not None
    )


def refuse_closed_month(db: Session, prison_id: int, day: date, what: str) -> None:
    if is_month_closed(db, prison_id, day):
        raise Conflict(
            "%(month)s is closed: %(what)s cannot be dated %(day)s; date it in an open month "
            "(a correction in the current month puts it right)",
            month=Month.of(day),
            what=what,
            day=day,
        )


def closed_months(db: Session, prison_id: int) -> list[MonthClose]:
    return list(
        db.scalars(
            select(MonthClose)
            .where(MonthClose.prison_id == prison_id)
            .order_by(MonthClose.month_on.desc())
        )
    )


def close_month(
    db: Session, actor: Actor, prison: Prison, month_on: date, *, today: date | None = None
) -> MonthClose:
    """Lock a month that has ended against back-dated entries. The books must prove first."""
    require_keeper(db, actor, prison.id)
    month_on = month_start(month_on)
    today = today or local_today(prison.timezone)
    if next_month(month_on) > today:
        raise Conflict(
            "%(month)s has not ended yet; it can be closed from its last day on",
            month=Month.of(month_on),
        )
    if is_month_closed(db, prison.id, month_on):
        raise Conflict("%(month)s is closed already", month=Month.of(month_on))
    waiting = list(
        db.scalars(
            select(ManualEntry.id).where(
                ManualEntry.prison_id == prison.id,
                ManualEntry.status == EntryStatus.PENDING.value,
                ManualEntry.effective_on >= month_on,
                ManualEntry.effective_on < next_month(month_on),
            )
        )
    )
    if waiting:
        raise Conflict(
            "entries dated in %(month)s wait for approval (%(entries)s): approve or reject them "
            "first",
            month=Month.of(month_on),
            entries=", ".join(f"M{i}" for i in waiting[:10]),
        )
    if unexplained := bank_position(db, prison.id).problem:
        raise Conflict(
            "the month cannot be closed: %(problem)s on the reconciliation page",
            problem=unexplained,
        )
    book = money_ledger(db, prison.id)
    problems = ledger.check(db, ledger_id=book.id)
    if problems:
        raise Conflict(
            "the books do not prove, so the month cannot be closed: %(problems)s",
            problems="; ".join(problems[:5]),
        )
    totals = {
        a.code: a.posted_cents
        for a in db.scalars(
            select(Account).where(
                Account.ledger_id == book.id, Account.code.like(f"prison:{prison.id}:%")
            )
        )
    }
    # The head read now, under no lock, is a point of the chain the check above proved.
    db.refresh(book)
    closed = MonthClose(
        prison_id=prison.id,
        month_on=month_on,
        closed_by=actor.name,
        chain_sequence=book.head_sequence,
        chain_hash=book.head_hash,
        totals={"prison_accounts": totals},
    )
    db.add(closed)
    db.flush()
    record(
        db,
        actor,
        "accounts.month_closed",
        target_type="prison",
        target_id=prison.id,
        month=month_on.isoformat(),
        chain_sequence=book.head_sequence,
    )
    return closed

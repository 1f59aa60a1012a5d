"""The daily reconciliation of one prison: the shop's deliveries against the money captured, holds
still open after their delivery day, the trial balance, the ledger's invariants and its hash
chain. Anything that does not agree is a problem, shown in red."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

import ledger
from ledger import Transfer, TransferCode, TransferKind
from ledger.reports import TrialBalanceLine

from ..bank.balance import BankPosition, bank_position
from ..money.services import money_ledger, prison_account
from ..people.models import Prison
from ..shop.models import Order, OrderStatus
from .services import day_start


@dataclass(frozen=True)
class DeliveryCheck:
    order_number: str
    order_id: int
    prison_number: str
    charged_cents: int
    captured_cents: int
    problem: str


@dataclass(frozen=True)
class StaleHold:
    transfer_id: int
    order_number: str
    prison_number: str
    delivery_on: date
    amount_cents: int
    status: str


@dataclass
class Reconciliation:
    prison: Prison
    day: date
    deliveries: list[DeliveryCheck] = field(default_factory=list)
    stray_captures: list[str] = field(default_factory=list)
    stale_holds: list[StaleHold] = field(default_factory=list)
    trial_balance: list[TrialBalanceLine] = field(default_factory=list)
    trial_sum_cents: int = 0
    chain: ledger.ChainReport | None = None
    ledger_problems: list[str] = field(default_factory=list)
    bank: BankPosition = field(default_factory=BankPosition)

    @property
    def delivered_cents(self) -> int:
        return sum(d.charged_cents for d in self.deliveries)

    @property
    def captured_cents(self) -> int:
        return sum(d.captured_cents for d in self.deliveries)

    @property
    def problems(self) -> list[str]:
        found = [f"order {d.order_number}: {d.problem}" for d in self.deliveries if d.problem]
        found += self.stray_captures
        found += [
            f"hold {h.transfer_id} of order {h.order_number} is still open after its delivery "
            f"day {h.delivery_on.isoformat()}"
            for h in self.stale_holds
        ]
        if self.trial_sum_cents != 0:
            found.append(f"the trial balance sums to {self.trial_sum_cents} cents, not 0")
        if self.chain is not None and not self.chain.ok:
            found.append(f"hash chain broken: {self.chain.first_break}")
        found += [p for p in self.ledger_problems if not p.startswith("hash chain")]
        if self.bank.problem:
            found.append(self.bank.problem)
        return found

    @property
    def ok(self) -> bool:
        return not self.problems


def reconcile(db: Session, prison: Prison, day: date) -> Reconciliation:
    result = Reconciliation(prison, day)
    start, end = (
        day_start(day, prison.timezone),
        day_start(day + timedelta(days=1), prison.timezone),
    )
    shop = prison_account(db, prison.id, "shop")

    delivered = list(
        db.scalars(
            select(Order)
            .where(
                Order.prison_id == prison.id,
                Order.status == OrderStatus.DELIVERED.value,
                Order.delivered_at >= start,
                Order.delivered_at < end,
            )
            .order_by(Order.id)
        )
    )
    hold_ids = [o.hold_transfer_id for o in delivered if o.hold_transfer_id is not None]
    resolutions = (
        {
            t.pending_id: t
            for t in db.scalars(select(Transfer).where(Transfer.pending_id.in_(hold_ids)))
        }
        if hold_ids
        else {}
    )
    for order in delivered:
        resolution = resolutions.get(order.hold_transfer_id) if order.hold_transfer_id else None
        captured = (
            resolution.amount_cents
            if resolution is not None and resolution.kind == TransferKind.POST
            else 0
        )
        problem = ""
        if order.hold_transfer_id is None:
            problem = "delivered, but it has no hold in the ledger"
        elif resolution is None:
            problem = "delivered, but its hold was never captured"
        elif captured != order.charged_cents:
            problem = f"charged {order.charged_cents} cents, but {captured} cents were captured"
        result.deliveries.append(
            DeliveryCheck(
                order.number,
                order.id,
                order.inmate.prison_number,
                order.charged_cents,
                captured,
                problem,
            )
        )

    delivered_holds = set(hold_ids)
    for capture in db.scalars(
        select(Transfer).where(
            Transfer.credit_account_id == shop.id,
            Transfer.kind == TransferKind.POST.value,
            Transfer.code == TransferCode.ORDER_CAPTURE.value,
            Transfer.created_at >= start,
            Transfer.created_at < end,
        )
    ):
        if capture.pending_id not in delivered_holds:
            result.stray_captures.append(
                f"transfer {capture.id} captured {capture.amount_cents} cents for "
                f"{capture.reference or 'no order'}, which was not delivered that day"
            )

    resolution = aliased(Transfer)
    stale = db.execute(
        select(Transfer, Order)
        .join(Order, Order.hold_transfer_id == Transfer.id)
        .where(
            Order.prison_id == prison.id,
            Order.delivery_on < day,
            Transfer.kind == TransferKind.PENDING.value,
            ~exists().where(resolution.pending_id == Transfer.id),
        )
        .order_by(Order.delivery_on, Order.id)
    ).all()
    result.stale_holds = [
        StaleHold(
            hold.id,
            order.number,
            order.inmate.prison_number,
            order.delivery_on,
            hold.amount_cents,
            order.status,
        )
        for hold, order in stale
    ]

    # The prison's own books: their sum (it must be 0), every line of them, their chain. An
    # inmate transferred out keeps his (emptied) accounts here: they are this prison's history.
    book = money_ledger(db, prison.id)
    result.trial_balance = ledger.trial_balance(db, book.id)
    result.trial_sum_cents = sum(line.posted_cents for line in result.trial_balance)
    result.chain = ledger.verify_chain(db, ledger_id=book.id)
    result.ledger_problems = ledger.check(db, ledger_id=book.id)
    result.bank = bank_position(db, prison.id)
    return result

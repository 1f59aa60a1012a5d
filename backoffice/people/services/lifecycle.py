"""An inmate's life in custody as a state machine: the allowed steps (MOVES) and what each does
to everything he has open (EFFECTS) are written once in `steps`; one function here (`_apply`)
checks the step, carries it out and writes its movement row and audit row.

    admit(db, actor, *, prison_number, ..., cell, legal_status, admitted_on) -> Inmate
    change_legal_status(db, actor, inmate, legal_status, ...)      remand <-> convicted
    move(db, actor, inmate, cell, ...)                             another cell or wing
    transfer(db, actor, inmate, prison, cell=None, ...)            another prison here
    go_out(db, actor, inmate, where, ...) / come_back(...)         court, hospital
    release(db, actor, inmate, ...) / decease(db, actor, inmate, ...)

Every step returns its InmateMovement. Services flush; the entry point commits. In a `Batch`
(the register's feed) a step returns None: its movement and audit rows wait for
`Batch.write`, which inserts all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import exists, func, insert, inspect, or_, select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record, record_many
from ...db import lock_by_id, utcnow
from ...errors import Conflict, InvalidInput, NotFound
from ...faults import fault_point
from ...money.services.books import move_to_book
from ...requests.models import OPEN as OPEN_REQUEST
from ...requests.models import Request
from ...requests.services.transfer import follow_inmate as requests_follow
from ...shop.models import OPEN_STATUSES as OPEN_ORDER
from ...shop.models import Order
from ...shop.services.departure import cancel_open_orders, follow_to_wing
from ...signin.models import InmateSession, TabletSession
from ...signin.services.departure import end_sessions_of
from ...visits.models import Booking
from ...visits.services import ACTIVE_BOOKING
from ...visits.services import cancel_for_departure as cancel_calls
from ...words import word
from ..models import (
    Cell,
    Inmate,
    InmateMovement,
    InmateStatus,
    Language,
    LegalStatus,
    Prison,
)
from .steps import EFFECTS, KIND, MOVES, OUT, A, Effects, Orders, Step

OUT_PLACES = ("court", "hospital")


@dataclass(frozen=True)
class Target:
    """Where a step takes the inmate (for the steps that place him)."""

    prison: Prison | None = None
    cell: Cell | None = None
    legal_status: str | None = None


@dataclass
class Batch:
    """What a run of many steps (the register's feed) read once instead of once per step: the
    inmates it touches, already locked; what each has open; how many are held in each cell."""

    locked: set[int] = field(default_factory=set)
    open: dict[int, dict[str, bool]] = field(default_factory=dict)
    occupancy: dict[int, int] = field(default_factory=dict)
    # The steps' audit and movement rows, written by `write` once the new inmates have ids:
    # each kind in one insert that reads nothing back (both are never changed).
    audit: list[tuple[Actor, str, Inmate, dict[str, Any]]] = field(default_factory=list)
    movements: list[tuple[Inmate, dict[str, Any]]] = field(default_factory=list)

    def mark(self) -> tuple[int, int]:
        """Where the rows written so far end: `forget` drops a refused step's rows."""
        return len(self.audit), len(self.movements)

    def forget(self, mark: tuple[int, int]) -> None:
        del self.audit[mark[0] :]
        del self.movements[mark[1] :]

    def write(self, db: Session) -> None:
        db.flush()
        rows = [
            (actor, action, "inmate", inmate.id, details)
            for actor, action, inmate, details in self.audit
        ]
        record_many(db, rows)
        if self.movements:
            db.execute(
                insert(InmateMovement.__table__),
                [{**values, "inmate_id": inmate.id} for inmate, values in self.movements],
            )
        self.audit.clear()
        self.movements.clear()

    @classmethod
    def read(cls, db: Session, inmates: list[Inmate]) -> Batch:
        ids = sorted(i.id for i in inmates)
        batch = cls(locked=set(ids), open={i: dict.fromkeys(OPEN_KINDS, False) for i in ids})
        for kind, stmt in _open_by_kind().items():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for inmate_id in db.scalars(stmt.where(stmt.selected_columns[0].in_(chunk))):
                    batch.open[inmate_id][kind] = True
        batch.occupancy = dict(
            db.execute(
                select(Inmate.cell_id, func.count(Inmate.id))
                .where(Inmate.cell_id.is_not(None), Inmate.status.in_([A.value, OUT.value]))
                .group_by(Inmate.cell_id)
            ).all()
        )
        return batch


def _held_in(db: Session, cell: Cell, inmate_id: int | None, batch: Batch | None) -> int:
    if batch is not None:
        return batch.occupancy.get(cell.id, 0)
    held = db.scalar(
        select(func.count(Inmate.id)).where(
            Inmate.cell_id == cell.id,
            Inmate.status.in_([A.value, OUT.value]),
            Inmate.id != (inmate_id or 0),
        )
    )
    return held or 0


def _check_cell(
    db: Session, cell: Cell, prison_id: int, inmate_id: int | None, batch: Batch | None
) -> None:
    """A cell may take him: in that prison, open, with a free place."""
    if cell.wing.prison_id != prison_id:
        raise InvalidInput("Cell %(cell)s is not in this prison.", cell=cell.number)
    if cell.closed_at is not None or cell.wing.closed_at is not None:
        raise Conflict("Cell %(cell)s is closed: it takes no new inmate.", cell=cell.number)
    if _held_in(db, cell, inmate_id, batch) >= cell.capacity:
        raise Conflict(
            "Cell %(cell)s is full (%(places)s places).", cell=cell.number, places=cell.capacity
        )


def _apply(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    step: Step,
    target: Target,
    *,
    effective_on: date,
    reason: str,
    register_event_id: str | None,
    now: datetime,
    batch: Batch | None = None,
) -> InmateMovement | None:
    current = None if inspect(inmate).transient else InmateStatus(inmate.status)
    allowed = MOVES[current]
    if step not in allowed:
        raise Conflict(
            "%(number)s is %(status)s: the step %(step)s is not allowed.",
            number=inmate.prison_number,
            status=word(current.value if current else "not held"),
            step=word(step),
        )
    before = (current, inmate.prison_id, inmate.cell_id, inmate.wing_id)
    if target.cell is not None:
        prison_id = target.prison.id if target.prison is not None else inmate.prison_id
        _check_cell(db, target.cell, prison_id, inmate.id, batch)
    if target.prison is not None and step is Step.TRANSFER and target.prison.id == inmate.prison_id:
        raise Conflict(
            "%(number)s is in %(prison)s already.",
            number=inmate.prison_number,
            prison=target.prison.name,
        )
    if target.cell is not None and step is Step.MOVE and target.cell.id == inmate.cell_id:
        raise Conflict(
            "%(number)s is in cell %(cell)s already.",
            number=inmate.prison_number,
            cell=target.cell.number,
        )

    inmate.status = allowed[step].value
    if target.prison is not None:
        inmate.prison_id = target.prison.id
    if target.cell is not None or step is Step.TRANSFER:
        inmate.cell_id = target.cell.id if target.cell else None
        inmate.wing_id = target.cell.wing_id if target.cell else None
    if target.legal_status is not None:
        inmate.legal_status = target.legal_status
    effects = EFFECTS[step]
    if effects.leaves:
        inmate.cell_id = inmate.wing_id = None
        inmate.released_on = effective_on
    if step is Step.ADMIT:
        inmate.admitted_on = effective_on
        inmate.released_on = None
    if current is None:
        db.add(inmate)
        if batch is None:
            db.flush()
    done = _carry_out(db, actor, inmate, step, effects, before, reason, now, batch)
    if effects.money_follows and before[0] is not None:
        key = _transfer_key(db, inmate, before[1], register_event_id)
        moved = move_to_book(db, actor, inmate, before[1], key=key)
        done["money_moved_cents"] = moved.total_cents
        if moved.left_on_hold_cents:
            done["money_left_on_hold_cents"] = moved.left_on_hold_cents

    values: dict[str, Any] = {
        "kind": KIND[step].value,
        "effective_on": effective_on,
        "occurred_at": now,
        "from_status": before[0].value if before[0] else None,
        "to_status": inmate.status,
        "from_prison_id": before[1] if before[0] else None,
        "to_prison_id": inmate.prison_id,
        "from_cell_id": before[2] if before[0] else None,
        "to_cell_id": inmate.cell_id,
        "reason": reason[:500],
        "done_by": actor.name,
        "register_event_id": register_event_id,
        "effects": done,
    }
    movement = None
    if batch is None:
        movement = InmateMovement(inmate=inmate, **values)
        db.add(movement)
        fault_point("transfer.movement_written")
    else:
        batch.movements.append((inmate, values))
    action, details = (
        f"inmate.{KIND[step].value}",
        {
            "register_event_id": register_event_id,
            "before": values["from_status"],
            "after": inmate.status,
            "reason": reason,
            **done,
        },
    )
    if batch is None:
        record(db, actor, action, target_type="inmate", target_id=inmate.id, **details)
    else:
        batch.audit.append((actor, action, inmate, details))
    if batch is not None:
        if inmate.id is not None:
            batch.locked.add(inmate.id)
        held = before[0] in (A, OUT)
        if held and before[2] is not None:
            batch.occupancy[before[2]] = batch.occupancy.get(before[2], 1) - 1
        if inmate.cell_id is not None and inmate.status in (A.value, OUT.value):
            batch.occupancy[inmate.cell_id] = batch.occupancy.get(inmate.cell_id, 0) + 1
    return movement


def _transfer_key(db: Session, inmate: Inmate, from_prison_id: int, event_id: str | None) -> str:
    """The idempotency key of a transfer's money: the register's event, or which of his
    transfers this is (counted under his lock, those of a batch not yet written included)."""
    if event_id:
        return f"prison-transfer:register:{event_id}"
    kind = KIND[Step.TRANSFER].value
    earlier = db.scalar(
        select(func.count(InmateMovement.id)).where(
            InmateMovement.inmate_id == inmate.id, InmateMovement.kind == kind
        )
    )
    waiting = sum(
        1
        for row in db.new
        if isinstance(row, InmateMovement) and row.inmate is inmate and row.kind == kind
    )
    return f"prison-transfer:{inmate.id}:{from_prison_id}:{(earlier or 0) + waiting + 1}"


OPEN_KINDS = ("sessions", "orders", "calls", "requests")


def _open_by_kind() -> dict[str, Any]:
    """Per kind of open thing, the statement of the inmate ids that have one (narrowed to some
    inmates by the caller)."""
    return {
        "sessions": select(InmateSession.inmate_id)
        .where(InmateSession.ended_at.is_(None))
        .union(select(TabletSession.inmate_id).where(TabletSession.ended_at.is_(None)))
        .subquery()
        .select(),
        "orders": select(Order.inmate_id).where(Order.status.in_([s.value for s in OPEN_ORDER])),
        "calls": select(Booking.inmate_id).where(Booking.status.in_(ACTIVE_BOOKING)),
        "requests": select(Request.inmate_id).where(
            Request.status.in_([s.value for s in OPEN_REQUEST])
        ),
    }


def _open_things(db: Session, inmate_id: int) -> dict[str, bool]:
    """What he has open, in one statement: the steps touch only that (a feed of thousands of
    moves is mostly people with nothing open)."""
    sessions = or_(
        exists().where(InmateSession.inmate_id == inmate_id, InmateSession.ended_at.is_(None)),
        exists().where(TabletSession.inmate_id == inmate_id, TabletSession.ended_at.is_(None)),
    )
    orders = exists().where(
        Order.inmate_id == inmate_id, Order.status.in_([s.value for s in OPEN_ORDER])
    )
    calls = exists().where(Booking.inmate_id == inmate_id, Booking.status.in_(ACTIVE_BOOKING))
    requests = exists().where(
        Request.inmate_id == inmate_id, Request.status.in_([s.value for s in OPEN_REQUEST])
    )
    row = db.execute(
        select(
            sessions.label("sessions"),
            orders.label("orders"),
            calls.label("calls"),
            requests.label("requests"),
        )
    ).one()
    return {name: bool(value) for name, value in row._mapping.items()}


def has_open_things(batch: Batch, inmate_id: int | None) -> bool:
    return inmate_id is not None and any(batch.open.get(inmate_id, {}).values())


def _carry_out(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    step: Step,
    effects: Effects,
    before: tuple[InmateStatus | None, int, int | None, int | None],
    reason: str,
    now: datetime,
    batch: Batch | None,
) -> dict[str, Any]:
    why = reason or KIND[step].value
    done: dict[str, Any] = {}
    if effects == Effects() or before[0] is None:
        return done
    if batch is not None:
        held = batch.open.get(inmate.id) or dict.fromkeys(OPEN_KINDS, False)
    else:
        held = _open_things(db, inmate.id)
    if effects.end_sessions and held["sessions"]:
        done["sessions_ended"] = end_sessions_of(db, actor, inmate.id, KIND[step].value, now)
    if effects.orders is Orders.CANCEL and held["orders"]:
        done["orders_cancelled"] = cancel_open_orders(db, actor, inmate.id, why, now)
    elif (
        effects.orders is Orders.FOLLOW
        and held["orders"]
        and inmate.wing_id not in (None, before[3])
    ):
        assert inmate.wing_id is not None
        cancelled, followed = follow_to_wing(db, actor, inmate.id, inmate.wing_id, why, now)
        done["orders_cancelled"], done["orders_followed"] = cancelled, followed
    if effects.cancel_calls and held["calls"]:
        done["calls_cancelled"] = cancel_calls(db, actor, inmate, now)
    if effects.requests_follow and held["requests"]:
        prison = db.get(Prison, inmate.prison_id)
        assert prison is not None
        done["requests_followed"] = requests_follow(db, actor, inmate.id, prison, now)
    return done


def _locked(db: Session, inmate: Inmate) -> Inmate:
    found = lock_by_id(db, Inmate, inmate.id)
    if found is None:
        raise NotFound("No such inmate.")
    return found


def _step(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    step: Step,
    target: Target = Target(),
    *,
    effective_on: date | None = None,
    reason: str = "",
    register_event_id: str | None = None,
    now: datetime | None = None,
    batch: Batch | None = None,
) -> InmateMovement | None:
    now = now or utcnow()
    # In a batch: locked by it, or new in it.
    ours = batch is not None and (inmate.id is None or inmate.id in batch.locked)
    locked = inmate if ours else _locked(db, inmate)
    return _apply(
        db,
        actor,
        locked,
        step,
        target,
        effective_on=effective_on or now.date(),
        reason=" ".join(reason.split()),
        register_event_id=register_event_id,
        now=now,
        batch=batch,
    )


def _legal_status(value: str) -> str:
    if value not in {s.value for s in LegalStatus}:
        raise InvalidInput(
            "Legal status: %(choices)s.", choices=", ".join(s.value for s in LegalStatus)
        )
    return value


def admit(
    db: Session,
    actor: Actor,
    *,
    prison_number: str,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    legal_status: str,
    cell: Cell,
    language: str = "et",
    admitted_on: date | None = None,
    expected_release_on: date | None = None,
    reason: str = "",
    register_event_id: str | None = None,
    now: datetime | None = None,
    batch: Batch | None = None,
    found: Inmate | None = None,
) -> Inmate:
    """Admit a person to a cell: a new inmate, or one released before under the same number
    (`found` and `batch`: a feed that looked him up and locked him already)."""
    prison_number = prison_number.strip().upper()
    if not prison_number or len(prison_number) > 32:
        raise InvalidInput("Prison number: required, at most 32 characters.")
    if not first_name.strip() or not last_name.strip():
        raise InvalidInput("Name: first and last name are required.")
    if language not in {lang.value for lang in Language}:
        raise InvalidInput("Language: et, ru or en.")
    now = now or utcnow()
    if batch is None:
        stmt = select(Inmate).where(Inmate.prison_number == prison_number).with_for_update()
        found = db.scalar(stmt)
    inmate = found or Inmate(prison_number=prison_number, regime_level="standard")
    inmate.first_name, inmate.last_name = first_name.strip(), last_name.strip()
    if found is None:
        inmate.date_of_birth = date_of_birth
        inmate.prison_id = cell.wing.prison_id
    inmate.language = language
    inmate.expected_release_on = expected_release_on
    target = Target(prison=cell.wing.prison, cell=cell, legal_status=_legal_status(legal_status))
    _apply(
        db,
        actor,
        inmate,
        Step.ADMIT,
        target,
        effective_on=admitted_on or now.date(),
        reason=reason,
        register_event_id=register_event_id,
        now=now,
        batch=batch,
    )
    return inmate


def change_legal_status(
    db: Session, actor: Actor, inmate: Inmate, legal_status: str, **kw: Any
) -> InmateMovement | None:
    target = Target(legal_status=_legal_status(legal_status))
    return _step(db, actor, inmate, Step.CHANGE_LEGAL_STATUS, target, **kw)


def move(db: Session, actor: Actor, inmate: Inmate, cell: Cell, **kw: Any) -> InmateMovement | None:
    return _step(db, actor, inmate, Step.MOVE, Target(cell=cell), **kw)


def transfer(
    db: Session, actor: Actor, inmate: Inmate, prison: Prison, cell: Cell | None = None, **kw: Any
) -> InmateMovement | None:
    return _step(db, actor, inmate, Step.TRANSFER, Target(prison=prison, cell=cell), **kw)


def go_out(
    db: Session, actor: Actor, inmate: Inmate, where: str, **kw: Any
) -> InmateMovement | None:
    if where not in OUT_PLACES:
        raise InvalidInput("Out to: %(choices)s.", choices=", ".join(OUT_PLACES))
    kw["reason"] = f"{where}: {kw.get('reason', '')}".strip(": ")
    return _step(db, actor, inmate, Step.GO_OUT, **kw)


def come_back(db: Session, actor: Actor, inmate: Inmate, **kw: Any) -> InmateMovement | None:
    return _step(db, actor, inmate, Step.COME_BACK, **kw)


def release(db: Session, actor: Actor, inmate: Inmate, **kw: Any) -> InmateMovement | None:
    """Released: sessions end, open orders and future calls are cancelled, the cell is free and
    the retention clock starts. The money is paid out by the accountants, maker and checker
    (accounts.services.release)."""
    return _step(db, actor, inmate, Step.RELEASE, **kw)


def decease(db: Session, actor: Actor, inmate: Inmate, **kw: Any) -> InmateMovement | None:
    return _step(db, actor, inmate, Step.DECEASE, **kw)


def movements_of(db: Session, inmate_id: int) -> list[InmateMovement]:
    return list(
        db.scalars(
            select(InmateMovement)
            .where(InmateMovement.inmate_id == inmate_id)
            .order_by(InmateMovement.id)
        )
    )

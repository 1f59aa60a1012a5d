"""The Prisoners' Register's events, applied once each and in each person's order.

An event is one JSON object:

    {"event_id": "R-2026-000123", "prison_number": "TRT1001", "sequence": 3,
     "kind": "move", "data": {"prison": "TRT", "wing": "B", "cell": "B12", "on": "2026-12-03"}}

`event_id` is the register's own id: a second delivery changes nothing. `sequence` is the
event's place in the person's history (1, 2, 3 ...): an event whose turn has not come waits for
the ones before it. `data` by kind: admission (first_name, last_name, date_of_birth,
legal_status, language, prison, wing, cell), move (prison, wing, cell), transfer (prison and
optionally wing, cell), status_change (legal_status), out (where: court or hospital), return,
release, death; each may carry `on` (the day, ISO) and `reason`.

An event that cannot be applied (an unknown cell, a person already released) is rolled back
whole and waits, with the reason, for staff to put right what it needs (`waiting`, `retry`).

    receive(db, actor, events, *, source) -> Receipt
    retry(db, actor) -> Receipt              (every person with an event waiting)
    waiting(db) -> list[RegisterEvent]
    reconcile(db, listed) -> list[str]       (the register's full list against Cellgate's)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, insert, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from ..audit.services import Actor, record
from ..db import matching, utcnow
from ..errors import InvalidInput, LedgerError, NotFound, ServiceError
from ..people import services as people
from ..people.models import Cell, Inmate, InmateStatus, Prison, Wing
from .models import EventKind, EventState, RegisterEvent, RegisterPerson

HELD = (InmateStatus.ACTIVE.value, InmateStatus.OUT.value)


@dataclass
class Receipt:
    """What a delivery did: `refused` are (position, reason) of events not taken at all."""

    received: int = 0
    duplicates: int = 0
    applied: int = 0
    waiting: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "duplicates": self.duplicates,
            "applied": self.applied,
            "waiting": self.waiting,
            "refused": [{"position": n, "reason": why} for n, why in self.refused],
        }


@dataclass
class NewEvent:
    """An event of this delivery not seen before: a RegisterEvent row to be, inserted with the
    delivery's others once each has ended (applied, or waiting and why)."""

    event_id: str
    prison_number: str
    sequence: int
    kind: str
    payload: dict[str, Any]
    payload_hash: str
    state: str
    reason: str
    source: str
    received_at: datetime
    applied_at: datetime | None = None


def _hash(event: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(event, sort_keys=True).encode()).hexdigest()


def _checked(event: Any) -> tuple[str, str, int, str, dict[str, Any]]:
    if not isinstance(event, dict):
        raise InvalidInput("an event is a JSON object")
    event_id, number = event.get("event_id"), event.get("prison_number")
    sequence, kind, data = event.get("sequence"), event.get("kind"), event.get("data", {})
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 64:
        raise InvalidInput("event_id: text of 1 to 64 characters")
    if not isinstance(number, str) or not 0 < len(number.strip()) <= 32:
        raise InvalidInput("prison_number: text of 1 to 32 characters")
    if not isinstance(sequence, int) or isinstance(sequence, bool) or not 0 < sequence < 2**31:
        raise InvalidInput("sequence: a whole number from 1")
    if kind not in {k.value for k in EventKind}:
        raise InvalidInput(f"kind: one of {', '.join(k.value for k in EventKind)}")
    if not isinstance(data, dict):
        raise InvalidInput("data: a JSON object")
    return event_id, number.strip().upper(), sequence, kind, data


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def receive(
    db: Session,
    actor: Actor,
    events: Iterable[Any],
    *,
    source: str,
    now: datetime | None = None,
) -> Receipt:
    """Take a delivery of events: store the new ones, then apply every person's events whose
    turn has come. Flushes; the caller commits. What is known already is read in a few queries
    per delivery, not one per event: a whole prison's day is one call."""
    now = now or utcnow()
    receipt = Receipt()
    checked = []
    for position, raw in enumerate(events, start=1):
        try:
            checked.append((position, raw, *_checked(raw)))
        except InvalidInput as refused:
            receipt.refused.append((position, refused.message))
    known: dict[str, str] = {}
    taken: set[tuple[str, int]] = set()
    # Each one array parameter on PostgreSQL, however long the delivery.
    event_ids, numbers = [c[2] for c in checked], sorted({c[3] for c in checked})
    for condition in matching(db, RegisterEvent.event_id, event_ids, String):
        stmt = select(RegisterEvent.event_id, RegisterEvent.payload_hash)
        known.update(db.execute(stmt.where(condition)).all())
    for condition in matching(db, RegisterEvent.prison_number, numbers, String):
        stmt = select(RegisterEvent.prison_number, RegisterEvent.sequence)
        taken.update(db.execute(stmt.where(condition)).all())
    touched: dict[str, None] = {}
    fresh: list[NewEvent] = []
    for position, raw, event_id, number, sequence, kind, data in checked:
        digest = _hash(raw)
        if event_id in known:
            if known[event_id] == digest:
                receipt.duplicates += 1
            else:
                receipt.refused.append((position, f"{event_id}: the same id with other content"))
            continue
        if (number, sequence) in taken:
            receipt.refused.append(
                (position, f"{event_id}: {number} has another event numbered {sequence}")
            )
            continue
        known[event_id] = digest
        taken.add((number, sequence))
        fresh.append(
            NewEvent(
                event_id=event_id,
                prison_number=number,
                sequence=sequence,
                kind=kind,
                payload=data,
                payload_hash=digest,
                state=EventState.WAITING.value,
                reason="not applied yet",
                source=source[:32],
                received_at=now,
            )
        )
        receipt.received += 1
        touched[number] = None
    _apply_turns(db, actor, list(touched), receipt, now, fresh)
    return receipt


def retry(db: Session, actor: Actor, now: datetime | None = None) -> Receipt:
    """Try again every person's waiting events (after staff made the missing cell, say)."""
    numbers = list(
        db.scalars(
            select(RegisterEvent.prison_number)
            .where(RegisterEvent.state == EventState.WAITING.value)
            .distinct()
            .order_by(RegisterEvent.prison_number)
        )
    )
    receipt = Receipt()
    _apply_turns(db, actor, numbers, receipt, now or utcnow())
    return receipt


def waiting(db: Session, limit: int = 500) -> list[RegisterEvent]:
    return list(
        db.scalars(
            select(RegisterEvent)
            .where(RegisterEvent.state == EventState.WAITING.value)
            .order_by(RegisterEvent.prison_number, RegisterEvent.sequence)
            .limit(limit)
        )
    )


def _people(db: Session, numbers: list[str]) -> dict[str, RegisterPerson]:
    """Their rows, locked in a fixed order: two deliveries never apply one person's events at
    once. Rows missing are made (a delivery making the same one at that moment: one of the
    two is refused and sent again by the register)."""
    found: dict[str, RegisterPerson] = {}

    def lock(chunk: list[str]) -> None:
        stmt = (
            select(RegisterPerson)
            .where(RegisterPerson.prison_number.in_(chunk))
            .order_by(RegisterPerson.prison_number)
            .with_for_update()
        )
        found.update((p.prison_number, p) for p in db.scalars(stmt))

    for chunk in _chunks(sorted(numbers)):
        lock(chunk)
    for number in numbers:
        if number not in found:
            found[number] = RegisterPerson(prison_number=number, applied_sequence=0)
            db.add(found[number])
    return found


def _apply_turns(
    db: Session,
    actor: Actor,
    numbers: list[str],
    receipt: Receipt,
    now: datetime,
    fresh: Sequence[NewEvent] = (),
) -> None:
    places = _Places(db)
    # The new events are not in the session: each is written once, as it ended, after the rest.
    with db.no_autoflush:
        people_rows = _people(db, numbers)
        queues: dict[str, dict[int, RegisterEvent | NewEvent]] = {n: {} for n in numbers}
        for condition in matching(db, RegisterEvent.prison_number, numbers, String):
            waiting_now = RegisterEvent.state == EventState.WAITING.value
            for e in db.scalars(select(RegisterEvent).where(condition, waiting_now)):
                queues[e.prison_number][e.sequence] = e
        for e in fresh:
            queues[e.prison_number][e.sequence] = e
        held: dict[str, Inmate] = {}
        for chunk in _chunks(sorted(numbers)):
            held.update(
                (i.prison_number, i)
                for i in db.scalars(
                    select(Inmate)
                    .where(Inmate.prison_number.in_(chunk))
                    .order_by(Inmate.prison_number)
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
            )
        batch = people.Batch.read(db, list(held.values()))
    for number in numbers:
        person, queued = people_rows[number], queues[number]
        turn = person.applied_sequence + 1
        while turn in queued:
            event = queued.pop(turn)
            found, mark = held.get(number), batch.mark()
            try:
                if _plain(event, found, batch):
                    # Nothing of his is open and the step checks all before it changes
                    # anything: a refusal leaves nothing to roll back.
                    held[number] = _apply(db, actor, event, found, places, batch, now)
                else:
                    with db.begin_nested():
                        held[number] = _apply(db, actor, event, found, places, batch, now)
            except (ServiceError, LedgerError) as error:
                batch.forget(mark)
                event.reason = (getattr(error, "message", None) or str(error))[:500]
                queued[turn] = event
                break
            event.state, event.reason, event.applied_at = EventState.APPLIED.value, "", now
            person.applied_sequence = turn
            receipt.applied += 1
            turn += 1
        for later in queued.values():
            if later.sequence > turn:
                later.reason = f"waits for event {turn} of {number}"
        receipt.waiting += len(queued)
    batch.write(db)
    if fresh:
        # The new events in one insert, each as it ended (applied, or waiting and why).
        db.execute(insert(RegisterEvent.__table__), [vars(e) for e in fresh])


class _Places:
    """Prisons and cells by the register's codes, read once per delivery."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self.prisons: dict[str, Prison] = {}
        self.cells: dict[tuple[str, str, str], Cell] = {}
        self.loaded: set[str] = set()

    def prison(self, code: Any) -> Prison:
        if code not in self.prisons:
            # What the steps so far changed need not be written for this: no flush.
            with self.db.no_autoflush:
                found = self.db.scalar(select(Prison).where(Prison.code == code))
            if found is None:
                raise NotFound(f"unknown prison {code!r}")
            self.prisons[code] = found
        return self.prisons[code]

    def cell(self, data: dict[str, Any]) -> Cell:
        prison = self.prison(data.get("prison"))
        key = (prison.code, str(data.get("wing")), str(data.get("cell")))
        if key not in self.cells and prison.code not in self.loaded:
            # Every cell of the prison in one query: a day's feed touches many of them.
            self.loaded.add(prison.code)
            stmt = (
                select(Cell)
                .join(Wing, Wing.id == Cell.wing_id)
                .where(Wing.prison_id == prison.id)
                .options(contains_eager(Cell.wing))
            )
            with self.db.no_autoflush:
                for cell in self.db.scalars(stmt):
                    self.cells[(prison.code, cell.wing.code, cell.number)] = cell
        if key not in self.cells:
            raise NotFound(f"unknown cell {'/'.join(key)}")
        return self.cells[key]


def _day(data: dict[str, Any], name: str = "on") -> date | None:
    value = data.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{name}: a date, YYYY-MM-DD") from None


def _plain(event: RegisterEvent | NewEvent, found: Inmate | None, batch: people.Batch) -> bool:
    if event.kind == EventKind.ADMISSION:
        return found is None
    return found is not None and not people.has_open_things(batch, found.id)


def _apply(
    db: Session,
    actor: Actor,
    event: RegisterEvent | NewEvent,
    inmate: Inmate | None,
    places: _Places,
    batch: people.Batch,
    now: datetime,
) -> Inmate:
    """Apply one event; the inmate it concerns (locked, or new)."""
    data, kind = event.payload, EventKind(event.kind)
    common: dict[str, Any] = {
        "effective_on": _day(data),
        "reason": str(data.get("reason", ""))[:400] or f"register event {event.event_id}",
        "register_event_id": event.event_id,
        "now": now,
        "batch": batch,
    }
    if kind is EventKind.ADMISSION:
        born = _day(data, "date_of_birth")
        if born is None:
            raise InvalidInput("date_of_birth: required")
        return people.admit(
            db,
            actor,
            prison_number=event.prison_number,
            first_name=str(data.get("first_name", "")),
            last_name=str(data.get("last_name", "")),
            date_of_birth=born,
            legal_status=str(data.get("legal_status", "")),
            language=str(data.get("language", "et")),
            cell=places.cell(data),
            admitted_on=common["effective_on"],
            reason=common["reason"],
            register_event_id=event.event_id,
            now=now,
            batch=batch,
            found=inmate,
        )
    if inmate is None:
        raise NotFound(f"{event.prison_number} was never admitted here")
    if kind is EventKind.MOVE:
        people.move(db, actor, inmate, places.cell(data), **common)
    elif kind is EventKind.TRANSFER:
        cell = places.cell(data) if data.get("cell") else None
        people.transfer(db, actor, inmate, places.prison(data.get("prison")), cell, **common)
    elif kind is EventKind.STATUS_CHANGE:
        people.change_legal_status(db, actor, inmate, str(data.get("legal_status", "")), **common)
    elif kind is EventKind.OUT:
        people.go_out(db, actor, inmate, str(data.get("where", "")), **common)
    elif kind is EventKind.RETURN:
        people.come_back(db, actor, inmate, **common)
    elif kind is EventKind.RELEASE:
        people.release(db, actor, inmate, **common)
    else:
        people.decease(db, actor, inmate, **common)
    return inmate


def reconcile(db: Session, listed: Iterable[dict[str, Any]]) -> list[str]:
    """Every difference between the register's full list of the people it holds (one object
    each: prison_number, prison, wing, cell, legal_status, and status "active" or "out") and
    the people Cellgate holds. Reads only."""
    theirs: dict[str, dict[str, Any]] = {}
    for row in listed:
        number = str(row.get("prison_number", "")).strip().upper()
        if number:
            theirs[number] = row
    ours = {
        i.prison_number: i
        for i in db.scalars(
            select(Inmate)
            .where(Inmate.status.in_(HELD))
            .options(selectinload(Inmate.prison), selectinload(Inmate.cell))
        )
    }
    wings = {w.id: w.code for w in db.scalars(select(Wing))}
    known = {n: status for n, status in db.execute(select(Inmate.prison_number, Inmate.status))}
    differences = []
    for number in sorted(theirs.keys() | ours.keys()):
        row, inmate = theirs.get(number), ours.get(number)
        if inmate is None:
            here = known.get(number)
            differences.append(
                f"{number}: held by the register, "
                + (f"{here} in Cellgate" if here else "unknown to Cellgate")
            )
            continue
        if row is None:
            differences.append(f"{number}: {inmate.status} in Cellgate, not in the register's list")
            continue
        mine = {
            "prison": inmate.prison.code,
            "wing": wings.get(inmate.wing_id or 0, ""),
            "cell": inmate.cell.number if inmate.cell else "",
            "legal_status": inmate.legal_status,
            "status": inmate.status,
        }
        for name, value in mine.items():
            other = str(row.get(name, "active" if name == "status" else ""))
            if other != value:
                differences.append(
                    f"{number}: {name} {value!r} in Cellgate, {other!r} in the register"
                )
    return differences


def record_delivery(db: Session, actor: Actor, receipt: Receipt, source: str) -> None:
    """One audit row per delivery (each applied step has its own)."""
    record(
        db, actor, "register.delivery", target_type="register", source=source, **receipt.as_dict()
    )

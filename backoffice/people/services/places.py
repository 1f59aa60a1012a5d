"""Prisons, wings and cells, administered in the back office: created, renamed, closed (a
closed wing or cell takes no new inmate; who is in it stays until moved). `scope` is the acting
administrator's prison (None: national staff, every prison); outside it nothing is found."""

from __future__ import annotations

from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import utcnow
from ...errors import Conflict, Forbidden, InvalidInput, NotFound, Word
from ...words import N_, no_such
from ..models import Cell, Prison, Wing

T = TypeVar("T", Prison, Wing, Cell)
CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


def _code(value: str, what: str) -> str:
    code = value.strip().upper()
    if not code or len(code) > 16 or not set(code) <= CODE_CHARS:
        raise InvalidInput("%(what)s: 1 to 16 letters, digits or dashes.", what=Word(what))
    return code


def _name(value: str) -> str:
    name = " ".join(value.split())
    if not name or len(name) > 200:
        raise InvalidInput("Name: 1 to 200 characters.")
    return name


def _in_scope(prison_id: int, scope: int | None) -> None:
    if scope is not None and prison_id != scope:
        raise NotFound("Not found in your prison.")


def prisons_in(db: Session, scope: int | None) -> list[Prison]:
    stmt = select(Prison).order_by(Prison.code)
    if scope is not None:
        stmt = stmt.where(Prison.id == scope)
    return list(db.scalars(stmt))


def _prison_id(row: Prison | Wing | Cell) -> int:
    if isinstance(row, Prison):
        return row.id
    if isinstance(row, Wing):
        return row.prison_id
    return row.wing.prison_id


def _found(db: Session, model: type[T], row_id: int, what: str, scope: int | None) -> T:
    """The row of `model` (a prison, wing or cell) if it is in the scope's prison."""
    row = db.get(model, row_id)
    if row is None:
        raise NotFound(no_such(what))
    _in_scope(_prison_id(row), scope)
    return row


def prison_of(db: Session, prison_id: int, scope: int | None) -> Prison:
    return _found(db, Prison, prison_id, "prison", scope)


def wing_of(db: Session, wing_id: int, scope: int | None) -> Wing:
    return _found(db, Wing, wing_id, "wing", scope)


def cell_of(db: Session, cell_id: int, scope: int | None) -> Cell:
    return _found(db, Cell, cell_id, "cell", scope)


def create_prison(
    db: Session, actor: Actor, *, code: str, name: str, timezone: str, scope: int | None
) -> Prison:
    if scope is not None:
        raise Forbidden("Only national administrators create prisons.")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            "Time zone: %(zone)r is not one (e.g. Europe/Tallinn).", zone=timezone
        ) from None
    code = _code(code, N_("Code"))
    if db.scalar(select(Prison.id).where(Prison.code == code)) is not None:
        raise Conflict("A prison with the code %(code)s exists already.", code=code)
    prison = Prison(code=code, name=_name(name), timezone=timezone)
    db.add(prison)
    db.flush()
    record(db, actor, "prison.create", target_type="prison", target_id=prison.id, code=code)
    return prison


def rename_prison(db: Session, actor: Actor, prison_id: int, name: str, scope: int | None) -> None:
    prison = prison_of(db, prison_id, scope)
    before, prison.name = prison.name, _name(name)
    db.flush()
    record(db, actor, "prison.rename", target_type="prison", target_id=prison.id, before=before)


def create_wing(
    db: Session, actor: Actor, prison_id: int, *, code: str, name: str, scope: int | None
) -> Wing:
    prison = prison_of(db, prison_id, scope)
    code = _code(code, N_("Wing code"))
    taken = select(Wing.id).where(Wing.prison_id == prison.id, Wing.code == code)
    if db.scalar(taken) is not None:
        raise Conflict("%(prison)s has a wing %(code)s already.", prison=prison.code, code=code)
    wing = Wing(prison_id=prison.id, code=code, name=_name(name))
    db.add(wing)
    db.flush()
    record(db, actor, "wing.create", target_type="wing", target_id=wing.id, code=code)
    return wing


def rename_wing(db: Session, actor: Actor, wing_id: int, name: str, scope: int | None) -> None:
    wing = wing_of(db, wing_id, scope)
    before, wing.name = wing.name, _name(name)
    db.flush()
    record(db, actor, "wing.rename", target_type="wing", target_id=wing.id, before=before)


def close_wing(db: Session, actor: Actor, wing_id: int, scope: int | None) -> None:
    wing = wing_of(db, wing_id, scope)
    if wing.closed_at is None:
        wing.closed_at = utcnow()
        db.flush()
        record(db, actor, "wing.close", target_type="wing", target_id=wing.id)


def create_cell(
    db: Session,
    actor: Actor,
    wing_id: int,
    *,
    number: str,
    capacity: int,
    scope: int | None,
) -> Cell:
    wing = wing_of(db, wing_id, scope)
    if wing.closed_at is not None:
        raise Conflict("Wing %(wing)s is closed.", wing=wing.code)
    number = _code(number, N_("Cell number"))
    if not 1 <= capacity <= 50:
        raise InvalidInput("Places: from 1 to 50.")
    taken = select(Cell.id).where(Cell.wing_id == wing.id, Cell.number == number)
    if db.scalar(taken) is not None:
        raise Conflict("Wing %(wing)s has a cell %(cell)s already.", wing=wing.code, cell=number)
    cell = Cell(wing_id=wing.id, number=number, capacity=capacity)
    db.add(cell)
    db.flush()
    record(db, actor, "cell.create", target_type="cell", target_id=cell.id, number=number)
    return cell


def rename_cell(db: Session, actor: Actor, cell_id: int, number: str, scope: int | None) -> None:
    cell = cell_of(db, cell_id, scope)
    number = _code(number, N_("Cell number"))
    taken = select(Cell.id).where(
        Cell.wing_id == cell.wing_id, Cell.number == number, Cell.id != cell.id
    )
    if db.scalar(taken) is not None:
        raise Conflict(
            "Wing %(wing)s has a cell %(cell)s already.", wing=cell.wing.code, cell=number
        )
    before, cell.number = cell.number, number
    db.flush()
    record(db, actor, "cell.rename", target_type="cell", target_id=cell.id, before=before)


def close_cell(db: Session, actor: Actor, cell_id: int, scope: int | None) -> None:
    cell = cell_of(db, cell_id, scope)
    if cell.closed_at is None:
        cell.closed_at = utcnow()
        db.flush()
        record(db, actor, "cell.close", target_type="cell", target_id=cell.id)

"""Admission, and each inmate's steps (legal status, move, transfer, out and back, release,
death) by hand: the same lifecycle the register's feed drives."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import InvalidInput
from ...surface import get_db
from ...web.access import staff_actor
from ...web.handling import perform
from ..models import Cell, Inmate, InmateStatus, Prison, Wing
from ..services import lifecycle, places
from .common import form_int, people_bp, scope


def _open_cells(db: Session) -> list[Cell]:
    stmt = (
        select(Cell)
        .join(Wing, Wing.id == Cell.wing_id)
        .where(Cell.closed_at.is_(None), Wing.closed_at.is_(None))
        .order_by(Wing.prison_id, Wing.code, Cell.number)
    )
    if scope() is not None:
        stmt = stmt.where(Wing.prison_id == scope())
    return list(db.scalars(stmt))


def _day(name: str) -> date | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            _(
                "%(capitalize)s: YYYY-MM-DD.",
                capitalize=name.replace("_", " ").capitalize(),
            )
        ) from None


@people_bp.get("/admit", endpoint="admission")
def admission() -> Any:
    return render_template("people/admit.html", cells=_open_cells(get_db()))


@people_bp.post("/admit")
def admit() -> Any:
    form = request.form

    def run(db: Session) -> str:
        cell = places.cell_of(db, form_int("cell_id"), scope())
        born = _day("date_of_birth")
        if born is None:
            raise InvalidInput(_("Date of birth: required."))
        inmate = lifecycle.admit(
            db, staff_actor(), prison_number=form.get("prison_number", ""),
            first_name=form.get("first_name", ""), last_name=form.get("last_name", ""),
            date_of_birth=born, legal_status=form.get("legal_status", ""),
            language=form.get("language", "et"), cell=cell, reason=form.get("reason", ""),
        )  # fmt: skip
        return _(
            "%(prison_number)s %(full_name)s admitted to cell %(number)s.",
            prison_number=inmate.prison_number,
            full_name=inmate.full_name,
            number=cell.number,
        )

    return perform(run, "", url_for("people.admission"))


def _inmate(db: Session, inmate_id: int) -> Inmate:
    inmate = db.get(Inmate, inmate_id)
    if inmate is None or (scope() is not None and inmate.prison_id != scope()):
        abort(404)
    return inmate


@people_bp.get("/inmates/<int:inmate_id>")
def inmate(inmate_id: int) -> Any:
    db = get_db()
    found = _inmate(db, inmate_id)
    return render_template(
        "people/inmate.html",
        inmate=found,
        movements=lifecycle.movements_of(db, found.id),
        steps=lifecycle.MOVES[InmateStatus(found.status)],
        cells=_open_cells(db),
        prisons=list(db.scalars(select(Prison).order_by(Prison.code))),
    )


@people_bp.post("/inmates/<int:inmate_id>/step")
def step(inmate_id: int) -> Any:
    form = request.form
    back = url_for("people.inmate", inmate_id=inmate_id)

    def run(db: Session) -> str:
        who = _inmate(db, inmate_id)
        actor, kw = staff_actor(), {"reason": form.get("reason", ""), "effective_on": _day("on")}
        name = form.get("step", "")
        if name == lifecycle.Step.CHANGE_LEGAL_STATUS:
            lifecycle.change_legal_status(db, actor, who, form.get("legal_status", ""), **kw)
        elif name == lifecycle.Step.MOVE:
            lifecycle.move(db, actor, who, places.cell_of(db, form_int("cell_id"), scope()), **kw)
        elif name == lifecycle.Step.TRANSFER:
            to = db.get(Prison, form_int("prison_id"))
            if to is None:
                raise InvalidInput(_("Prison: no such prison."))
            cell_id = form.get("cell_id", "")
            cell = places.cell_of(db, int(cell_id), None) if cell_id.isdigit() else None
            lifecycle.transfer(db, actor, who, to, cell, **kw)
        elif name == lifecycle.Step.GO_OUT:
            lifecycle.go_out(db, actor, who, form.get("where", ""), **kw)
        elif name == lifecycle.Step.COME_BACK:
            lifecycle.come_back(db, actor, who, **kw)
        elif name == lifecycle.Step.RELEASE:
            lifecycle.release(db, actor, who, **kw)
        elif name == lifecycle.Step.DECEASE:
            lifecycle.decease(db, actor, who, **kw)
        else:
            raise InvalidInput(_("Step: choose one."))
        return _(
            "%(prison_number)s: %(replace)s done; now %(status)s.",
            prison_number=who.prison_number,
            replace=name.replace("_", " "),
            status=who.status,
        )

    return perform(run, "", back)

"""Prisons, wings and cells: the administrator's page, each form one service call."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...surface import get_db
from ...web.access import staff_actor
from ...web.handling import perform
from ..services import places, setup
from .common import form_int, people_bp, scope


def _back() -> str:
    return url_for("people.places")


@people_bp.get("/places", endpoint="places")
def places_page() -> Any:
    return render_template(
        "people/places.html", prisons=places.prisons_in(get_db(), scope()), national=scope() is None
    )


@people_bp.post("/prisons")
def prison_create() -> Any:
    def run(db: Session) -> str:
        form = request.form
        lines = [line for line in form.get("wings", "").splitlines() if line.strip()]
        wings = [setup.parse_wing(line) for line in lines or ["A:Wing A:10"]]
        prison = setup.set_up_prison(
            db, staff_actor(), code=form.get("code", ""), name=form.get("name", ""),
            timezone=form.get("timezone", "Europe/Tallinn"), wings=wings, scope=scope(),
        )  # fmt: skip
        cells = sum(w.cells for w in wings)
        return _(
            "Prison %(code)s set up: %(wings)s wings, %(cells)s cells, its own books.",
            code=prison.code, wings=len(wings), cells=cells,
        )  # fmt: skip

    return perform(run, "", _back())


@people_bp.post("/prisons/<int:prison_id>/rename")
def prison_rename(prison_id: int) -> Any:
    name = request.form.get("name", "")
    return perform(
        lambda db: places.rename_prison(db, staff_actor(), prison_id, name, scope()),
        _("Prison renamed."),
        _back(),
    )


@people_bp.post("/prisons/<int:prison_id>/wings")
def wing_create(prison_id: int) -> Any:
    def run(db: Session) -> str:
        wing = places.create_wing(
            db, staff_actor(), prison_id, code=request.form.get("code", ""),
            name=request.form.get("name", ""), scope=scope(),
        )  # fmt: skip
        return _("Wing %(code)s created.", code=wing.code)

    return perform(run, "", _back())


@people_bp.post("/wings/<int:wing_id>/rename")
def wing_rename(wing_id: int) -> Any:
    name = request.form.get("name", "")
    return perform(
        lambda db: places.rename_wing(db, staff_actor(), wing_id, name, scope()),
        _("Wing renamed."),
        _back(),
    )


@people_bp.post("/wings/<int:wing_id>/close")
def wing_close(wing_id: int) -> Any:
    return perform(
        lambda db: places.close_wing(db, staff_actor(), wing_id, scope()),
        _("Wing closed: it takes no new inmate."),
        _back(),
    )


@people_bp.post("/wings/<int:wing_id>/cells")
def cell_create(wing_id: int) -> Any:
    def run(db: Session) -> str:
        cell = places.create_cell(
            db, staff_actor(), wing_id, number=request.form.get("number", ""),
            capacity=form_int("capacity", 2), scope=scope(),
        )  # fmt: skip
        return _("Cell %(number)s created.", number=cell.number)

    return perform(run, "", _back())


@people_bp.post("/cells/<int:cell_id>/rename")
def cell_rename(cell_id: int) -> Any:
    number = request.form.get("number", "")
    return perform(
        lambda db: places.rename_cell(db, staff_actor(), cell_id, number, scope()),
        _("Cell renumbered."),
        _back(),
    )


@people_bp.post("/cells/<int:cell_id>/close")
def cell_close(cell_id: int) -> Any:
    return perform(
        lambda db: places.close_cell(db, staff_actor(), cell_id, scope()),
        _("Cell closed: it takes no new inmate."),
        _back(),
    )

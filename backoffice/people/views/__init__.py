"""The inmates page: every member of staff finds an inmate by prison number or name; and the
people pages (`places`: prisons, wings, cells; `custody`: admission and each inmate's steps)."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...staff.models import Role
from ...staff.scope import scope_of
from ...surface import get_db
from ...web.access import ACCESS, staff_actor
from ...web.pages import bp
from ..models import Inmate

# Each module registers its pages on people_bp as it is imported.
from . import custody, places  # noqa: F401
from .common import PEOPLE_PAGES, people_bp

PEOPLE_ACCESS: dict[str, frozenset[str]] = {
    "views.inmates": frozenset(
        {Role.ADMIN, Role.OFFICER, Role.SHOP, Role.ACCOUNTANT, Role.REQUESTS, Role.VISITS}
    ),
}


def init_app(app: Flask) -> None:
    """Open the inmates page to staff (access.py refuses unnamed endpoints) and bring its
    template; the page itself is on the shared "views" blueprint."""
    ACCESS.update(PEOPLE_ACCESS)
    ACCESS.update(PEOPLE_PAGES)
    app.register_blueprint(people_bp)


@bp.get("/inmates")
def inmates() -> Any:
    db = get_db()
    stmt = (
        select(Inmate)
        .where(scope_of(db, staff_actor()).where(Inmate.prison_id))
        .options(selectinload(Inmate.wing), selectinload(Inmate.cell))
        .order_by(Inmate.last_name, Inmate.first_name)
    )
    text = request.args.get("q", "").strip()
    if text:
        like = f"%{text}%"
        stmt = stmt.where(
            Inmate.prison_number.ilike(like)
            | Inmate.last_name.ilike(like)
            | Inmate.first_name.ilike(like)
        )
    return render_template("people/inmates.html", inmates=list(db.scalars(stmt.limit(500))), q=text)

"""The audit log page: events searched by person, action, record, outcome and days."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, flash, render_template, request
from flask_babel import gettext as _

from ..staff.models import Role
from ..staff.scope import scope_of
from ..surface import get_db
from ..web.access import ACCESS, staff_actor
from ..web.formats import reader_zone
from ..web.pages import bp, templates_of
from .services import AuditQuery, search

templates = templates_of("audit", __name__)

AUDIT_ACCESS: dict[str, frozenset[str]] = {
    # Oversight, not a duty of its own: reading the log changes nothing.
    "views.audit": frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.OFFICER}),
}


def init_app(app: Flask) -> None:
    """Open the audit log to those who oversee (access.py refuses unnamed endpoints) and bring
    its template; the page itself is on the shared "views" blueprint."""
    ACCESS.update(AUDIT_ACCESS)
    app.register_blueprint(templates)


def _parse_day(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        # The day as the prison lives it: from its local midnight.
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=ZoneInfo(reader_zone()))
    except ValueError:
        flash(_("Dates are written YYYY-MM-DD; %(value)s was ignored.", value=repr(value)), "error")
        return None


@bp.get("/audit")
def audit() -> Any:
    args = request.args
    until = _parse_day(args.get("until"))
    query = AuditQuery(
        actor_name=args.get("actor", "").strip(),
        action=args.get("action", "").strip(),
        target_type=args.get("target_type", "").strip(),
        target_id=args.get("target_id", "").strip(),
        outcome=args.get("outcome", "").strip(),
        since=_parse_day(args.get("since")),
        until=until + timedelta(days=1) if until else None,
    )
    db = get_db()
    within = scope_of(db, staff_actor()).audit_events()
    return render_template("audit/audit.html", events=search(db, query, within=within), query=query)

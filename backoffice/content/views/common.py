"""What the library's staff pages share: the blueprint, the clock, the staff member's prison
and the media settings."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, request
from flask_login import current_user
from sqlalchemy import select

from ...people.models import Prison
from ...surface import get_db, settings
from .. import services

bp = Blueprint("content", __name__, url_prefix="/content", template_folder="../templates")


def now() -> datetime:
    return datetime.now(UTC)


def media_config() -> services.MediaConfig:
    return services.MediaConfig.from_settings(settings())


def prisons() -> list[Prison]:
    """The prisons this member of staff works for (national staff: all)."""
    mine = current_user.user.prison_id
    stmt = select(Prison).order_by(Prison.code)
    if mine is not None:
        stmt = stmt.where(Prison.id == mine)
    return list(get_db().scalars(stmt))


def prison() -> Prison:
    """The staff member's prison; national staff choose one with ?prison= (else the first)."""
    mine = prisons()
    wanted = request.values.get("prison", type=int)
    chosen = next((p for p in mine if p.id == wanted), mine[0] if mine else None)
    if chosen is None:
        abort(404)
    return chosen


def visible(prison_id: int) -> bool:
    mine = current_user.user.prison_id
    return mine is None or mine == prison_id

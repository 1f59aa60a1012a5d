"""Which prisons a member of staff works in, in one place.

A member of staff with a prison (`StaffUser.prison_id`) sees and acts on that prison's records
only; one without (None) is national staff, explicitly made so, and their roles open every
prison. The services ask this module, never the templates: a record of another prison is
"not found", so that its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import String, and_, cast, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ..audit.models import AuditEvent
from ..audit.services import Actor
from ..devices.models import Device
from ..errors import Forbidden, NotFound
from ..people.models import Inmate
from ..words import no_such
from .models import StaffUser


class InPrison(Protocol):
    prison_id: Any


R = TypeVar("R", bound=InPrison)


@dataclass(frozen=True)
class PrisonScope:
    """None: every prison (national staff, the system's own commands)."""

    prison_id: int | None

    @property
    def national(self) -> bool:
        return self.prison_id is None

    def covers(self, prison_id: int | None) -> bool:
        return self.prison_id is None or prison_id == self.prison_id

    def where(self, column: Any) -> ColumnElement[bool]:
        """The same rule as `covers`, as SQL on a prison_id column."""
        return true() if self.prison_id is None else column == self.prison_id

    def check(self, prison_id: int | None, what: str = "record") -> None:
        if not self.covers(prison_id):
            raise NotFound(no_such(what))

    def audit_events(self) -> ColumnElement[bool]:
        """The audit rows of this prison: done by its staff, its inmates or its devices, or
        done to its inmates, devices or staff (by national staff, say). The system's own rows
        and national staff's work elsewhere are national staff's to read."""
        if self.prison_id is None:
            return true()
        here = self.prison_id
        ids = {
            "staff": select(StaffUser.id).where(StaffUser.prison_id == here),
            "inmate": select(Inmate.id).where(Inmate.prison_id == here),
            "device": select(Device.id).where(Device.prison_id == here),
        }
        targets = {"staff_user": ids["staff"], "inmate": ids["inmate"], "device": ids["device"]}
        return or_(
            AuditEvent.device_id.in_(ids["device"]),
            *(
                and_(AuditEvent.actor_kind == kind, AuditEvent.actor_id.in_(rows))
                for kind, rows in ids.items()
            ),
            *(
                and_(
                    AuditEvent.target_type == kind,
                    AuditEvent.target_id.in_(
                        rows.with_only_columns(cast(rows.selected_columns[0], String))
                    ),
                )
                for kind, rows in targets.items()
            ),
        )


NATIONAL = PrisonScope(None)


def scope_of(db: Session, actor: Actor) -> PrisonScope:
    """The prisons `actor` works in. Staff: their own prison, or every prison for national
    staff; the system (the operator's and the scheduler's commands): every prison. Anyone
    else (an inmate, a device) administers nothing here."""
    if actor.kind == "system":
        return NATIONAL
    if actor.kind != "staff" or actor.id is None:
        raise Forbidden("Only staff may do this.")
    user = db.get(StaffUser, actor.id)
    if user is None or not user.active:
        raise Forbidden("Only active staff may do this.")
    return PrisonScope(user.prison_id)


def check_in_scope(db: Session, actor: Actor, prison_id: int | None, what: str = "record") -> None:
    """Refuse (NotFound) a record of a prison `actor` does not work in."""
    scope_of(db, actor).check(prison_id, what)


def in_scope(db: Session, actor: Actor, model: type[R], row_id: int | None, what: str) -> R:
    """The row of `model` with this id, when it is in a prison `actor` works in; NotFound
    otherwise (also when there is none)."""
    row = db.get(model, row_id) if row_id is not None else None
    if row is None or not scope_of(db, actor).covers(row.prison_id):
        raise NotFound(no_such(what))
    return row

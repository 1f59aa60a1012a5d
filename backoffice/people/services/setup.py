"""A new prison set up in one step: the prison, its wings and their cells, and its own books
with every one of its accounts (money.services.open_prison_books), audited as one setting-up.
The shop's rules (config/protocols.toml) and the request types are the installation's; the
new prison starts under them, and its wings under the default shop round (settings)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...errors import InvalidInput
from ...money.services import PRISON_ACCOUNTS, open_prison_books
from ..models import Prison
from . import places

DEFAULT_WINGS = (("A", "Wing A", 10),)


@dataclass(frozen=True)
class WingPlan:
    code: str
    name: str
    cells: int  # numbered <wing><n>: A1, A2, ...
    places: int = 2


def parse_wing(text: str) -> WingPlan:
    """`A:Wing A:10` (code, name, how many cells), or `A:Wing A:10:1` with places per cell."""
    parts = [p.strip() for p in text.split(":")]
    if (
        len(parts) not in (3, 4)
        or not parts[2].isdigit()
        or not (len(parts) == 3 or parts[3].isdigit())
    ):
        raise InvalidInput("Wing %(text)r: CODE:NAME:CELLS, e.g. A:Wing A:10", text=text)
    places_per_cell = int(parts[3]) if len(parts) == 4 else 2
    return WingPlan(parts[0], parts[1], int(parts[2]), places_per_cell)


def set_up_prison(
    db: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    timezone: str,
    wings: Sequence[WingPlan],
    scope: int | None,
) -> Prison:
    """Only national administrators (scope None) set up prisons (places.create_prison)."""
    if not wings:
        raise InvalidInput("A prison needs at least one wing.")
    if any(not 1 <= w.cells <= 500 for w in wings):
        raise InvalidInput("Cells per wing: from 1 to 500.")
    prison = places.create_prison(db, actor, code=code, name=name, timezone=timezone, scope=scope)
    for plan in wings:
        wing = places.create_wing(db, actor, prison.id, code=plan.code, name=plan.name,
                                  scope=scope)  # fmt: skip
        for n in range(1, plan.cells + 1):
            places.create_cell(db, actor, wing.id, number=f"{wing.code}{n}",
                               capacity=plan.places, scope=scope)  # fmt: skip
    book = open_prison_books(db, prison.id)
    record(
        db,
        actor,
        "prison.set_up",
        target_type="prison",
        target_id=prison.id,
        wings=[w.code for w in wings],
        cells=sum(w.cells for w in wings),
        ledger=book.code,
        accounts=sorted(PRISON_ACCOUNTS),
    )
    return prison

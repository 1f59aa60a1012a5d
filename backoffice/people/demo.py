"""The demo's second prison (Tallinn), so that the separation is visible: its own wings, inmates,
staff and books, set up as `cellgate prison create` sets up a prison; a Tartu accountant sees
none of its money, the national auditor reads both prisons' books (each reading audited)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

import ledger

from ..audit.services import Actor
from ..money.services import inmate_accounts, prison_account
from ..staff.services import create_staff_user
from .models import Inmate, Prison
from .services.setup import WingPlan, set_up_prison

SECOND_PRISON_CODE = "TLN"
# (username, full name, roles, works in Tallinn: False is national staff)
SECOND_PRISON_STAFF = [
    ("tallinn.accountant", "Tallinn Accountant", ["accountant"], True),
    ("auditor", "National Auditor", ["auditor"], False),
]
SECOND_PRISON_INMATES = [
    ("Jaan", "Kask", "et"),
    ("Pavel", "Smirnov", "ru"),
    ("John", "Smith", "en"),
]


def seed_second_prison(
    db: Session, actor: Actor, *, password_of: Callable[[str], str], min_password_length: int
) -> Prison:
    prison = set_up_prison(db, actor, code=SECOND_PRISON_CODE, name="Tallinn Prison (demo)",
                           timezone="Europe/Tallinn", wings=[WingPlan("A", "Wing A", 6)],
                           scope=None)  # fmt: skip
    wing = prison.wings[0]
    for n, (first_name, last_name, language) in enumerate(SECOND_PRISON_INMATES):
        inmate = Inmate(
            prison_number=f"{SECOND_PRISON_CODE}{2001 + n}", first_name=first_name,
            last_name=last_name, date_of_birth=date(1985, 1, 1), language=language,
            legal_status="remand", prison_id=prison.id, wing_id=wing.id,
            cell_id=wing.cells[n].id, admitted_on=date(2026, 3, 1),
        )  # fmt: skip
        db.add(inmate)
        db.flush()
        ledger.transfer(
            db, key=f"demo:second-prison-deposit:{inmate.prison_number}",
            debit_account_id=prison_account(db, prison.id, "family_deposits").id,
            credit_account_id=inmate_accounts(db, inmate).spendable.id,
            amount_cents=5_000 + 1_000 * n, code=ledger.TransferCode.DEPOSIT,
            requested_by=actor.name, reason="demo: money from family",
        )  # fmt: skip
    for username, full_name, roles, here in SECOND_PRISON_STAFF:
        create_staff_user(db, actor, username=username, full_name=full_name,
                          password=password_of(username), roles=roles,
                          min_password_length=min_password_length,
                          prison_id=prison.id if here else None)  # fmt: skip
    return prison

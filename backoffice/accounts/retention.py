"""Data protection: a subject access export of everything held about one inmate, and the
retention run.

Retention rules (settings, [accounts]):
- a released inmate's personal data is pseudonymised `pseudonymise_after_years` after release
  (the expected release date): names replaced by a pseudonym, the date of birth cut to the
  year, face templates (biometrics) deleted, the names, phones and e-mail addresses of their
  visit contacts and barred people blanked;
- money records are kept whole for `money_records_years` (the Accounting Act): the journal,
  the accounts, debts, deposits' amounts, dates and bank references are never changed; only after
  that period are the names and account numbers of deposit senders pseudonymised.
The ledger's journal holds no names (prison numbers, bank references and staff usernames only),
so it never needs changing, and cannot be changed.

    subject_access(db, inmate) -> dict                   (JSON-ready)
    plan_retention(db, settings, today) -> RetentionPlan (what a run would change)
    run_retention(db, actor, plan) -> RetentionPlan      (does it; audited)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import LargeBinary, Table, delete, or_, select, update
from sqlalchemy.orm import Session

from ledger import Transfer

from ..audit.models import AuditEvent
from ..audit.services import Actor, record
from ..db import Base
from ..money.services import balances_for, inmate_accounts
from ..people.models import Inmate, InmateStatus
from ..settings import Settings
from .models import Deposit, Pseudonymisation

# Columns never copied into an export: secrets, hashes and keys (their existence is reported).
SECRET_MARKERS = ("hash", "secret", "encrypted", "token")
# Visit contacts must stay reachable by phone or e-mail (a CHECK): an address that goes nowhere.
REMOVED_EMAIL = "removed@pseudonymised.invalid"
# Who has left custody (an inmate out at court or in hospital has not).
LEFT_CUSTODY = [
    s.value for s in (InmateStatus.RELEASED, InmateStatus.TRANSFERRED, InmateStatus.DECEASED)
]


def _withheld(column: str) -> bool:
    return any(marker in column for marker in SECRET_MARKERS)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(bytes(value))} bytes withheld>"
    return value


def _rows(db: Session, table: Table, where: Any) -> list[dict[str, Any]]:
    out = []
    for row in db.execute(select(table).where(where)).mappings():
        item = {}
        for column in table.columns:
            value = row[column.name]
            if _withheld(column.name) or isinstance(column.type, LargeBinary):
                item[column.name] = "<withheld: a secret or biometric value>" if value else None
            else:
                item[column.name] = _plain(value)
        out.append(item)
    return out


def subject_access(db: Session, inmate: Inmate) -> dict[str, Any]:
    """Everything Cellgate holds about one inmate: every table with an inmate_id column (found
    from the models, so a new feature's table is included without a change here), the ledger's
    journal lines on their accounts, and the audit log's rows about them."""
    inmates = Inmate.__table__
    assert isinstance(inmates, Table)
    export: dict[str, Any] = {
        "exported_at": datetime.now().astimezone().isoformat(),
        "inmate": _rows(db, inmates, inmates.c.id == inmate.id)[0],
    }
    tables: dict[str, Any] = {}
    for table in Base.metadata.sorted_tables:
        if "inmate_id" in table.columns and table.name != "inmates":
            rows = _rows(db, table, table.c.inmate_id == inmate.id)
            if rows:
                tables[table.name] = rows
    export["records"] = tables
    accounts = inmate_accounts(db, inmate)
    ids = [accounts.spendable.id, accounts.release_fund.id, accounts.debts.id]
    balances = balances_for(db, inmate)
    export["money"] = {
        "balances_cents": {
            "spendable": balances.spendable_cents,
            "held": balances.held_cents,
            "release_fund": balances.release_fund_cents,
            "debts_set_aside": balances.debts_set_aside_cents,
        },
        "accounts": {
            a.code: {"id": a.id, "name": a.name}
            for a in (accounts.spendable, accounts.release_fund, accounts.debts)
        },
        "journal": [
            {
                "id": t.id,
                "at": t.created_at.isoformat(),
                "kind": t.kind,
                "code": t.code,
                "debit_account_id": t.debit_account_id,
                "credit_account_id": t.credit_account_id,
                "amount_cents": t.amount_cents,
                "reason": t.reason,
                "reference": t.reference,
                "requested_by": t.requested_by,
            }
            for t in db.scalars(
                select(Transfer)
                .where(or_(Transfer.debit_account_id.in_(ids), Transfer.credit_account_id.in_(ids)))
                .order_by(Transfer.id)
            )
        ],
    }
    export["audit_log"] = [
        {
            "at": e.occurred_at.isoformat(),
            "actor": f"{e.actor_kind}:{e.actor_name}",
            "action": e.action,
            "outcome": e.outcome,
            "details": e.details,
        }
        for e in db.scalars(
            select(AuditEvent)
            .where(
                or_(
                    (AuditEvent.target_type == "inmate") & (AuditEvent.target_id == str(inmate.id)),
                    (AuditEvent.actor_kind == "inmate") & (AuditEvent.actor_id == inmate.id),
                )
            )
            .order_by(AuditEvent.id)
        )
    ]
    return export


# --- retention -------------------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def pseudonym_for(inmate_id: int) -> str:
    return "P-" + hashlib.sha256(f"cellgate-inmate-{inmate_id}".encode()).hexdigest()[:10].upper()


@dataclass
class RetentionPlan:
    today: date
    inmates: list[tuple[int, str, str]] = field(default_factory=list)  # id, number, why
    deposits: list[int] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    @property
    def changes(self) -> list[str]:
        lines = [
            f"inmate {number} (id {iid}): pseudonymise name and date of birth, delete face "
            f"templates, blank visit contacts' names, phones and e-mails ({why})"
            for iid, number, why in self.inmates
        ]
        if self.deposits:
            lines.append(
                f"{len(self.deposits)} deposits older than the money records period: "
                "pseudonymise the sender's name and account number"
            )
        return lines


def plan_retention(db: Session, settings: Settings, today: date) -> RetentionPlan:
    section = settings["accounts"]
    plan = RetentionPlan(today)
    released_before = _years_before(today, section["pseudonymise_after_years"])
    done = select(Pseudonymisation.inmate_id)
    for inmate in db.scalars(
        select(Inmate)
        .where(Inmate.status.in_(LEFT_CUSTODY), Inmate.id.not_in(done))
        .order_by(Inmate.id)
    ):
        # The day he left starts the clock (people's lifecycle sets it); older rows have only
        # the expected day.
        released_on = inmate.released_on or inmate.expected_release_on
        if released_on is None:
            plan.kept.append(f"inmate {inmate.prison_number}: {inmate.status}, no release date")
        elif released_on <= released_before:
            plan.inmates.append(
                (inmate.id, inmate.prison_number, f"{inmate.status} on {released_on.isoformat()}")
            )
    booked_before = _years_before(today, section["money_records_years"])
    plan.deposits = list(
        db.scalars(
            select(Deposit.id)
            .where(Deposit.booked_on <= booked_before, Deposit.sender_name != "pseudonymised")
            .order_by(Deposit.id)
        )
    )
    plan.kept.append(
        "kept: the ledger's journal and accounts, debts, deposits' amounts, dates and bank "
        "references, shop orders, the audit log"
    )
    return plan


def _table(name: str) -> Table | None:
    return Base.metadata.tables.get(name)


def run_retention(db: Session, actor: Actor, plan: RetentionPlan) -> RetentionPlan:
    for inmate_id, _number, why in plan.inmates:
        inmate = db.get(Inmate, inmate_id)
        assert inmate is not None
        pseudonym = pseudonym_for(inmate_id)
        inmate.first_name = "Pseudonymised"
        inmate.last_name = pseudonym
        inmate.date_of_birth = date(inmate.date_of_birth.year, 1, 1)
        faces = _table("face_templates")
        if faces is not None:
            db.execute(delete(faces).where(faces.c.inmate_id == inmate_id))
        for name in ("visit_contacts", "visit_bars"):
            table = _table(name)
            if table is not None:
                db.execute(
                    update(table)
                    .where(table.c.inmate_id == inmate_id)
                    .values(full_name="pseudonymised", phone="", email=REMOVED_EMAIL)
                )
        db.add(Pseudonymisation(inmate_id=inmate_id, pseudonym=pseudonym, done_by=actor.name))
        db.flush()
        record(
            db,
            actor,
            "accounts.inmate_pseudonymised",
            target_type="inmate",
            target_id=inmate_id,
            pseudonym=pseudonym,
            why=why,
        )
    for start in range(0, len(plan.deposits), 1000):
        chunk = plan.deposits[start : start + 1000]
        db.execute(
            update(Deposit)
            .where(Deposit.id.in_(chunk))
            .values(sender_name="pseudonymised", sender_account="", message="")
        )
    if plan.deposits:
        record(
            db,
            actor,
            "accounts.deposit_senders_pseudonymised",
            target_type="deposits",
            count=len(plan.deposits),
            first_id=plan.deposits[0],
            last_id=plan.deposits[-1],
        )
    db.flush()
    return plan

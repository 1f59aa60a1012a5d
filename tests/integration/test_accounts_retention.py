"""Data protection, on SQLite and PostgreSQL: `cellgate retention run` pseudonymises what the
rules say is due (and a dry run only lists it), and keeps the money records whole; the subject
access export holds everything about one inmate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from backoffice.accounts import deposits
from backoffice.accounts.models import Deposit, Pseudonymisation
from backoffice.accounts.retention import pseudonym_for, subject_access
from backoffice.audit.models import AuditEvent
from backoffice.cli import main as cellgate
from backoffice.money.services import balances_for, income_rules
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.signin.models import FaceTemplate
from backoffice.visits.models import Contact
from tests.integration.accounts_world import RULES, actor_of, bank_line, statement, today

TODAY = today()


def test_the_retention_run_pseudonymises_what_is_due_and_keeps_the_money_records(
    db: Session,
    database_url: str,
    settings: Settings,
    prison: Prison,
    make_inmate: Callable[..., Inmate],
    make_staff: Callable[..., object],
) -> None:
    accountant = actor_of(make_staff("kadri", "accountant"))  # type: ignore[arg-type]
    long_gone = make_inmate(first_name="Õnne", last_name="Щукина", date_of_birth=date(1980, 6, 15))
    recent = make_inmate(first_name="Jaan", last_name="Tamm")
    still_here = make_inmate(first_name="Peeter", last_name="Sepp")
    # Money while they were in: deposits, one of them booked long ago (imported then).
    deposits.import_statement(
        db, accountant, prison,
        statement(bank_line("OLD-1", long_gone.prison_number, "40.00", sender="Ülle Õun",
                            on=TODAY - timedelta(days=8 * 365)),
                  bank_line("NEW-1", recent.prison_number, "15.00", sender="Tiit Tamm")),
        rules=RULES, income=income_rules(settings),
    )  # fmt: skip
    db.commit()
    db.add_all(
        [
            Contact(inmate_id=long_gone.id, full_name="Ülle Õun", relation="parent",
                    phone="+3725551234", email="ylle@example.ee"),
            Contact(inmate_id=recent.id, full_name="Tiit Tamm", relation="sibling",
                    phone="+3725550000"),
            FaceTemplate(inmate_id=long_gone.id, template_encrypted=b"\x01" * 32),
            FaceTemplate(inmate_id=recent.id, template_encrypted=b"\x02" * 32),
        ]
    )  # fmt: skip
    long_gone.status, long_gone.expected_release_on = "released", TODAY - timedelta(days=4 * 365)
    recent.status, recent.expected_release_on = "released", TODAY - timedelta(days=365)
    db.commit()
    money_before = balances_for(db, long_gone)
    journal_before = db.scalar(select(func.count()).select_from(ledger.Transfer))
    db.rollback()  # SQLite: an open transaction would keep the command out

    runner = CliRunner()
    env = {"CELLGATE_DATABASE_URL": database_url}
    args = ["retention", "run", "--today", TODAY.isoformat()]
    dry = runner.invoke(cellgate, [*args, "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert f"would change: inmate {long_gone.prison_number}" in dry.output
    assert recent.prison_number not in dry.output and still_here.prison_number not in dry.output
    assert "would change: 1 deposits older than the money records period" in dry.output
    assert "dry run: 2 changes listed, nothing changed" in dry.output
    db.expire_all()
    assert db.get(Inmate, long_gone.id).first_name == "Õnne"  # type: ignore[union-attr]
    db.rollback()

    done = runner.invoke(cellgate, args, env=env)
    assert done.exit_code == 0, done.output
    assert "done: 1 inmates pseudonymised, 1 deposit senders pseudonymised" in done.output
    db.expire_all()
    gone = db.get(Inmate, long_gone.id)
    assert gone is not None
    assert (gone.first_name, gone.last_name) == ("Pseudonymised", pseudonym_for(long_gone.id))
    assert gone.date_of_birth == date(1980, 1, 1)
    assert gone.prison_number == long_gone.prison_number  # the accounts still tie to it
    assert db.get(Inmate, recent.id).last_name == "Tamm"  # type: ignore[union-attr]
    contacts = dict(db.execute(select(Contact.inmate_id, Contact.full_name)).all())
    assert contacts == {long_gone.id: "pseudonymised", recent.id: "Tiit Tamm"}
    assert db.scalar(select(Contact.phone).where(Contact.inmate_id == long_gone.id)) == ""
    faces = list(db.scalars(select(FaceTemplate.inmate_id)))
    assert faces == [recent.id]  # the biometrics of the long-released inmate are gone
    senders = dict(db.execute(select(Deposit.bank_reference, Deposit.sender_name)).all())
    assert senders == {"OLD-1": "pseudonymised", "NEW-1": "Tiit Tamm"}
    # Kept: every journal line, the balances, the deposit's amount and bank reference; the
    # journal's hash chain still proves.
    assert db.scalar(select(func.count()).select_from(ledger.Transfer)) == journal_before
    assert balances_for(db, gone) == money_before
    assert db.scalar(select(Deposit.amount_cents).where(Deposit.bank_reference == "OLD-1")) == 4000
    assert ledger.check(db) == []
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "accounts.inmate_pseudonymised")) == 1  # fmt: skip
    db.rollback()

    again = runner.invoke(cellgate, args, env=env)
    assert "done: 0 inmates pseudonymised, 0 deposit senders pseudonymised" in again.output
    assert db.scalar(select(func.count()).select_from(Pseudonymisation)) == 1


def test_the_subject_access_export_holds_everything_about_the_inmate(
    db: Session,
    settings: Settings,
    prison: Prison,
    make_inmate: Callable[..., Inmate],
    make_staff: Callable[..., object],
) -> None:
    accountant = actor_of(make_staff("kadri", "accountant"))  # type: ignore[arg-type]
    inmate = make_inmate(first_name="Жанна", last_name="Õunapuu", legal_status="remand")
    other = make_inmate()
    deposits.import_statement(
        db, accountant, prison,
        statement(bank_line("SA-1", inmate.prison_number, "12.00"),
                  bank_line("SA-2", other.prison_number, "99.00", sender="Someone Else",
                            account="EE99")),
        rules=RULES, income=income_rules(settings),
    )  # fmt: skip
    db.commit()
    export = subject_access(db, inmate)
    assert export["inmate"]["first_name"] == "Жанна"
    assert [d["bank_reference"] for d in export["records"]["accounting_deposits"]] == ["SA-1"]
    assert export["money"]["balances_cents"]["spendable"] == 1200
    assert [t["amount_cents"] for t in export["money"]["journal"]] == [1200]
    assert any(e["action"] == "money.received" for e in export["audit_log"])
    assert "Someone Else" not in str(export)

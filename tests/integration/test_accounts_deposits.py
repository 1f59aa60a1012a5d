"""Family deposits from bank statements, on SQLite and PostgreSQL: good and bad lines, duplicate
statement lines never credited twice, every security rule at its boundary, and the security
officer's release or return."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from backoffice.accounts import deposits
from backoffice.accounts.models import Deposit, DepositStatus
from backoffice.audit.models import AuditEvent
from backoffice.db import make_session_factory
from backoffice.errors import Forbidden
from backoffice.money.services import income_rules
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from tests.concurrency import Start, run_together
from tests.integration.accounts_world import (
    RULES,
    actor_of,
    bank_line,
    days_ago,
    spendable,
    statement,
    total_in,
)


def run_import(
    db: Session, settings: Settings, prison: Prison, text: str, who
) -> deposits.ImportResult:  # type: ignore[no-untyped-def]
    result = deposits.import_statement(
        db, actor_of(who), prison, text, rules=RULES, income=income_rules(settings)
    )
    db.commit()
    return result


@pytest.fixture
def accountant(make_staff: Callable[..., object]):  # type: ignore[no-untyped-def]
    return make_staff("kadri", "accountant")


@pytest.fixture
def officer(make_staff: Callable[..., object]):  # type: ignore[no-untyped-def]
    return make_staff("olev", "officer")


def test_good_lines_are_credited_with_the_income_split_and_bad_lines_are_reported(
    db: Session,
    settings: Settings,
    prison: Prison,
    make_inmate,
    accountant,  # type: ignore[no-untyped-def]
) -> None:
    convicted = make_inmate()
    remand = make_inmate(legal_status="remand")
    text = statement(
        bank_line("REF-1", convicted.prison_number, "25.00"),
        bank_line("REF-2", remand.prison_number, '"12,50"'),
        bank_line("REF-3", "NOBODY1", "5.00"),
        bank_line("REF-4", remand.prison_number, "-3.00"),
        bank_line("", remand.prison_number, "4.00"),
        f"31.02.2026,4.00,Jaan,EE1,REF-6,{remand.prison_number},",
        bank_line("REF-7", remand.prison_number, "4.00", on=days_ago(-3)),
    )
    preview = deposits.preview_import(db, prison, text, rules=RULES)
    assert [o.action for o in preview] == ["credit", "credit"] + ["error"] * 5
    assert db.scalar(select(func.count()).select_from(Deposit)) == 0  # a preview changes nothing

    result = run_import(db, settings, prison, text, accountant)
    assert result.count("credit") == 2 and result.count("error") == 5
    errors = {o.line.line: o.message for o in result.outcomes if o.action == "error"}
    assert "no inmate NOBODY1" in errors[4]
    assert "cannot be negative" in errors[5]
    assert "no bank reference" in errors[6]
    assert "not a date" in errors[7]
    assert "in the future" in errors[8]
    # Convicted: 20 % to the release fund (no debts registered); remand: all spendable.
    assert spendable(db, convicted) == 2000 and total_in(db, convicted) == 2500
    assert spendable(db, remand) == 1250
    assert ledger.check(db) == []
    imported = db.scalar(
        select(AuditEvent).where(AuditEvent.action == "accounts.statement_imported")
    )
    assert imported is not None and imported.details["credited"] == 2


def test_a_statement_line_imported_twice_is_credited_once(
    db: Session,
    settings: Settings,
    prison: Prison,
    make_inmate,
    accountant,  # type: ignore[no-untyped-def]
) -> None:
    inmate = make_inmate(legal_status="remand")
    text = statement(bank_line("DUP-1", inmate.prison_number, "30.00"))
    run_import(db, settings, prison, text, accountant)
    again = run_import(db, settings, prison, text, accountant)
    assert [o.action for o in again.outcomes] == ["duplicate"]
    assert "not credited again" in again.outcomes[0].message
    # The same line twice in one file, and inside a longer statement later.
    both = run_import(
        db,
        settings,
        prison,
        statement(
            bank_line("DUP-2", inmate.prison_number, "5.00"),
            bank_line("DUP-2", inmate.prison_number, "5.00"),
            bank_line("DUP-1", inmate.prison_number, "30.00"),
        ),
        accountant,
    )
    assert [o.action for o in both.outcomes] == ["credit", "error", "duplicate"]
    assert "same bank reference as line 2" in both.outcomes[1].message
    assert spendable(db, inmate) == 3500
    assert db.scalar(select(func.count()).select_from(Deposit)) == 2


def test_more_than_three_senders_to_one_inmate_in_a_week_is_held(
    db: Session,
    settings: Settings,
    prison: Prison,
    make_inmate,
    accountant,  # type: ignore[no-untyped-def]
) -> None:
    inmate = make_inmate(legal_status="remand")
    lines = [
        bank_line(f"S-{n}", inmate.prison_number, "10.00", sender=f"Sender {n}",
                  account=f"EE00{n}", on=days_ago(8 - n))
        for n in range(1, 4)
    ]  # fmt: skip
    # The fourth sender, 7 days after the first: the first is out of the window (credited).
    late = bank_line("S-4", inmate.prison_number, "10.00", sender="Sender 4", account="EE004",
                     on=days_ago(0))  # fmt: skip
    # A fifth, inside the window of senders 2, 3 and 4: held.
    fifth = bank_line("S-5", inmate.prison_number, "10.00", sender="Sender 5", account="EE005",
                      on=days_ago(0))  # fmt: skip
    result = run_import(db, settings, prison, statement(*lines, late, fifth), accountant)
    assert [o.action for o in result.outcomes] == ["credit"] * 4 + ["hold"]
    assert "4 different senders within 7 days (more than 3)" in result.outcomes[-1].message
    assert spendable(db, inmate) == 4000  # the held line is not credited


def test_one_sender_paying_more_than_three_inmates_in_a_week_is_held(
    db: Session,
    settings: Settings,
    prison: Prison,
    make_inmate,
    accountant,  # type: ignore[no-untyped-def]
) -> None:
    inmates = [make_inmate(legal_status="remand") for _ in range(4)]
    first = run_import(
        db,
        settings,
        prison,
        statement(*(bank_line(f"P-{n}", i.prison_number, on=days_ago(3))
                    for n, i in enumerate(inmates[:3]))),
        accountant,
    )  # fmt: skip
    assert [o.action for o in first.outcomes] == ["credit"] * 3
    # Another day's statement: the same sender, known by account number whatever the name says.
    second = run_import(
        db,
        settings,
        prison,
        statement(bank_line("P-9", inmates[3].prison_number, sender="M. Maasikas",
                            account="ee38 2200 2210 2014 5685")),
        accountant,
    )  # fmt: skip
    assert second.outcomes[0].action == "hold"
    assert "paid 4 different inmates within 7 days" in second.outcomes[0].message
    assert spendable(db, inmates[3]) == 0


def test_a_single_amount_over_the_threshold_is_held(
    db: Session,
    settings: Settings,
    prison: Prison,
    make_inmate,
    accountant,  # type: ignore[no-untyped-def]
) -> None:
    inmate = make_inmate(legal_status="remand")
    result = run_import(
        db,
        settings,
        prison,
        statement(
            bank_line("A-1", inmate.prison_number, "120.00"),
            bank_line("A-2", inmate.prison_number, "120.01"),
        ),
        accountant,
    )
    assert [o.action for o in result.outcomes] == ["credit", "hold"]
    assert "120.01 is over the single-amount limit of 120.00" in result.outcomes[1].message
    assert spendable(db, inmate) == 12000
    # The limit is a setting.
    assert (
        deposits.SecurityRules.from_settings(
            settings.with_overrides({"accounts.hold_over_cents": 5000})
        ).hold_over_cents
        == 5000
    )


def test_a_security_officer_releases_or_returns_held_deposits_with_reasons(
    db: Session,
    settings: Settings,
    prison: Prison,
    make_inmate,
    accountant,
    officer,  # type: ignore[no-untyped-def]
) -> None:
    inmate: Inmate = make_inmate(legal_status="remand")
    run_import(
        db,
        settings,
        prison,
        statement(
            bank_line("H-1", inmate.prison_number, "200.00"),
            bank_line("H-2", inmate.prison_number, "300.00"),
        ),
        accountant,
    )
    held = {d.bank_reference: d.id for d in db.scalars(select(Deposit))}
    income = income_rules(settings)
    with pytest.raises(Forbidden):
        deposits.release_deposit(db, actor_of(accountant), held["H-1"], "looks fine", income=income)
    db.rollback()

    deposits.release_deposit(
        db, actor_of(officer), held["H-1"], "the mother, checked", income=income
    )
    deposits.return_deposit(db, actor_of(officer), held["H-2"], "unknown sender, sent back")
    db.commit()
    assert spendable(db, inmate) == 20000
    statuses = {d.bank_reference: d.status for d in db.scalars(select(Deposit))}
    assert statuses == {"H-1": DepositStatus.RELEASED, "H-2": DepositStatus.RETURNED}
    actions = set(
        db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("accounts.deposit_%")))
    )
    assert {
        "accounts.deposit_held",
        "accounts.deposit_released",
        "accounts.deposit_returned",
    } <= actions
    # Decided once: a second decision is refused, and the statement line stays credited once.
    with pytest.raises(Exception, match="only a held deposit"):
        deposits.release_deposit(
            db, actor_of(officer), held["H-2"], "changed my mind", income=income
        )
    db.rollback()
    again = run_import(
        db,
        settings,
        prison,
        statement(bank_line("H-1", inmate.prison_number, "200.00")),
        accountant,
    )
    assert again.outcomes[0].action == "duplicate"
    assert spendable(db, inmate) == 20000


@pytest.mark.postgres_only
def test_the_same_statement_imported_twice_at_once_is_credited_once(
    db: Session,
    engine,
    settings: Settings,
    prison: Prison,
    make_inmate,
    accountant,  # type: ignore[no-untyped-def]
) -> None:
    inmate = make_inmate(legal_status="remand")
    text = statement(*(bank_line(f"C-{n}", inmate.prison_number, "10.00") for n in range(3)))
    sessions = make_session_factory(engine)
    outcomes: list[list[str]] = []

    def import_it(start: Start) -> None:
        with sessions() as own:
            start()
            result = deposits.import_statement(
                own, actor_of(accountant), own.get(Prison, prison.id), text, rules=RULES,
                income=income_rules(settings),
            )  # fmt: skip
            own.commit()
            outcomes.append([o.action for o in result.outcomes])

    run_together([import_it] * 2)
    assert sorted(outcomes) == [["credit"] * 3, ["duplicate"] * 3]
    assert spendable(db, inmate) == 3000

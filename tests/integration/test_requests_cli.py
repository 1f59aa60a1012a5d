"""`cellgate requests ...` against a real database, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.cli import main
from backoffice.people.models import Inmate
from backoffice.requests import services
from backoffice.requests.models import Request
from backoffice.settings import Settings
from backoffice.staff.models import StaffUser


def test_membership_and_the_daily_escalation_from_the_command_line(
    db: Session,
    settings: Settings,
    database_url: str,
    make_inmate: Callable[..., Inmate],
    make_staff: Callable[..., StaffUser],
) -> None:
    make_staff("chief", "requests")
    inmate = make_inmate()
    rules = services.rules_from_settings(settings)
    actor = Actor(kind="inmate", id=inmate.id, name=inmate.prison_number)
    long_ago = datetime(2026, 1, 5, 9, tzinfo=UTC)  # due 8 January: overdue ever since
    case = services.submit(
        db, actor, rules, inmate, "see_doctor", {"reason": "Headache."}, now=long_ago
    )
    db.commit()
    runner = CliRunner()
    env = {"CELLGATE_DATABASE_URL": database_url, "CELLGATE_CONFIG": ""}
    added = runner.invoke(
        main, ["requests", "member", "chief", "healthcare", "--supervisor"], env=env
    )
    assert added.exit_code == 0, added.output
    assert "chief is supervisor in healthcare" in added.output
    wrong = runner.invoke(main, ["requests", "member", "chief", "kitchen"], env=env)
    assert wrong.exit_code != 0 and "not a request department" in wrong.output
    first = runner.invoke(main, ["requests", "escalate"], env=env)
    assert first.exit_code == 0, first.output
    assert f"escalated {case.receipt}" in first.output
    again = runner.invoke(main, ["requests", "escalate"], env=env)
    assert "0 overdue case(s) escalated" in again.output
    db.rollback()
    assert db.scalar(select(Request.escalated_department).where(Request.id == case.id)) == (
        "healthcare"
    )
    user = db.scalar(select(StaffUser).where(StaffUser.username == "chief"))
    assert user is not None
    chief = Actor(kind="staff", id=user.id, name="chief", roles=user.roles)
    assert [c.receipt for c in services.escalated_to_me(db, chief)] == [case.receipt]

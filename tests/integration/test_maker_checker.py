"""Maker-checker on manual corrections, through the accountant's pages on SQLite and PostgreSQL:
an accountant who entered a correction cannot approve it, however they try, nothing moves, and
the refused attempt stays in the audit log for whoever reviews the books."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.accounts.models import EntryStatus, ManualEntry
from backoffice.audit.models import AuditEvent
from backoffice.people.models import Inmate, Prison
from tests.integration.accounts_world import spendable, today
from tests.integration.staff_client import post_form as post
from tests.integration.staff_client import sign_in


@pytest.fixture
def accountants(make_staff: Callable[..., object], prison: Prison) -> None:
    make_staff("kadri", "accountant")
    make_staff("leena", "accountant")


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, username)
    return client


def enter_correction(client: FlaskClient, inmate: Inmate) -> str:
    return post(client, "/accounts/entries", "/accounts/entries",
                prison_number=inmate.prison_number, kind="correction", amount="12.40",
                reason="shop charged a parcel twice", effective_on=today().isoformat(),
                counter="shop", part="spendable", direction="to_inmate")  # fmt: skip


def test_an_accountant_cannot_approve_their_own_correction(
    app: Flask, db: Session, accountants: None, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate()
    kadri = signed_in(app, "kadri")
    entered = enter_correction(kadri, inmate)
    entry_id = db.scalar(select(ManualEntry.id))
    db.rollback()
    assert f"Entry M{entry_id} entered" in entered

    # Twice, as a hurried maker would: each time refused with the reason, nothing moves.
    for _attempt in range(2):
        refused = post(kadri, f"/accounts/entries/{entry_id}/approve", "/accounts/entries")
        assert "you cannot approve it: another member of staff must check it" in refused
        assert "approved; the money has moved" not in refused
    entry = db.get(ManualEntry, entry_id)
    assert entry is not None and entry.status == EntryStatus.PENDING and entry.transfer_id is None
    db.rollback()
    assert spendable(db, inmate) == 0

    # The refused attempts are in the audit log, in the maker's name.
    refusals = db.execute(
        select(AuditEvent.actor_name, AuditEvent.outcome, AuditEvent.target_id).where(
            AuditEvent.action == "accounts.entry_approval_refused"
        )
    ).all()
    db.rollback()
    assert refusals == [("kadri", "refused", str(entry_id))] * 2

    # Another accountant checks it; only now does the money move.
    leena = signed_in(app, "leena")
    approved = post(leena, f"/accounts/entries/{entry_id}/approve", "/accounts/entries")
    assert f"Entry M{entry_id} approved; the money has moved." in approved
    assert spendable(db, inmate) == 1240
    decided = db.get(ManualEntry, entry_id)
    assert decided is not None and (decided.entered_by, decided.decided_by) == ("kadri", "leena")

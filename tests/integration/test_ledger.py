"""The ledger's rules, one at a time, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

import ledger
from ledger import Account, Transfer, TransferCode

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def book(db: Session) -> ledger.Ledger:
    made = ledger.open_ledger(db, code="main", currency="EUR")
    db.commit()
    return made


@pytest.fixture
def make_account(db: Session, book: ledger.Ledger) -> Callable[..., Account]:
    counter = iter(range(1, 1000))

    def make(code: str = "", *, no_overdraft: bool = False, debit_codes=None) -> Account:  # type: ignore[no-untyped-def]
        account = ledger.open_account(
            db,
            ledger_id=book.id,
            code=code or f"acct{next(counter)}",
            name="test",
            kind="test",
            no_overdraft=no_overdraft,
            debit_codes=debit_codes,
        )
        db.commit()
        return account

    return make


def move(db: Session, key: str, debit: Account, credit: Account, cents: int, **kw):  # type: ignore[no-untyped-def]
    return ledger.transfer(
        db,
        key=key,
        debit_account_id=debit.id,
        credit_account_id=credit.id,
        amount_cents=cents,
        code=kw.pop("code", TransferCode.DEPOSIT),
        requested_by="tester",
        reason=kw.pop("reason", "test"),
        now=kw.pop("now", NOW),
        **kw,
    )


def test_a_deposit_moves_money_and_the_books_balance(db, make_account) -> None:  # type: ignore[no-untyped-def]
    outside, inmate = make_account("outside"), make_account("inmate", no_overdraft=True)
    move(db, "d1", outside, inmate, 2500)
    db.commit()
    assert ledger.balance(db, inmate.id).posted_cents == 2500
    assert ledger.balance(db, outside.id).posted_cents == -2500
    assert ledger.check(db) == []


def test_accounts_held_in_the_session_show_what_a_transfer_did(db, make_account) -> None:  # type: ignore[no-untyped-def]
    outside, inmate = make_account(), make_account(no_overdraft=True)
    assert inmate.posted_cents == 0
    move(db, "d1", outside, inmate, 700)
    assert (inmate.posted_cents, outside.posted_cents) == (700, -700)
    ledger.transfer(db, key="h1", debit_account_id=inmate.id, credit_account_id=outside.id,
                    amount_cents=200, code=TransferCode.VISIT, requested_by="t", reason="held",
                    pending=True)  # fmt: skip
    assert inmate.available_cents == 500
    db.commit()


def test_a_transfer_needs_two_accounts(db, make_account) -> None:  # type: ignore[no-untyped-def]
    inmate = make_account(no_overdraft=True)
    with pytest.raises(ledger.LedgerError, match="two different accounts"):
        move(db, "d1", inmate, inmate, 100)
    db.rollback()


def test_a_spendable_account_never_goes_below_zero(db, make_account) -> None:  # type: ignore[no-untyped-def]
    outside, inmate, shop = make_account(), make_account(no_overdraft=True), make_account()
    move(db, "d1", outside, inmate, 1000)
    with pytest.raises(ledger.InsufficientFunds) as refused:
        move(db, "buy", inmate, shop, 1001, code=TransferCode.ORDER_HOLD)
    assert refused.value.available_cents == 1000
    assert "1000 cents available" in refused.value.message
    db.rollback()


def test_holds_count_against_what_may_be_spent(db, make_account) -> None:  # type: ignore[no-untyped-def]
    outside, inmate, shop = make_account(), make_account(no_overdraft=True), make_account()
    move(db, "d1", outside, inmate, 1000)
    hold = move(db, "h1", inmate, shop, 700, code=TransferCode.ORDER_HOLD, pending=True)
    db.commit()
    balance = ledger.balance(db, inmate.id)
    assert (balance.posted_cents, balance.pending_debits_cents, balance.available_cents) == (
        1000,
        700,
        300,
    )
    with pytest.raises(ledger.InsufficientFunds):
        move(db, "h2", inmate, shop, 301, code=TransferCode.ORDER_HOLD, pending=True)
    db.rollback()
    post = ledger.post_pending(
        db, key="p1", pending_id=hold.id, amount_cents=450, requested_by="shop", reason="packed"
    )
    db.commit()
    assert post.code == TransferCode.ORDER_CAPTURE
    balance = ledger.balance(db, inmate.id)
    assert (balance.posted_cents, balance.pending_debits_cents) == (550, 0)
    assert ledger.balance(db, shop.id).posted_cents == 450
    assert ledger.check(db) == []


def test_a_hold_is_resolved_exactly_once(db, make_account) -> None:  # type: ignore[no-untyped-def]
    outside, inmate, shop = make_account(), make_account(no_overdraft=True), make_account()
    move(db, "d1", outside, inmate, 1000)
    hold = move(db, "h1", inmate, shop, 600, pending=True)
    ledger.void_pending(db, key="v1", pending_id=hold.id, requested_by="x", reason="cancelled")
    db.commit()
    with pytest.raises(ledger.HoldNotPending):
        ledger.post_pending(db, key="p1", pending_id=hold.id, requested_by="x", reason="late")
    db.rollback()
    with pytest.raises(ledger.HoldNotPending):
        ledger.void_pending(db, key="v2", pending_id=hold.id, requested_by="x", reason="again")
    db.rollback()
    assert ledger.balance(db, inmate.id).available_cents == 1000
    # The database's own guard, behind the service's check.
    with pytest.raises(IntegrityError, match="pending_id"):
        db.execute(
            text(
                "INSERT INTO ledger_transfers (ledger_id, key, payload_hash, content_hash, kind, "
                "code, debit_account_id, credit_account_id, amount_cents, pending_id, "
                "requested_by, reason, reference, created_at) SELECT ledger_id, 'v3', 'p', 'c', "
                "'void', code, debit_account_id, credit_account_id, amount_cents, id, 'x', 'x', "
                "'', created_at FROM ledger_transfers WHERE id = :hold"
            ),
            {"hold": hold.id},
        )
    db.rollback()


def test_a_post_never_exceeds_its_hold(db, make_account) -> None:  # type: ignore[no-untyped-def]
    outside, inmate, shop = make_account(), make_account(no_overdraft=True), make_account()
    move(db, "d1", outside, inmate, 1000)
    hold = move(db, "h1", inmate, shop, 600, pending=True)
    with pytest.raises(ledger.PostExceedsHold):
        ledger.post_pending(
            db, key="p1", pending_id=hold.id, amount_cents=601, requested_by="x", reason="r"
        )
    db.rollback()


def test_an_expired_hold_is_released_and_cannot_be_posted(db, make_account) -> None:  # type: ignore[no-untyped-def]
    outside, inmate, shop = make_account(), make_account(no_overdraft=True), make_account()
    move(db, "d1", outside, inmate, 1000)
    hold = move(db, "h1", inmate, shop, 600, pending=True, expires_at=NOW + timedelta(days=1))
    db.commit()
    assert ledger.expire_pending(db, now=NOW + timedelta(hours=23)) == []
    later = NOW + timedelta(days=1)
    with pytest.raises(ledger.HoldExpired):
        ledger.post_pending(
            db, key="p1", pending_id=hold.id, requested_by="x", reason="r", now=later
        )
    db.rollback()
    expired = ledger.expire_pending(db, now=later)
    db.commit()
    assert [t.pending_id for t in expired] == [hold.id]
    assert ledger.balance(db, inmate.id).available_cents == 1000
    assert ledger.expire_pending(db, now=later) == []
    assert ledger.check(db) == []


def test_a_retry_returns_the_first_transfer_and_a_changed_payload_is_refused(  # type: ignore[no-untyped-def]
    db, make_account
) -> None:
    outside, inmate = make_account(), make_account(no_overdraft=True)
    first = move(db, "deposit-77", outside, inmate, 500)
    db.commit()
    again = move(db, "deposit-77", outside, inmate, 500)
    assert again.id == first.id
    assert ledger.balance(db, inmate.id).posted_cents == 500
    with pytest.raises(ledger.IdempotencyConflict, match="different transfer"):
        move(db, "deposit-77", outside, inmate, 501)
    db.rollback()
    assert ledger.balance(db, inmate.id).posted_cents == 500


def test_a_batch_succeeds_or_fails_as_a_whole(db, make_account) -> None:  # type: ignore[no-untyped-def]
    outside, a, b = make_account(), make_account(no_overdraft=True), make_account(no_overdraft=True)
    batch = [
        ledger.TransferRequest("b1", outside.id, a.id, 100, TransferCode.DEPOSIT, "in"),
        ledger.TransferRequest("b2", b.id, outside.id, 1, TransferCode.CORRECTION, "out"),
    ]
    with pytest.raises(ledger.InsufficientFunds):
        ledger.apply(db, batch, requested_by="x", now=NOW)
    db.rollback()
    assert ledger.balance(db, a.id).posted_cents == 0
    assert db.scalar(text("SELECT count(*) FROM ledger_transfers")) == 0


def test_restricted_and_closed_accounts(db, make_account) -> None:  # type: ignore[no-untyped-def]
    outside, shop = make_account(), make_account()
    fund = make_account(no_overdraft=True, debit_codes=[TransferCode.RELEASE_PAYOUT])
    move(db, "d1", outside, fund, 1000)
    db.commit()
    with pytest.raises(ledger.CodeNotAllowed, match="release_payout"):
        move(db, "buy", fund, shop, 100, code=TransferCode.ORDER_HOLD, pending=True)
    db.rollback()
    move(db, "payout", fund, outside, 1000, code=TransferCode.RELEASE_PAYOUT)
    ledger.close_account(db, fund.id)
    db.commit()
    with pytest.raises(ledger.AccountClosed):
        move(db, "d2", outside, fund, 1)
    db.rollback()


@pytest.mark.parametrize("cents", [0, -5, 1.5])
def test_amounts_are_positive_whole_cents(db, make_account, cents) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ledger.InvalidAmount):
        move(db, "bad", make_account(), make_account(), cents)
    db.rollback()


def test_statement_has_a_running_balance_and_open_holds(db, make_account) -> None:  # type: ignore[no-untyped-def]
    outside, inmate, shop = make_account(), make_account(no_overdraft=True), make_account()
    move(db, "d1", outside, inmate, 1000, now=NOW - timedelta(days=10))
    move(db, "d2", outside, inmate, 300, now=NOW - timedelta(days=2))
    move(db, "s1", inmate, shop, 250, now=NOW - timedelta(days=1))
    move(db, "h1", inmate, shop, 100, pending=True, now=NOW)
    db.commit()
    report = ledger.statement(db, inmate.id, since=NOW - timedelta(days=5), until=NOW)
    assert report.opening_cents == 1000
    assert [(ln.amount_cents, ln.running_cents) for ln in report.lines] == [
        (300, 1300),
        (-250, 1050),
    ]
    assert report.closing_cents == 1050
    assert [h.amount_cents for h in report.open_holds] == [100]


@pytest.mark.parametrize(
    "sql",
    [f"UPDATE ledger_transfers SET {c.name} = {c.name}" for c in Transfer.__table__.columns]
    + [f"UPDATE ledger_seals SET {c.name} = {c.name}" for c in ledger.Seal.__table__.columns]
    + ["DELETE FROM ledger_transfers", "DELETE FROM ledger_seals"],
)
def test_the_journal_refuses_every_update_and_delete(db, make_account, sql) -> None:  # type: ignore[no-untyped-def]
    move(db, "d1", make_account(), make_account(), 100)
    db.commit()
    _seal(db)
    with pytest.raises((DBAPIError, IntegrityError), match="append-only"):
        db.execute(text(sql))
    db.rollback()


def test_every_transfer_is_sealed_into_the_chain_once(db, make_account, database_url) -> None:  # type: ignore[no-untyped-def]
    outside, inmate = make_account(), make_account(no_overdraft=True)
    first = move(db, "d1", outside, inmate, 100)
    batch = ledger.apply(
        db,
        [
            ledger.TransferRequest("d2", outside.id, inmate.id, 200, TransferCode.DEPOSIT, "x"),
            ledger.TransferRequest("d3", outside.id, inmate.id, 300, TransferCode.DEPOSIT, "x"),
        ],
        requested_by="test",
    )
    db.commit()
    last = move(db, "d4", inmate, outside, 50)
    db.commit()
    # On PostgreSQL the two single transfers wait for the sealer; a batch is sealed with its
    # insert, and on SQLite everything is.
    assert _seal(db) == (2 if database_url.startswith("postgresql") else 0)
    sealed = dict(db.execute(text(_SEQUENCES)).all())
    assert sorted(sealed.values()) == [1, 2, 3, 4]
    assert sealed["d4"] == 4 and sealed["d2"] + 1 == sealed["d3"]
    assert {first.key, last.key, *(t.key for t in batch)} == set(sealed)
    assert last.sequence == 4 and last.chain_hash is not None
    assert ledger.verify_chain(db).ok and ledger.verify_chain(db).checked == 4
    assert _seal(db) == 0


_SEQUENCES = "SELECT key, sequence FROM ledger_transfers JOIN ledger_seals ON transfer_id = id"


def _seal(db: Session, *, limit: int = ledger.SEAL_BATCH) -> int:
    """One turn of the sealer (`cellgate ledger seal`)."""
    sealed = ledger.seal_waiting(db, limit=limit)
    db.commit()
    return sealed


def test_the_database_refuses_an_overdraft_the_service_did_not_see(db, make_account) -> None:  # type: ignore[no-untyped-def]
    inmate = make_account(no_overdraft=True)
    with pytest.raises(IntegrityError):
        db.execute(
            text("UPDATE ledger_accounts SET posted_debits_cents = 5 WHERE id = :id"),
            {"id": inmate.id},
        )
    db.rollback()


def test_the_chain_finds_an_edited_row(db, make_account, database_url) -> None:  # type: ignore[no-untyped-def]
    outside, inmate = make_account(), make_account(no_overdraft=True)
    for n in range(5):
        move(db, f"d{n}", outside, inmate, 100 + n)
    db.commit()
    _seal(db)
    assert ledger.verify_chain(db).ok
    third = db.scalar(text("SELECT transfer_id FROM ledger_seals WHERE sequence = 3"))
    _tamper(db, database_url, f"UPDATE ledger_transfers SET amount_cents = 999 WHERE id = {third}")
    report = ledger.verify_chain(db)
    assert not report.ok
    assert f"transfer {third} (sequence 3)" in (report.first_break or "")
    assert any("hash chain" in p for p in ledger.check(db))


def _tamper(
    db: Session, database_url: str, sql: str, sqlite_trigger: str = "ledger_transfers_no_update"
) -> None:
    """What an intruder with database access does: switch the triggers off and edit."""
    if database_url.startswith("postgresql"):
        db.execute(text("SET session_replication_role = replica"))
        db.execute(text(sql))
        db.execute(text("SET session_replication_role = DEFAULT"))
    else:
        db.execute(text(f"DROP TRIGGER {sqlite_trigger}"))
        db.execute(text(sql))
    db.commit()


def test_the_chain_finds_a_seal_removed_or_moved(db, make_account, database_url) -> None:  # type: ignore[no-untyped-def]
    outside, inmate = make_account(), make_account(no_overdraft=True)
    for n in range(5):
        move(db, f"d{n}", outside, inmate, 100 + n)
    db.commit()
    _seal(db)
    third, fourth = db.scalars(
        text("SELECT transfer_id FROM ledger_seals WHERE sequence IN (3, 4) ORDER BY sequence")
    )
    _tamper(db, database_url, "UPDATE ledger_seals SET ledger_id = 99 WHERE sequence = 4",
            "ledger_seals_no_update")  # fmt: skip
    assert f"transfer {fourth} (sequence 4): its seal places it in the chain of ledger 99" in (
        ledger.verify_chain(db).first_break or ""
    )
    _tamper(db, database_url, "DELETE FROM ledger_seals WHERE sequence = 2",
            "ledger_seals_no_delete")  # fmt: skip
    report = ledger.verify_chain(db)
    assert f"transfer {third} (sequence 3): expected sequence 2; a transfer is missing" in (
        report.first_break or ""
    )


@pytest.mark.postgres_only
def test_a_transfer_on_a_lost_connection_fails_cleanly_and_the_next_one_works(
    db, make_account, engine
) -> None:  # type: ignore[no-untyped-def]
    outside, inmate = make_account(), make_account(no_overdraft=True)
    backend = db.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with engine.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    with pytest.raises(DBAPIError) as lost:
        move(db, "d1", outside, inmate, 100)
    assert lost.value.connection_invalidated
    db.rollback()
    move(db, "d1", outside, inmate, 100)
    db.commit()
    assert ledger.balance(db, inmate.id).posted_cents == 100


def test_the_database_refuses_a_transfer_between_two_ledgers(db, make_account, book) -> None:  # type: ignore[no-untyped-def]
    euros = make_account()
    dollars = ledger.open_ledger(db, code="usd", currency="USD")
    foreign = ledger.open_account(db, ledger_id=dollars.id, code="usd1", name="x", kind="test")
    db.commit()
    with pytest.raises(IntegrityError):
        db.execute(
            text(
                "INSERT INTO ledger_transfers (ledger_id, key, payload_hash, content_hash, kind, "
                "code, debit_account_id, credit_account_id, amount_cents, requested_by, reason, "
                "reference, created_at) VALUES (:ledger, 'x1', 'p', 'c', 'single', 'deposit', "
                ":debit, :credit, 100, 'intruder', 'x', '', CURRENT_TIMESTAMP)"
            ),
            {"ledger": book.id, "debit": foreign.id, "credit": euros.id},
        )
    db.rollback()


def _hold_the_chain_head(engine, book):  # type: ignore[no-untyped-def]
    """A batch of the ledger in flight: it holds the chain head until it commits."""
    other = engine.connect()
    other.execute(text("SELECT id FROM ledger_ledgers WHERE id = :id FOR UPDATE"), {"id": book.id})
    return other


@pytest.mark.postgres_only
def test_a_single_transfer_never_waits_for_the_chain_head_and_the_sealer_seals_it(  # type: ignore[no-untyped-def]
    db, make_account, engine, book
) -> None:
    outside, inmate = make_account(), make_account(no_overdraft=True)
    other = _hold_the_chain_head(engine, book)
    # Waiting for the head would fail this commit instead of hanging the test.
    db.execute(text("SET LOCAL lock_timeout = '5s'"))
    first = move(db, "d1", outside, inmate, 100)
    db.commit()
    assert first.sequence is None, "it is waiting for its seal"
    assert ledger.balance(db, inmate.id).posted_cents == 100, "and its money moved"
    report = ledger.verify_chain(db)
    assert report.ok and (report.checked, report.waiting) == (0, 1)
    assert report.waiting_since is not None
    assert ledger.check(db) == []
    db.rollback()
    other.rollback()
    other.close()

    second = move(db, "d2", inmate, outside, 30)
    db.commit()
    assert _seal(db) == 2
    sealed = dict(db.execute(text(_SEQUENCES)).all())
    assert sealed == {"d1": 1, "d2": 2}, "in the order they were made"
    assert first.sequence == 1 and second.chain_hash is not None
    report = ledger.verify_chain(db)
    assert report.ok and (report.checked, report.waiting, report.waiting_since) == (2, 0, None)
    assert _seal(db) == 0


@pytest.mark.postgres_only
def test_the_sealer_takes_a_long_queue_a_batch_at_a_time(db, make_account) -> None:  # type: ignore[no-untyped-def]
    outside, inmate = make_account(), make_account(no_overdraft=True)
    for n in range(5):
        move(db, f"d{n}", outside, inmate, 100)
        db.commit()
    assert [_seal(db, limit=2) for _ in range(4)] == [2, 2, 1, 0]
    report = ledger.verify_chain(db)
    assert report.ok and (report.checked, report.waiting) == (5, 0)


@pytest.mark.postgres_only
def test_a_transfer_the_sealer_has_not_seen_yet_is_not_sealed(db, make_account, engine) -> None:  # type: ignore[no-untyped-def]
    outside, inmate = make_account(), make_account(no_overdraft=True)
    move(db, "d1", outside, inmate, 100)  # not committed yet
    with Session(engine) as sealer:
        assert ledger.seal_waiting(sealer) == 0
        sealer.commit()
    db.commit()
    assert _seal(db) == 1


@pytest.mark.postgres_only
def test_the_chain_names_a_transfer_taken_out_of_the_seal_queue(  # type: ignore[no-untyped-def]
    db, make_account, database_url
) -> None:
    outside, inmate = make_account(), make_account(no_overdraft=True)
    move(db, "d1", outside, inmate, 100)
    db.commit()
    assert _seal(db) == 1
    move(db, "d2", outside, inmate, 100)
    db.commit()
    # An intruder takes the transfer off the queue, hoping it is never sealed.
    _tamper(db, database_url, "DELETE FROM ledger_seal_queue")
    report = ledger.verify_chain(db)
    assert not report.ok
    assert "neither sealed into the chain nor waiting" in (report.first_break or "")
    assert any("hash chain" in p for p in ledger.check(db))


@pytest.mark.postgres_only
def test_the_chain_finds_an_edited_row_that_waits_for_its_seal(  # type: ignore[no-untyped-def]
    db, make_account, database_url
) -> None:
    outside, inmate = make_account(), make_account(no_overdraft=True)
    made = move(db, "d1", outside, inmate, 100)
    db.commit()
    _tamper(db, database_url, f"UPDATE ledger_transfers SET amount_cents = 9 WHERE id = {made.id}")
    report = ledger.verify_chain(db)
    assert not report.ok
    assert f"transfer {made.id} (waiting for its seal): its contents do not match" in (
        report.first_break or ""
    )


@pytest.mark.postgres_only
def test_check_says_when_the_sealer_is_not_running(db, make_account, database_url) -> None:  # type: ignore[no-untyped-def]
    outside, inmate = make_account(), make_account(no_overdraft=True)
    move(db, "d1", outside, inmate, 100)
    db.commit()
    assert ledger.check(db) == [], "a transfer waits a moment for its seal"
    db.rollback()
    _tamper(db, database_url, "UPDATE ledger_seal_queue SET queued_at = now() - interval '11 min'")
    problems = ledger.check(db)
    assert len(problems) == 1
    assert "1 transfers wait for their seal" in problems[0]
    assert "start `cellgate ledger seal --every 1`" in problems[0]
    db.rollback()
    assert _seal(db) == 1
    assert ledger.check(db) == []

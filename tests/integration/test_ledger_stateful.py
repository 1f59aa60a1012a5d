"""A hypothesis state machine drives the ledger through deposits, income splits, holds, partial
posts, voids, expiry, refunds, retries and the sealer's turns, and after every step checks the
ledger's invariants and every balance against a plain model of what the money should be. On
both engines."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import ledger
from backoffice.db import make_session_factory
from ledger import TransferCode

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
RULES = ledger.IncomeRules(50, 20, release_fund_target_cents=5_000)
_run = itertools.count()


@dataclass
class Hold:
    id: int
    inmate: int
    amount: int
    expires_at: datetime


@dataclass
class Done:
    """A call already made, kept to be retried."""

    kind: str
    key: str
    args: dict[str, object]
    first_ids: list[int]


class LedgerMachine(RuleBasedStateMachine):
    holds = Bundle("holds")
    done = Bundle("done")

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.db: Session = make_session_factory(engine)()
        run = next(_run)
        book = ledger.open_ledger(self.db, code=f"m{run}", currency="EUR")
        opened = {}
        names = ["outside", "shop", "creditor", "spend0", "spend1", "fund0", "fund1", "debt0"]
        for name in names:
            opened[name] = ledger.open_account(
                self.db,
                ledger_id=book.id,
                code=name,
                name=name,
                kind="test",
                no_overdraft=name.startswith(("spend", "fund", "debt")),
                debit_codes=[TransferCode.RELEASE_PAYOUT] if name.startswith("fund") else None,
            )
        self.db.commit()
        self.ids = {name: account.id for name, account in opened.items()}
        self.keys = itertools.count()
        self.run = run
        self.now = START
        # The model: posted balance and held amount per account name.
        self.posted = dict.fromkeys(names, 0)
        self.held = dict.fromkeys(names, 0)
        self.open_holds: dict[int, Hold] = {}
        self.debt_remaining = 3_000

    def teardown(self) -> None:
        self.db.close()

    def _key(self) -> str:
        return f"r{self.run}-k{next(self.keys)}"

    def _commit_or_rollback(self, call):  # type: ignore[no-untyped-def]
        try:
            result = call()
        except ledger.LedgerError:
            self.db.rollback()
            raise
        self.db.commit()
        return result

    def _move(self, debit: str, credit: str, cents: int) -> None:
        self.posted[debit] -= cents
        self.posted[credit] += cents

    @rule(target=done, inmate=st.integers(0, 1), cents=st.integers(1, 5_000))
    def deposit(self, inmate: int, cents: int) -> Done:
        key = self._key()
        args = {"debit": "outside", "credit": f"spend{inmate}", "cents": cents}
        made = self._commit_or_rollback(lambda: self._transfer(key, **args))  # type: ignore[arg-type]
        self._move("outside", f"spend{inmate}", cents)
        return Done("transfer", key, args, [made.id])

    def _transfer(self, key: str, debit: str, credit: str, cents: int, pending: bool = False):  # type: ignore[no-untyped-def]
        return ledger.transfer(
            self.db,
            key=key,
            debit_account_id=self.ids[debit],
            credit_account_id=self.ids[credit],
            amount_cents=cents,
            code=TransferCode.ORDER_HOLD if pending else TransferCode.DEPOSIT,
            requested_by="machine",
            reason="stateful",
            pending=pending,
            expires_at=self.now + timedelta(days=3) if pending else None,
            now=self.now,
        )

    @rule(inmate=st.integers(0, 1), cents=st.integers(1, 9_999))
    def wage_with_split(self, inmate: int, cents: int) -> None:
        fund, spend = f"fund{inmate}", f"spend{inmate}"
        split = ledger.split_income(
            cents,
            convicted=inmate == 0,
            debts_remaining_cents=self.debt_remaining if inmate == 0 else 0,
            release_fund_cents=self.posted[fund],
            rules=RULES,
        )
        assert split.total_cents == cents
        key = self._key()
        parts = [(spend, split.spendable_cents), (fund, split.release_fund_cents)]
        if inmate == 0:
            parts.append(("debt0", split.debts_cents))
        requests = [
            ledger.TransferRequest(
                f"{key}:{name}", self.ids["outside"], self.ids[name], part, TransferCode.WAGE, "w"
            )
            for name, part in parts
            if part > 0
        ]
        self._commit_or_rollback(
            lambda: ledger.apply(self.db, requests, requested_by="m", now=self.now)
        )
        for name, part in parts:
            self._move("outside", name, part)
        if inmate == 0:
            self.debt_remaining -= split.debts_cents
        assert self.posted[fund] <= RULES.release_fund_target_cents

    @rule(target=holds, inmate=st.integers(0, 1), cents=st.integers(1, 3_000))
    def hold(self, inmate: int, cents: int):  # type: ignore[no-untyped-def]
        spend = f"spend{inmate}"
        available = self.posted[spend] - self.held[spend]
        try:
            made = self._commit_or_rollback(
                lambda: self._transfer(self._key(), spend, "shop", cents, pending=True)
            )
        except ledger.InsufficientFunds:
            assert cents > available
            return multiple()  # nothing was held
        assert cents <= available
        self.held[spend] += cents
        self.held["shop"] += cents
        hold = Hold(made.id, inmate, cents, made.expires_at)
        self.open_holds[made.id] = hold
        return hold

    def _resolve(self, hold: Hold, posted: int) -> None:
        spend = f"spend{hold.inmate}"
        self.held[spend] -= hold.amount
        self.held["shop"] -= hold.amount
        self._move(spend, "shop", posted)
        del self.open_holds[hold.id]

    @rule(hold=holds, share=st.integers(1, 100))
    def partial_post(self, hold: Hold, share: int) -> None:
        cents = max(1, hold.amount * share // 100)
        call = lambda: ledger.post_pending(  # noqa: E731
            self.db, key=self._key(), pending_id=hold.id, amount_cents=cents,
            requested_by="m", reason="packed", now=self.now,
        )  # fmt: skip
        if hold.id not in self.open_holds:
            with pytest.raises(ledger.HoldNotPending):
                self._commit_or_rollback(call)
            return
        if self.now >= hold.expires_at:
            with pytest.raises(ledger.HoldExpired):
                self._commit_or_rollback(call)
            return
        self._commit_or_rollback(call)
        self._resolve(hold, cents)

    @rule(hold=holds)
    def void(self, hold: Hold) -> None:
        call = lambda: ledger.void_pending(  # noqa: E731
            self.db, key=self._key(), pending_id=hold.id, requested_by="m", reason="cancel",
            now=self.now,
        )  # fmt: skip
        if hold.id not in self.open_holds:
            with pytest.raises(ledger.HoldNotPending):
                self._commit_or_rollback(call)
            return
        self._commit_or_rollback(call)
        self._resolve(hold, 0)

    @rule(hours=st.integers(1, 100))
    def time_passes_and_holds_expire(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        expired = self._commit_or_rollback(
            lambda: ledger.expire_pending(self.db, now=self.now, requested_by="m")
        )
        due = {h.id for h in self.open_holds.values() if h.expires_at <= self.now}
        mine = {t.pending_id for t in expired if t.pending_id in self.open_holds}
        assert mine == due
        for hold_id in due:
            self._resolve(self.open_holds[hold_id], 0)

    @rule(target=done, inmate=st.integers(0, 1), cents=st.integers(1, 2_000))
    def refund(self, inmate: int, cents: int) -> Done:
        key = self._key()
        args = {"debit": "shop", "credit": f"spend{inmate}", "cents": cents}
        made = self._commit_or_rollback(lambda: self._transfer(key, **args))  # type: ignore[arg-type]
        self._move("shop", f"spend{inmate}", cents)
        return Done("transfer", key, args, [made.id])

    @rule(previous=done)
    def retry(self, previous: Done) -> None:
        again = self._commit_or_rollback(lambda: self._transfer(previous.key, **previous.args))  # type: ignore[arg-type]
        assert [again.id] == previous.first_ids

    @rule(previous=done, extra=st.integers(1, 100))
    def retry_with_a_changed_payload(self, previous: Done, extra: int) -> None:
        changed = {**previous.args, "cents": int(previous.args["cents"]) + extra}  # type: ignore[call-overload]
        with pytest.raises(ledger.IdempotencyConflict):
            self._commit_or_rollback(lambda: self._transfer(previous.key, **changed))  # type: ignore[arg-type]

    @rule(inmate=st.integers(0, 1), cents=st.integers(1, 2_000))
    def shop_tries_to_spend_the_release_fund(self, inmate: int, cents: int) -> None:
        with pytest.raises(ledger.CodeNotAllowed):
            self._commit_or_rollback(
                lambda: self._transfer(self._key(), f"fund{inmate}", "shop", cents, pending=True)
            )

    @rule()
    def the_sealer_takes_its_turn(self) -> None:
        # On PostgreSQL single transfers wait for it; money does not move.
        ledger.seal_waiting(self.db)
        self.db.commit()
        report = ledger.verify_chain(self.db)
        assert report.ok and report.waiting == 0
        self.db.rollback()

    @invariant()
    def balances_match_the_model_and_every_invariant_holds(self) -> None:
        for name, account_id in self.ids.items():
            balance = ledger.balance(self.db, account_id)
            assert balance.posted_cents == self.posted[name], name
            assert balance.pending_debits_cents + balance.pending_credits_cents == self.held[name]
            if name.startswith(("spend", "fund", "debt")):
                assert balance.available_cents >= 0
        assert sum(self.posted.values()) == 0
        assert ledger.check(self.db) == []
        self.db.rollback()


def test_the_ledger_keeps_every_invariant_under_any_sequence(engine: Engine) -> None:
    run_state_machine_as_test(
        lambda: LedgerMachine(engine),
        settings=settings(
            max_examples=10,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )

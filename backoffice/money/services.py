"""Inmates' money on top of the ledger.

    money_ledger(db, currency="EUR") -> Ledger           the installation's ledger ("main")
    inmate_accounts(db, inmate) -> InmateAccounts        spendable, release fund, debts (opened
                                                         on first use)
    prison_account(db, prison_id, code) -> Account       shop, family_deposits, payroll, cash, ...
    income_rules(settings) -> ledger.IncomeRules
    receive_money(db, actor, inmate, *, key, amount_cents, source_code, code, reason, rules)
                                                         money in, split by the income rules
    wage_run(db, actor, csv_text, *, key, prison_id, rules) -> WageRun
    register_debt(db, actor, inmate, *, creditor, amount_cents, description) -> Debt
    debts_remaining_cents(db, inmate) -> int
    balances_for(db, inmate) -> InmateBalances
    recent_transfers(db, inmate, *, limit=20, before_id=None) -> list[MoneyLine]

Services flush; the entry point commits. Ledger errors pass through as ledger.LedgerError.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

import ledger
from ledger import Account, Transfer, TransferCode, TransferRequest

from ..audit.services import Actor, record
from ..db import utcnow
from ..errors import InvalidInput, NotFound
from ..people.models import Inmate, LegalStatus
from ..settings import Settings
from .amounts import AmountError, parse_cents
from .models import Creditor, Debt

T = TypeVar("T")
# No payroll line pays more; anything larger is a typing mistake.
MAX_WAGE_CENTS = 10_000_000
# A prison number is at most this long (the column's length); a longer one is not a number.
MAX_PRISON_NUMBER = 32
LEDGER_CODE = "main"
PRISON_ACCOUNTS = {
    "shop": "Prison shop",
    "family_deposits": "Family deposits (money from outside)",
    "payroll": "Prison payroll",
    "cash": "Cash office",
    "bank": "Bank account",
    "court_fines": "Creditor: court fines",
    "victim_compensation": "Creditor: victim compensation",
    "visits": "Video visits",
}
RELEASE_FUND_DEBITS = (TransferCode.RELEASE_PAYOUT, TransferCode.CORRECTION)
DEBTS_DEBITS = (TransferCode.CREDITOR_PAYOUT, TransferCode.CORRECTION)


@dataclass(frozen=True)
class InmateAccounts:
    spendable: Account
    release_fund: Account
    debts: Account


def money_ledger(db: Session, currency: str = "EUR") -> ledger.Ledger:
    found = db.scalar(select(ledger.Ledger).where(ledger.Ledger.code == LEDGER_CODE))
    return found or ledger.open_ledger(db, code=LEDGER_CODE, currency=currency)


def _inmate_codes(inmate_id: int) -> tuple[str, str, str]:
    return (
        f"inmate:{inmate_id}:spendable",
        f"inmate:{inmate_id}:release_fund",
        f"inmate:{inmate_id}:debts",
    )


def inmate_accounts(db: Session, inmate: Inmate) -> InmateAccounts:
    return accounts_of_inmates(db, [inmate])[inmate.id]


def accounts_of_inmates(db: Session, inmates: Sequence[Inmate]) -> dict[int, InmateAccounts]:
    """Each inmate's three accounts, read fresh (their totals included), opening the missing
    ones: one query when they all exist, however many inmates."""

    def load(ledger_id: int, codes: list[str]) -> dict[str, Account]:
        found: dict[str, Account] = {}
        for chunk in _chunks(codes, 5000):
            stmt = (
                select(Account)
                .where(Account.ledger_id == ledger_id, Account.code.in_(chunk))
                .execution_options(populate_existing=True)
            )
            found.update((a.code, a) for a in db.scalars(stmt))
        return found

    opened = _opened(db, [(i.id, i.prison_number) for i in inmates], load)
    return {inmate_id: InmateAccounts(*trio) for inmate_id, trio in opened.items()}


def _account_ids(db: Session, inmates: Sequence[tuple[int, str]]) -> dict[int, tuple[int, ...]]:
    """Per inmate id: the ids of its spendable, release-fund and debts accounts, opening the
    missing ones. Plain rows, so that a payroll of thousands stays fast."""

    def load(ledger_id: int, codes: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(codes, 5000):
            stmt = select(Account.code, Account.id).where(
                Account.ledger_id == ledger_id, Account.code.in_(chunk)
            )
            found.update((code, account_id) for code, account_id in db.execute(stmt))
        return found

    return _opened(db, inmates, load)


def _opened(
    db: Session,
    inmates: Sequence[tuple[int, str]],
    load: Callable[[int, list[str]], dict[str, T]],
) -> dict[int, tuple[T, ...]]:
    """`load` the accounts of (inmate id, prison number) pairs by code; open the missing ones
    (another session opening them at the same moment is fine) and load those too."""
    book = money_ledger(db)
    wanted = {code: number for inmate_id, number in inmates for code in _inmate_codes(inmate_id)}
    found = load(book.id, list(wanted))
    missing = [code for code in wanted if code not in found]
    if missing:
        ledger.insert_missing_accounts(
            db, [_new_account(book.id, code, wanted[code]) for code in missing]
        )
        found.update(load(book.id, missing))
    return {
        inmate_id: tuple(found[code] for code in _inmate_codes(inmate_id))
        for inmate_id, _ in inmates
    }


def _new_account(ledger_id: int, code: str, prison_number: str) -> dict[str, Any]:
    part = code.rsplit(":", 1)[1]
    debit_codes = {"release_fund": RELEASE_FUND_DEBITS, "debts": DEBTS_DEBITS}.get(part)
    return {
        "ledger_id": ledger_id,
        "code": code,
        "name": f"{prison_number} {part.replace('_', ' ')}",
        "kind": f"inmate_{part}",
        "no_overdraft": True,
        "closed": False,
        "debit_codes": ",".join(debit_codes) if debit_codes else None,
        "posted_debits_cents": 0,
        "posted_credits_cents": 0,
        "pending_debits_cents": 0,
        "pending_credits_cents": 0,
        "created_at": utcnow(),
    }


def prison_account(db: Session, prison_id: int, code: str) -> Account:
    if code not in PRISON_ACCOUNTS:
        raise InvalidInput(f"unknown prison account {code!r}")
    book = money_ledger(db)
    return ledger.open_account(
        db,
        ledger_id=book.id,
        code=f"prison:{prison_id}:{code}",
        name=PRISON_ACCOUNTS[code],
        kind="prison" if code in ("shop", "cash", "bank", "visits") else "external",
    )


def income_rules(settings: Settings) -> ledger.IncomeRules:
    money = settings["money"]
    return ledger.IncomeRules(
        debt_share_percent=money["debt_share_percent"],
        release_fund_share_percent=money["release_fund_share_percent"],
        release_fund_target_cents=money["release_fund_target_wages"]
        * money["minimum_monthly_wage_cents"],
    )


def debts_remaining_cents(db: Session, inmate: Inmate) -> int:
    set_aside = inmate_accounts(db, inmate).debts.posted_credits_cents
    return _debts_remaining(db, {inmate.id: set_aside})[inmate.id]


def _debts_remaining(db: Session, set_aside: dict[int, int]) -> dict[int, int]:
    """Per inmate: debts registered less everything ever set aside for them (`set_aside` is
    the debts account's posted credits per inmate id)."""
    owed: dict[int, int] = {}
    ids = list(set_aside)
    for start in range(0, len(ids), 5000):
        owed.update(
            db.execute(
                select(Debt.inmate_id, func.sum(Debt.amount_cents))
                .where(Debt.inmate_id.in_(ids[start : start + 5000]))
                .group_by(Debt.inmate_id)
            ).all()
        )
    return {i: max(int(owed.get(i, 0)) - cents, 0) for i, cents in set_aside.items()}


def register_debt(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    *,
    creditor: str,
    amount_cents: int,
    description: str,
) -> Debt:
    if creditor not in {c.value for c in Creditor}:
        raise InvalidInput(f"unknown creditor {creditor!r}")
    if amount_cents <= 0:
        raise InvalidInput("a debt is a positive amount of cents")
    debt = Debt(
        inmate_id=inmate.id,
        creditor=creditor,
        amount_cents=amount_cents,
        description=description.strip()[:500],
        registered_by=actor.name,
    )
    db.add(debt)
    db.flush()
    record(
        db,
        actor,
        "money.debt_registered",
        target_type="inmate",
        target_id=inmate.id,
        creditor=creditor,
        amount_cents=amount_cents,
    )
    return debt


def _split_keys(key: str) -> tuple[str, str, str]:
    return key, f"{key}:debts", f"{key}:release_fund"


def _done_before(db: Session, keys: Sequence[str]) -> list[Transfer]:
    return list(db.scalars(select(Transfer).where(Transfer.key.in_(keys)).order_by(Transfer.id)))


def _split_requests(
    *,
    key: str,
    source_id: int,
    account_ids: tuple[int, int, int],
    split: ledger.Split,
    code: str,
    reason: str,
    reference: str,
) -> list[TransferRequest]:
    spendable_key, debts_key, release_key = _split_keys(key)
    spendable, release_fund, debts = account_ids
    parts = [
        (spendable_key, spendable, split.spendable_cents, code, reason),
        (debts_key, debts, split.debts_cents, TransferCode.DEBT_SHARE, f"{reason}: debts"),
        (
            release_key,
            release_fund,
            split.release_fund_cents,
            TransferCode.RELEASE_FUND_SHARE,
            f"{reason}: release fund",
        ),
    ]
    return [
        TransferRequest(
            key=part_key,
            debit_account_id=source_id,
            credit_account_id=account_id,
            amount_cents=amount,
            code=str(part_code),
            reason=part_reason,
            reference=reference,
        )
        for part_key, account_id, amount, part_code, part_reason in parts
        if amount > 0
    ]


def receive_money(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    *,
    key: str,
    amount_cents: int,
    source_code: str,
    code: str,
    reason: str,
    rules: ledger.IncomeRules,
    reference: str = "",
) -> list[Transfer]:
    """Money in for one inmate, split by the income rules in one atomic batch. A retry with the
    same key returns what the first call did (the split is not worked out again)."""
    if amount_cents <= 0:
        raise InvalidInput("money received must be a positive amount of cents")
    previous = _done_before(db, _split_keys(key))
    if previous:
        _same_money(previous, amount_cents, key)
        return previous
    source = prison_account(db, inmate.prison_id, source_code)
    accounts = inmate_accounts(db, inmate)
    locked = ledger.lock_accounts(db, [accounts.debts.id, accounts.release_fund.id])
    set_aside = {inmate.id: locked[accounts.debts.id].posted_credits_cents}
    split = ledger.split_income(
        amount_cents,
        convicted=inmate.legal_status == LegalStatus.CONVICTED,
        debts_remaining_cents=_debts_remaining(db, set_aside)[inmate.id],
        release_fund_cents=locked[accounts.release_fund.id].posted_cents,
        rules=rules,
    )
    requests = _split_requests(
        key=key,
        source_id=source.id,
        account_ids=(accounts.spendable.id, accounts.release_fund.id, accounts.debts.id),
        split=split,
        code=code,
        reason=reason,
        reference=reference,
    )
    transfers = ledger.apply(db, requests, requested_by=actor.name)
    record(
        db,
        actor,
        "money.received",
        target_type="inmate",
        target_id=inmate.id,
        amount_cents=amount_cents,
        code=str(code),
        spendable_cents=split.spendable_cents,
        debts_cents=split.debts_cents,
        release_fund_cents=split.release_fund_cents,
        key=key,
    )
    return transfers


def _same_money(previous: Sequence[Transfer], amount_cents: int, key: str) -> None:
    if sum(t.amount_cents for t in previous) != amount_cents:
        raise ledger.IdempotencyConflict(
            f"idempotency key {key!r} was used before for a different amount; "
            "a retry must send exactly the same request"
        )


@dataclass(frozen=True)
class WageLine:
    line: int
    prison_number: str
    amount_cents: int


@dataclass(frozen=True)
class WageRun:
    lines: int
    total_cents: int
    transfers: int
    replayed: bool


def parse_payroll(csv_text: str) -> list[WageLine]:
    """`prison_number,amount` per line (amount in euros, e.g. 12.50, read by money.amounts), or
    `prison_number;amount` as spreadsheets in Estonian and Russian save CSV (12,50); a header
    line is allowed. Every bad line is reported at once, so the file can be fixed in one go; a
    file that is not CSV text is refused whole."""
    if "\x00" in csv_text:
        raise InvalidInput("the payroll has a NUL character: it is not a CSV text file")
    first = next((line for line in csv_text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(csv_text), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as error:
        raise InvalidInput(
            f"the payroll cannot be read as CSV at line {reader.line_num}: {error}"
        ) from None
    lines: list[WageLine] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        if not row or not "".join(row).strip():
            continue
        if number == 1 and row[0].strip().lower() in ("prison_number", "inmate", "number"):
            continue
        if len(row) != 2:
            errors.append(
                f"line {number}: expected prison number and amount, got {len(row)} fields"
            )
            continue
        prison_number, raw_amount = row[0].strip(), row[1].strip()
        if not prison_number or len(prison_number) > MAX_PRISON_NUMBER:
            errors.append(
                f"line {number}: no prison number of at most {MAX_PRISON_NUMBER} characters"
            )
            continue
        try:
            amount_cents = parse_cents(raw_amount, most_cents=MAX_WAGE_CENTS)
        except AmountError as error:
            errors.append(f"line {number}: {error.message}")
            continue
        if prison_number in seen:
            errors.append(
                f"line {number}: {prison_number} is paid twice (also line {seen[prison_number]})"
            )
            continue
        seen[prison_number] = number
        lines.append(WageLine(number, prison_number, amount_cents))
    if errors:
        raise InvalidInput("the payroll has errors; nothing was paid: " + "; ".join(errors[:20]))
    if not lines:
        raise InvalidInput("the payroll is empty; nothing was paid")
    return lines


def wage_run(
    db: Session,
    actor: Actor,
    csv_text: str,
    *,
    key: str,
    prison_id: int,
    rules: ledger.IncomeRules,
) -> WageRun:
    """Pay a whole payroll as one operation: every line with its income split, or nothing."""
    wages = parse_payroll(csv_text)
    keys = {w.prison_number: f"{key}:{w.prison_number}" for w in wages}
    first_keys = _split_keys(keys[wages[0].prison_number])
    if _done_before(db, first_keys):
        previous = [t for chunk in _chunks(list(keys.values()), 2000) for t in _run_of(db, chunk)]
        return WageRun(len(wages), sum(t.amount_cents for t in previous), len(previous), True)

    inmates: dict[str, tuple[int, str]] = {}  # prison number: (inmate id, legal status)
    for chunk in _chunks([w.prison_number for w in wages], 5000):
        rows = db.execute(
            select(Inmate.prison_number, Inmate.id, Inmate.legal_status).where(
                Inmate.prison_number.in_(chunk), Inmate.prison_id == prison_id
            )
        )
        inmates.update((number, (inmate_id, status)) for number, inmate_id, status in rows)
    unknown = [w for w in wages if w.prison_number not in inmates]
    if unknown:
        names = ", ".join(f"line {w.line}: {w.prison_number}" for w in unknown[:20])
        raise InvalidInput(f"no such inmate in this prison ({names}); nothing was paid")
    payroll = prison_account(db, prison_id, "payroll")
    ids = _account_ids(db, [(inmate_id, n) for n, (inmate_id, _) in inmates.items()])
    locked = ledger.lock_accounts(db, [n for trio in ids.values() for n in trio[1:]])
    remaining = _debts_remaining(
        db, {i: locked[trio[2]].posted_credits_cents for i, trio in ids.items()}
    )
    requests: list[TransferRequest] = []
    for wage in wages:
        inmate_id, status = inmates[wage.prison_number]
        spendable, release_fund, debts = ids[inmate_id]
        split = ledger.split_income(
            wage.amount_cents,
            convicted=status == LegalStatus.CONVICTED,
            debts_remaining_cents=remaining[inmate_id],
            release_fund_cents=locked[release_fund].posted_cents,
            rules=rules,
        )
        requests += _split_requests(
            key=keys[wage.prison_number],
            source_id=payroll.id,
            account_ids=(spendable, release_fund, debts),
            split=split,
            code=TransferCode.WAGE,
            reason="wages",
            reference=key[:100],
        )
    made = ledger.apply_many(db, requests, requested_by=actor.name)
    total = sum(w.amount_cents for w in wages)
    record(
        db,
        actor,
        "money.wage_run",
        target_type="prison",
        target_id=prison_id,
        key=key,
        lines=len(wages),
        total_cents=total,
    )
    return WageRun(len(wages), total, made, False)


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _run_of(db: Session, keys: list[str]) -> list[Transfer]:
    every = [k for key in keys for k in _split_keys(key)]
    return _done_before(db, every)


@dataclass(frozen=True)
class InmateBalances:
    spendable_cents: int
    held_cents: int
    release_fund_cents: int
    debts_set_aside_cents: int

    @property
    def available_cents(self) -> int:
        return self.spendable_cents - self.held_cents


def balances_for(db: Session, inmate: Inmate) -> InmateBalances:
    accounts = inmate_accounts(db, inmate)  # read fresh, totals included
    return InmateBalances(
        spendable_cents=accounts.spendable.posted_cents,
        held_cents=accounts.spendable.pending_debits_cents,
        release_fund_cents=accounts.release_fund.posted_cents,
        debts_set_aside_cents=accounts.debts.posted_cents,
    )


@dataclass(frozen=True)
class MoneyLine:
    """One movement on an inmate's spendable account, for the inmate's own screens."""

    id: int
    at: datetime
    code: str
    kind: str  # single | pending | post | void | expire
    amount_cents: int  # money in positive, out negative; for holds the amount held
    reason: str
    reference: str


def recent_transfers(
    db: Session, inmate: Inmate, *, limit: int = 20, before_id: int | None = None
) -> list[MoneyLine]:
    if not 1 <= limit <= 200:
        raise InvalidInput("limit must be between 1 and 200")
    account_id = inmate_accounts(db, inmate).spendable.id
    stmt = select(Transfer).where(
        or_(Transfer.debit_account_id == account_id, Transfer.credit_account_id == account_id)
    )
    if before_id is not None:
        stmt = stmt.where(Transfer.id < before_id)
    lines = []
    for t in db.scalars(stmt.order_by(Transfer.id.desc()).limit(limit)):
        sign = 1 if t.credit_account_id == account_id else -1
        lines.append(
            MoneyLine(
                id=t.id,
                at=t.created_at,
                code=t.code,
                kind=t.kind,
                amount_cents=sign * t.amount_cents,
                reason=t.reason,
                reference=t.reference,
            )
        )
    return lines


def inmate_by_number(db: Session, prison_number: str) -> Inmate:
    inmate = db.scalar(select(Inmate).where(Inmate.prison_number == prison_number))
    if inmate is None:
        raise NotFound(f"no inmate with prison number {prison_number}")
    return inmate

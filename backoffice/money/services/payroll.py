"""The payroll: a CSV of wages read and checked whole, then paid as one operation, every line
with its income split."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from ledger import Transfer, TransferCode, TransferRequest

from ...audit.services import Actor, record
from ...errors import InvalidInput
from ...people.models import Inmate, LegalStatus
from ..amounts import AmountError, parse_cents
from .accounts import _account_ids, _chunks, prison_account
from .income import _debts_remaining, _done_before, _split_keys, _split_requests

# No payroll line pays more; anything larger is a typing mistake.
MAX_WAGE_CENTS = 10_000_000
# A prison number is at most this long (the column's length); a longer one is not a number.
MAX_PRISON_NUMBER = 32


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
            "the payroll cannot be read as CSV at line %(line)s: %(error)s",
            line=reader.line_num,
            error=str(error),
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
        raise InvalidInput(
            "the payroll has errors; nothing was paid: %(errors)s", errors="; ".join(errors[:20])
        )
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
        raise InvalidInput(
            "no such inmate in this prison (%(lines)s); nothing was paid", lines=names
        )
    payroll = prison_account(db, prison_id, "payroll")
    ids = _account_ids(db, [(inmate_id, n, prison_id) for n, (inmate_id, _) in inmates.items()])
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


def _run_of(db: Session, keys: list[str]) -> list[Transfer]:
    every = [k for key in keys for k in _split_keys(key)]
    return _done_before(db, every)

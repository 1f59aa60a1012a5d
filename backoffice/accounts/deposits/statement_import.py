"""A bank statement's lines checked and imported: each line credited, held for a security
officer, refused as a mistake, or recognised as imported before; a preview changes nothing."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import String, insert, select
from sqlalchemy.orm import Session

import ledger

from ...audit.services import Actor, record, record_each
from ...db import matching, utcnow
from ...money.amounts import LEDGER_MOST_CENTS, euros
from ...money.services import Credit, receive_many, receive_money
from ...people.models import Inmate, InmateStatus, Prison
from ...settings import Settings, SettingsError
from ..csvimport import StatementLine, parse_statement
from ..models import Deposit, DepositStatus
from ..services import is_month_closed, local_today


@dataclass(frozen=True)
class SecurityRules:
    check_days: int = 7
    max_senders_per_inmate: int = 3
    max_inmates_per_sender: int = 3
    hold_over_cents: int = 12000
    max_line_cents: int = 1_000_000

    @classmethod
    def from_settings(cls, settings: Settings) -> SecurityRules:
        section = settings["accounts"]
        for name in ("check_days", "max_senders_per_inmate", "max_inmates_per_sender"):
            if section[name] < 1:
                raise SettingsError(f"accounts.{name}: must be 1 or more, got {section[name]}")
        if section["hold_over_cents"] < 0:
            raise SettingsError("accounts.hold_over_cents: must be 0 or more")
        if not 1 <= section["max_line_cents"] <= LEDGER_MOST_CENTS:
            raise SettingsError(
                f"accounts.max_line_cents: must be from 1 to {LEDGER_MOST_CENTS} (what the "
                f"ledger holds), got {section['max_line_cents']}"
            )
        return cls(
            check_days=section["check_days"],
            max_senders_per_inmate=section["max_senders_per_inmate"],
            max_inmates_per_sender=section["max_inmates_per_sender"],
            hold_over_cents=section["hold_over_cents"],
            max_line_cents=section["max_line_cents"],
        )


@dataclass(frozen=True)
class LineOutcome:
    """What happens (or would happen) to one line: credit, hold, duplicate or error."""

    line: StatementLine
    action: str  # credit | hold | duplicate | error
    inmate: Inmate | None
    reasons: tuple[str, ...] = ()
    deposit_id: int | None = None

    @property
    def message(self) -> str:
        if self.action == "error":
            return self.line.error
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class ImportResult:
    batch: str
    outcomes: list[LineOutcome]

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def credited_cents(self) -> int:
        return sum(o.line.amount_cents for o in self.outcomes if o.action == "credit")


def ledger_key(bank_reference: str) -> str:
    return f"bank:{bank_reference}"


def _sender_key(deposit: Deposit) -> str:
    return deposit.sender_account or "name:" + " ".join(deposit.sender_name.lower().split())


@dataclass
class _Window:
    """Deposits seen in the check window: stored ones, then this file's earlier lines."""

    senders_of: dict[int, list[tuple[str, date]]]
    inmates_of: dict[str, list[tuple[int, date]]]


def _stored(db: Session, rules: SecurityRules, days: list[date]) -> _Window:
    """The window's stored deposits for lines booked on `days`, read in one query."""
    window = _Window({}, {})
    if not days:
        return window
    since = min(days) - timedelta(days=rules.check_days - 1)
    stored = db.execute(
        select(
            Deposit.inmate_id, Deposit.sender_account, Deposit.sender_name, Deposit.booked_on
        ).where(Deposit.booked_on >= since, Deposit.booked_on <= max(days))
    )
    for inmate_id, account, name, on in stored:
        key = account or "name:" + " ".join(name.lower().split())
        window.senders_of.setdefault(inmate_id, []).append((key, on))
        window.inmates_of.setdefault(key, []).append((inmate_id, on))
    return window


def _earlier(
    window: _Window, rules: SecurityRules, inmate_id: int, sender: str, day: date
) -> tuple[set[str], set[int]]:
    since = day - timedelta(days=rules.check_days - 1)
    senders = {s for s, on in window.senders_of.get(inmate_id, []) if since <= on <= day}
    inmates = {i for i, on in window.inmates_of.get(sender, []) if since <= on <= day}
    return senders, inmates


def hold_reasons(
    db: Session, rules: SecurityRules, window: _Window, line: StatementLine, inmate: Inmate
) -> list[str]:
    """The security rules this line meets (none: it may be credited). The window holds the
    stored deposits around the line's day (`_stored`) and the file's earlier lines."""
    assert line.booked_on is not None
    sender = line.sender_key
    senders, inmates = _earlier(window, rules, inmate.id, sender, line.booked_on)
    senders.add(sender)
    inmates.add(inmate.id)
    reasons = []
    if len(senders) > rules.max_senders_per_inmate:
        reasons.append(
            f"{inmate.prison_number} would have {len(senders)} different senders within "
            f"{rules.check_days} days (more than {rules.max_senders_per_inmate})"
        )
    if len(inmates) > rules.max_inmates_per_sender:
        reasons.append(
            f"this sender would have paid {len(inmates)} different inmates within "
            f"{rules.check_days} days (more than {rules.max_inmates_per_sender})"
        )
    if line.amount_cents > rules.hold_over_cents:
        reasons.append(
            f"{euros(line.amount_cents)} is over the single-amount limit of "
            f"{euros(rules.hold_over_cents)}"
        )
    return reasons


def _evaluate(
    db: Session, prison: Prison, lines: list[StatementLine], rules: SecurityRules
) -> list[LineOutcome]:
    numbers = {line.prison_number for line in lines if line.prison_number}
    inmates = (
        {
            i.prison_number: i
            for i in db.scalars(select(Inmate).where(Inmate.prison_number.in_(numbers)))
        }
        if numbers
        else {}
    )
    references = [line.bank_reference for line in lines if line.bank_reference]
    done = {
        d.bank_reference: d
        for condition in matching(db, Deposit.bank_reference, references, String)
        for d in db.scalars(select(Deposit).where(condition))
    }
    today = local_today(prison.timezone)
    window = _stored(db, rules, [line.booked_on for line in lines if line.booked_on])
    closed: dict[date, bool] = {}
    seen: dict[str, int] = {}
    outcomes: list[LineOutcome] = []
    for line in lines:
        if line.error:
            outcomes.append(LineOutcome(line, "error", None))
            continue
        inmate = inmates.get(line.prison_number)
        error = ""
        assert line.booked_on is not None
        if line.bank_reference in seen:
            error = f"the same bank reference as line {seen[line.bank_reference]}"
        elif line.bank_reference in done:
            before = done[line.bank_reference]
            outcomes.append(
                LineOutcome(
                    line,
                    "duplicate",
                    before.inmate,
                    (
                        f"imported before on {before.imported_at:%Y-%m-%d} ({before.status}); "
                        "not credited again",
                    ),
                    before.id,
                )
            )
            seen[line.bank_reference] = line.line
            continue
        elif inmate is None or inmate.prison_id != prison.id:
            error = f"no inmate {line.prison_number} in {prison.name}"
        elif inmate.status != InmateStatus.ACTIVE:
            error = f"{line.prison_number} is {inmate.status}: return the money to the sender"
        elif line.booked_on > today:
            error = f"booked on {line.booked_on.isoformat()}, which is in the future"
        elif _closed(db, prison.id, line.booked_on, closed):
            error = f"{line.booked_on:%B %Y} is closed; book it in an open month"
        seen.setdefault(line.bank_reference, line.line)
        if error:
            bad = StatementLine(**{**line.__dict__, "error": error})
            outcomes.append(LineOutcome(bad, "error", inmate))
            continue
        assert inmate is not None
        reasons = hold_reasons(db, rules, window, line, inmate)
        window.senders_of.setdefault(inmate.id, []).append((line.sender_key, line.booked_on))
        window.inmates_of.setdefault(line.sender_key, []).append((inmate.id, line.booked_on))
        outcomes.append(LineOutcome(line, "hold" if reasons else "credit", inmate, tuple(reasons)))
    return outcomes


def new_deposit(prison: Prison, outcome: LineOutcome, *, batch: str, imported_by: str) -> Deposit:
    """The deposit row of a line to credit or to hold, as the bank and the rules gave it."""
    return Deposit(**_deposit_values(prison, outcome, batch=batch, imported_by=imported_by))


def _deposit_values(
    prison: Prison, outcome: LineOutcome, *, batch: str, imported_by: str
) -> dict[str, Any]:
    line, inmate = outcome.line, outcome.inmate
    assert outcome.action in ("credit", "hold")
    assert inmate is not None and line.booked_on is not None
    return {
        "bank_reference": line.bank_reference,
        "prison_id": prison.id,
        "inmate_id": inmate.id,
        "booked_on": line.booked_on,
        "amount_cents": line.amount_cents,
        "sender_name": line.sender_name,
        "sender_account": line.sender_account,
        "message": line.message,
        "status": (
            DepositStatus.CREDITED.value if outcome.action == "credit" else DepositStatus.HELD.value
        ),
        "hold_reasons": list(outcome.reasons),
        "import_batch": batch,
        "imported_by": imported_by,
        "decided_by": "",
        "decision_reason": "",
        "ledger_key": ledger_key(line.bank_reference),
    }


def preview_import(
    db: Session, prison: Prison, csv_text: str, *, rules: SecurityRules
) -> list[LineOutcome]:
    """What importing this statement would do, line by line. Changes nothing."""
    return _evaluate(db, prison, parse_statement(csv_text, most_cents=rules.max_line_cents), rules)


def _closed(db: Session, prison_id: int, day: date, known: dict[date, bool]) -> bool:
    month = day.replace(day=1)
    if month not in known:
        known[month] = is_month_closed(db, prison_id, month)
    return known[month]


def preview_lines(
    db: Session, prison: Prison, lines: list[StatementLine], *, rules: SecurityRules
) -> list[LineOutcome]:
    """preview_import for lines read from any bank format."""
    return _evaluate(db, prison, lines, rules)


def import_statement(
    db: Session,
    actor: Actor,
    prison: Prison,
    csv_text: str,
    *,
    rules: SecurityRules,
    income: ledger.IncomeRules,
) -> ImportResult:
    """Credit the good lines (split by the income rules), hold the suspicious ones for a
    security officer, skip lines imported before, and report the bad ones (nothing is done with
    them: fix them and import the file again)."""
    lines = parse_statement(csv_text, most_cents=rules.max_line_cents)
    batch = "B" + hashlib.sha256(csv_text.encode()).hexdigest()[:16]
    return import_lines(db, actor, prison, lines, batch=batch, rules=rules, income=income)


def import_lines(
    db: Session,
    actor: Actor,
    prison: Prison,
    lines: list[StatementLine],
    *,
    batch: str,
    rules: SecurityRules,
    income: ledger.IncomeRules,
) -> ImportResult:
    """import_statement for lines read from any bank format (a CSV, a camt.053 statement)."""
    # One import at a time per prison: the security rules count what is stored, so two imports
    # side by side could each see three senders where together they make four; and a statement
    # imported twice at once waits for the first and then finds its lines imported.
    db.execute(select(Prison.id).where(Prison.id == prison.id).with_for_update())
    outcomes = _evaluate(db, prison, lines, rules)
    new = [o for o in outcomes if o.action in ("credit", "hold")]
    rows = [_deposit_row(o, prison, actor, batch) for o in new]
    # One insert for the whole statement (thousands of lines).
    ids: dict[str, int] = {}
    if rows:
        # Without RETURNING the driver sends the rows as one prepared batch; the ids are read
        # back by the bank references, which are unique.
        db.execute(insert(Deposit.__table__), rows)
        references = [row["bank_reference"] for row in rows]
        for condition in matching(db, Deposit.bank_reference, references, String):
            ids.update(
                db.execute(select(Deposit.bank_reference, Deposit.id).where(condition)).all()
            )
    _credit_all(db, actor, prison, [o for o in new if o.action == "credit"], income, batch)
    held = [
        ("inmate", o.inmate.id if o.inmate else "", {
            "deposit_id": ids[o.line.bank_reference], "amount_cents": o.line.amount_cents,
            "reasons": list(o.reasons)})
        for o in new
        if o.action == "hold"
    ]  # fmt: skip
    record_each(db, actor, "accounts.deposit_held", held)
    result = [
        LineOutcome(o.line, o.action, o.inmate, o.reasons, deposit_id=ids[o.line.bank_reference])
        if o.action in ("credit", "hold")
        else o
        for o in outcomes
    ]
    imported = ImportResult(batch, result)
    record(
        db,
        actor,
        "accounts.statement_imported",
        target_type="prison",
        target_id=prison.id,
        batch=batch,
        credited=imported.count("credit"),
        held=imported.count("hold"),
        duplicates=imported.count("duplicate"),
        errors=imported.count("error"),
        credited_cents=imported.credited_cents,
    )
    return imported


def _deposit_row(outcome: LineOutcome, prison: Prison, actor: Actor, batch: str) -> dict[str, Any]:
    """new_deposit's row as the values of one insert (every column, for one statement)."""
    values = _deposit_values(prison, outcome, batch=batch, imported_by=actor.name)
    return {**values, "imported_at": utcnow(), "decided_at": None}


def _credit_all(
    db: Session,
    actor: Actor,
    prison: Prison,
    credits: list[LineOutcome],
    income: ledger.IncomeRules,
    batch: str,
) -> None:
    """Every deposit of the statement credited at once, each split as _credit splits one."""
    receive_many(
        db,
        actor,
        [
            Credit(
                inmate_id=o.inmate.id,
                prison_number=o.inmate.prison_number,
                legal_status=o.inmate.legal_status,
                key=ledger_key(o.line.bank_reference),
                amount_cents=o.line.amount_cents,
                reason=f"family deposit {o.line.booked_on.isoformat()}",
                reference=o.line.bank_reference,
            )
            for o in credits
            if o.inmate is not None and o.line.booked_on is not None
        ],
        prison_id=prison.id,
        source_code="family_deposits",
        code=ledger.TransferCode.DEPOSIT,
        rules=income,
        batch=batch,
    )


def _credit(
    db: Session, actor: Actor, deposit: Deposit, inmate: Inmate, income: ledger.IncomeRules
) -> None:
    # The journal keeps the bank's reference, never the sender's name: the journal cannot be
    # changed, and the sender's name must be pseudonymised one day (see retention.py).
    receive_money(
        db,
        actor,
        inmate,
        key=deposit.ledger_key,
        amount_cents=deposit.amount_cents,
        source_code="family_deposits",
        code=ledger.TransferCode.DEPOSIT,
        reason=f"family deposit {deposit.booked_on.isoformat()}",
        rules=income,
        reference=deposit.bank_reference,
    )


def as_dict(outcome: LineOutcome) -> dict[str, Any]:
    line = outcome.line
    return {
        "line": line.line,
        "action": outcome.action,
        "booked_on": line.booked_on.isoformat() if line.booked_on else "",
        "amount_cents": line.amount_cents,
        "sender_name": line.sender_name,
        "prison_number": line.prison_number,
        "bank_reference": line.bank_reference,
        "message": outcome.message,
    }

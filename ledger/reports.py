"""Reading the ledger: balances, statements, the trial balance, and the proofs that nothing is
wrong (`check` for every invariant, `verify_chain` for the hash chain)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from .base import utcnow
from .errors import UnknownAccount
from .models import (
    GENESIS_HASH,
    RESOLUTIONS,
    Account,
    Ledger,
    Seal,
    SealQueue,
    Transfer,
    TransferKind,
)
from .sealing import chain_link, content_hash_of

POSTED_KINDS = (TransferKind.SINGLE, TransferKind.POST)
# A transfer waits a second or so for its seal while the sealer runs; this long, and it is not.
SEAL_OVERDUE = timedelta(minutes=10)


@dataclass(frozen=True)
class Balance:
    account_id: int
    posted_cents: int
    pending_debits_cents: int
    pending_credits_cents: int
    posted_credits_cents: int  # everything ever credited (e.g. all ever set aside for debts)

    @property
    def available_cents(self) -> int:
        """What may still be spent: posted money less every open hold on it."""
        return self.posted_cents - self.pending_debits_cents


def balance(db: Session, account_id: int) -> Balance:
    row = db.execute(
        select(
            Account.posted_credits_cents - Account.posted_debits_cents,
            Account.pending_debits_cents,
            Account.pending_credits_cents,
            Account.posted_credits_cents,
        ).where(Account.id == account_id)
    ).first()
    if row is None:
        raise UnknownAccount(f"no account with id {account_id}")
    return Balance(account_id, *(int(value) for value in row))


@dataclass(frozen=True)
class StatementLine:
    transfer: Transfer
    amount_cents: int  # signed: money in is positive, money out negative
    running_cents: int


@dataclass(frozen=True)
class Statement:
    account: Account
    since: datetime | None
    until: datetime | None
    opening_cents: int
    lines: list[StatementLine]
    open_holds: list[Transfer]

    @property
    def closing_cents(self) -> int:
        return self.lines[-1].running_cents if self.lines else self.opening_cents


def _signed(account_id: int) -> Any:
    return case(
        (Transfer.credit_account_id == account_id, Transfer.amount_cents),
        else_=-Transfer.amount_cents,
    )


def statement(
    db: Session,
    account_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Statement:
    """Posted movements of one account in [since, until) with a running balance, and the holds
    still open on it."""
    account = db.get(Account, account_id)
    if account is None:
        raise UnknownAccount(f"no account with id {account_id}")
    touches = or_(Transfer.debit_account_id == account_id, Transfer.credit_account_id == account_id)
    posted = and_(touches, Transfer.kind.in_(POSTED_KINDS))
    opening = 0
    if since is not None:
        opening = int(
            db.scalar(
                select(func.coalesce(func.sum(_signed(account_id)), 0)).where(
                    posted, Transfer.created_at < since
                )
            )
            or 0
        )
    stmt = select(Transfer).where(posted)
    if since is not None:
        stmt = stmt.where(Transfer.created_at >= since)
    if until is not None:
        stmt = stmt.where(Transfer.created_at < until)
    lines = []
    running = opening
    for transfer in db.scalars(stmt.order_by(Transfer.id)):
        amount = (
            transfer.amount_cents
            if transfer.credit_account_id == account_id
            else -transfer.amount_cents
        )
        running += amount
        lines.append(StatementLine(transfer, amount, running))
    resolved = select(Transfer.pending_id).where(Transfer.pending_id.is_not(None))
    holds = db.scalars(
        select(Transfer)
        .where(touches, Transfer.kind == TransferKind.PENDING, Transfer.id.not_in(resolved))
        .order_by(Transfer.id)
    ).all()
    return Statement(account, since, until, opening, lines, list(holds))


@dataclass(frozen=True)
class TrialBalanceLine:
    account: Account
    posted_cents: int
    pending_debits_cents: int
    pending_credits_cents: int


def trial_balance(db: Session, ledger_id: int) -> list[TrialBalanceLine]:
    accounts = db.scalars(
        select(Account).where(Account.ledger_id == ledger_id).order_by(Account.code)
    )
    return [
        TrialBalanceLine(a, a.posted_cents, a.pending_debits_cents, a.pending_credits_cents)
        for a in accounts
    ]


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: str | None
    # Single transfers committed on PostgreSQL and not sealed yet (the sealer,
    # `ledger.seal_waiting`, seals them within a second while it runs), and when the oldest
    # of them joined the seal queue.
    waiting: int = 0
    waiting_since: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.first_break is None


_CHAIN_COLUMNS = (
    Transfer.id,
    Transfer.ledger_id,
    Transfer.key,
    Transfer.kind,
    Transfer.code,
    Transfer.debit_account_id,
    Transfer.credit_account_id,
    Transfer.amount_cents,
    Transfer.pending_id,
    Transfer.requested_by,
    Transfer.reason,
    Transfer.reference,
    Transfer.created_at,
    Transfer.expires_at,
    Transfer.content_hash,
    Seal.sequence,
    Seal.chain_hash,
    Seal.ledger_id.label("sealed_in"),
)


def verify_chain(db: Session, ledger_id: int | None = None) -> ChainReport:
    """Walk each ledger's journal (or one ledger's) in order and recompute every link; report
    the first break."""
    checked = waiting = 0
    heads = select(Ledger).order_by(Ledger.id).execution_options(populate_existing=True)
    if ledger_id is not None:
        heads = heads.where(Ledger.id == ledger_id)
    for ledger in db.scalars(heads).all():
        count, unsealed, problem = _walk(db, ledger)
        checked += count
        waiting += unsealed
        if problem:
            return ChainReport(checked, problem, waiting)
    oldest = select(func.min(SealQueue.queued_at))
    if ledger_id is not None:
        oldest = oldest.where(SealQueue.ledger_id == ledger_id)
    since = db.scalar(oldest) if waiting else None
    return ChainReport(checked, None, waiting, since)


def _one_snapshot(db: Session) -> None:
    """On PostgreSQL, a proof that starts a transaction reads everything from one snapshot:
    what commits meanwhile (transfers, the sealer's seals) cannot make it see a break or a
    difference that is not there."""
    if not db.in_transaction() and db.get_bind().dialect.name == "postgresql":
        db.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _walk(db: Session, ledger: Ledger) -> tuple[int, int, str | None]:
    """The sealed transfers in chain order, then those not sealed: each of these must be
    waiting in the seal queue. Returns how many are sealed and how many wait, and the first
    break. The journal, the queue and the head are read by one statement, so in one snapshot:
    a seal committed meanwhile cannot look like a break."""
    previous = GENESIS_HASH
    sequence = unsealed = 0
    head = (ledger.head_sequence, ledger.head_hash)  # with no transfer, nothing can have moved it
    here = Ledger.id == ledger.id
    stmt = (
        select(
            *_CHAIN_COLUMNS,
            SealQueue.transfer_id.is_not(None).label("queued"),
            select(Ledger.head_sequence).where(here).scalar_subquery().label("head_sequence"),
            select(Ledger.head_hash).where(here).scalar_subquery().label("head_hash"),
        )
        .outerjoin(Seal, Seal.transfer_id == Transfer.id)
        .outerjoin(SealQueue, SealQueue.transfer_id == Transfer.id)
        .where(Transfer.ledger_id == ledger.id)
        .order_by(Seal.sequence.nulls_last(), Transfer.id)
        .execution_options(yield_per=2000)
    )
    with db.execute(stmt) as rows:
        for row in rows:
            values = row._asdict()
            head = (values["head_sequence"], values["head_hash"])
            if values["sequence"] is not None:
                sequence += 1
            elif values["queued"]:
                unsealed += 1
            problem = _break_at(values, ledger, sequence, previous)
            if problem:
                return sequence, unsealed, problem
            if values["sequence"] is not None:
                previous = values["chain_hash"]
    if (sequence, previous) != head:
        return (
            sequence,
            unsealed,
            (
                f"ledger {ledger.code}: the journal ends at sequence {sequence} but the chain head "
                f"says {head[0]}; transfers were removed or the head was changed"
            ),
        )
    return sequence, unsealed, None


def _break_at(values: dict[str, Any], ledger: Ledger, sequence: int, previous: str) -> str | None:
    """What is wrong with this transfer as the `sequence`-th of its ledger's chain, or as one
    waiting for its seal, if anything."""
    waiting = values["sequence"] is None
    place = "waiting for its seal" if waiting else f"sequence {values['sequence']}"
    where = f"ledger {ledger.code}, transfer {values['id']} ({place})"
    if waiting and not values["queued"]:
        return (
            f"ledger {ledger.code}, transfer {values['id']}: it is neither sealed into the chain "
            "nor waiting for its seal; it was written past the ledger, or taken out of the seal "
            "queue"
        )
    if not waiting and values["sealed_in"] != ledger.id:
        return f"{where}: its seal places it in the chain of ledger {values['sealed_in']}"
    if not waiting and values["sequence"] != sequence:
        return f"{where}: expected sequence {sequence}; a transfer is missing"
    if content_hash_of(values) != values["content_hash"]:
        return f"{where}: its contents do not match its hash; it was changed after it was written"
    if not waiting and (
        chain_link(previous, ledger.id, sequence, values["content_hash"]) != values["chain_hash"]
    ):
        return (
            f"{where}: its hash does not follow from the transfer before it; the chain was "
            "rewritten"
        )
    return None


_sum_amount = func.sum(Transfer.amount_cents)


def recomputed_totals(db: Session, ledger_id: int | None = None) -> dict[int, list[int]]:
    """Each account's four totals (of one ledger's, or of every ledger's) summed from the
    journal alone."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    mine = true() if ledger_id is None else Transfer.ledger_id == ledger_id
    posted = (
        select(
            Transfer.debit_account_id, Transfer.credit_account_id, func.sum(Transfer.amount_cents)
        )
        .where(Transfer.kind.in_(POSTED_KINDS), mine)
        .group_by(Transfer.debit_account_id, Transfer.credit_account_id)
    )
    for debit, credit, amount in db.execute(posted):
        totals[debit][0] += int(amount)
        totals[credit][1] += int(amount)
    resolved = select(Transfer.pending_id).where(Transfer.pending_id.is_not(None))
    pending = (
        select(
            Transfer.debit_account_id, Transfer.credit_account_id, func.sum(Transfer.amount_cents)
        )
        .where(Transfer.kind == TransferKind.PENDING, Transfer.id.not_in(resolved), mine)
        .group_by(Transfer.debit_account_id, Transfer.credit_account_id)
    )
    for debit, credit, amount in db.execute(pending):
        totals[debit][2] += int(amount)
        totals[credit][3] += int(amount)
    return totals


def check(db: Session, ledger_id: int | None = None) -> list[str]:
    """Every invariant of every ledger (or of one ledger: its books alone), proven on the live
    database. Empty means all hold."""
    _one_snapshot(db)
    problems: list[str] = []
    in_transfers = true() if ledger_id is None else Transfer.ledger_id == ledger_id
    in_accounts = true() if ledger_id is None else Account.ledger_id == ledger_id
    debit, credit = aliased(Account), aliased(Account)
    crossed = db.scalar(
        select(func.count())
        .select_from(Transfer)
        .join(debit, debit.id == Transfer.debit_account_id)
        .join(credit, credit.id == Transfer.credit_account_id)
        .where(
            or_(debit.ledger_id != Transfer.ledger_id, credit.ledger_id != Transfer.ledger_id),
            in_transfers,
        )
    )
    if crossed:
        problems.append(f"{crossed} transfers move money between ledgers")

    sums = db.execute(
        select(
            Account.ledger_id,
            func.sum(Account.posted_credits_cents - Account.posted_debits_cents),
            func.sum(Account.pending_debits_cents),
            func.sum(Account.pending_credits_cents),
        )
        .where(in_accounts)
        .group_by(Account.ledger_id)
    )
    for summed, posted, pending_debits, pending_credits in sums:
        if posted != 0:
            problems.append(f"ledger {summed}: balances sum to {posted} cents, not 0")
        if pending_debits != pending_credits:
            problems.append(
                f"ledger {summed}: pending debits {pending_debits} != credits {pending_credits}"
            )

    totals = recomputed_totals(db, ledger_id)
    for account in db.scalars(select(Account).where(in_accounts).order_by(Account.id)):
        cached = [
            account.posted_debits_cents,
            account.posted_credits_cents,
            account.pending_debits_cents,
            account.pending_credits_cents,
        ]
        if cached != totals.get(account.id, [0, 0, 0, 0]):
            problems.append(
                f"account {account.code}: cached totals {cached} differ from the journal's "
                f"{totals.get(account.id, [0, 0, 0, 0])}"
            )
        if account.no_overdraft and account.available_cents < 0:
            problems.append(f"account {account.code} is below zero: {account.available_cents}")

    hold = aliased(Transfer)
    bad_resolutions = db.scalar(
        select(func.count())
        .select_from(Transfer)
        .join(hold, hold.id == Transfer.pending_id)
        .where(
            in_transfers,
            Transfer.kind.in_(RESOLUTIONS),
            or_(
                hold.kind != TransferKind.PENDING,
                Transfer.amount_cents > hold.amount_cents,
                Transfer.debit_account_id != hold.debit_account_id,
                Transfer.credit_account_id != hold.credit_account_id,
            ),
        )
    )
    if bad_resolutions:
        problems.append(f"{bad_resolutions} resolutions do not match their hold")

    report = verify_chain(db, ledger_id)
    if not report.ok:
        problems.append(f"hash chain: {report.first_break}")
    elif report.waiting_since is not None and report.waiting_since < utcnow() - SEAL_OVERDUE:
        problems.append(
            f"{report.waiting} transfers wait for their seal, the oldest since "
            f"{report.waiting_since:%Y-%m-%d %H:%M:%S} UTC: the sealer is not running; start "
            "`cellgate ledger seal --every 1`"
        )
    return problems

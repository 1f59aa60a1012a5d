"""Money in for an inmate, split by the income rules between what they may spend, their debts
and their release fund; and the debts that split pays."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from ledger import Transfer, TransferCode, TransferRequest

from ...audit.services import Actor, record
from ...errors import InvalidInput
from ...people.models import Inmate, LegalStatus
from ...settings import Settings
from ..models import Creditor, Debt
from .accounts import inmate_accounts, prison_account


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
    decision_reference: str = "",
    priority: int = 1,
    payee_name: str = "",
    payee_iban: str = "",
) -> Debt:
    if creditor not in {c.value for c in Creditor}:
        raise InvalidInput("unknown creditor %(creditor)r", creditor=creditor)
    if amount_cents <= 0:
        raise InvalidInput("a debt is a positive amount of cents")
    if not 1 <= priority <= 9:
        raise InvalidInput("a debt's priority is 1 (paid first) to 9")
    debt = Debt(
        inmate_id=inmate.id,
        creditor=creditor,
        amount_cents=amount_cents,
        description=description.strip()[:500],
        registered_by=actor.name,
        decision_reference=" ".join(decision_reference.split())[:100],
        priority=priority,
        payee_name=" ".join(payee_name.split())[:140],
        payee_iban="".join(payee_iban.split()).upper()[:34],
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

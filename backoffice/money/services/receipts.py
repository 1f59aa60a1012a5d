"""Money in for many inmates at once (a bank statement's deposits): each credit split by the
income rules as receive_money would split it, in order, so that two credits to one inmate in
one batch see each other; all of it one ledger operation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

import ledger
from ledger import TransferRequest

from ...audit.services import Actor, record_each
from ...people.models import LegalStatus
from .accounts import _account_ids, _chunks, prison_account
from .income import _debts_remaining, _done_before, _split_keys, _split_requests


@dataclass(frozen=True)
class Credit:
    inmate_id: int
    prison_number: str
    legal_status: str
    key: str
    amount_cents: int
    reason: str
    reference: str = ""


def receive_many(
    db: Session,
    actor: Actor,
    credits: Sequence[Credit],
    *,
    prison_id: int,
    source_code: str,
    code: str,
    rules: ledger.IncomeRules,
    batch: str,
) -> int:
    """Credit every one not credited before (its key names it); the number of transfers."""
    if not credits:
        return 0
    keys = [k for c in credits for k in _split_keys(c.key)]
    done = {t.key for chunk in _chunks(keys, 2000) for t in _done_before(db, chunk)}
    todo = [c for c in credits if c.key not in done]
    if not todo:
        return 0
    source = prison_account(db, prison_id, source_code)
    # Every credit is for an inmate of this prison: his accounts in its books.
    ids = _account_ids(db, list({c.inmate_id: (c.inmate_id, c.prison_number, prison_id)
                                 for c in todo}.values()))  # fmt: skip
    locked = ledger.lock_accounts(db, [n for trio in ids.values() for n in trio[1:]])
    remaining = _debts_remaining(
        db, {i: locked[trio[2]].posted_credits_cents for i, trio in ids.items()}
    )
    release = {i: locked[trio[1]].posted_cents for i, trio in ids.items()}
    requests: list[TransferRequest] = []
    audited: list[tuple[str, int, dict[str, object]]] = []
    for credit in todo:
        split = ledger.split_income(
            credit.amount_cents,
            convicted=credit.legal_status == LegalStatus.CONVICTED,
            debts_remaining_cents=remaining[credit.inmate_id],
            release_fund_cents=release[credit.inmate_id],
            rules=rules,
        )
        remaining[credit.inmate_id] -= split.debts_cents
        release[credit.inmate_id] += split.release_fund_cents
        requests += _split_requests(
            key=credit.key,
            source_id=source.id,
            account_ids=ids[credit.inmate_id],
            split=split,
            code=code,
            reason=credit.reason,
            reference=credit.reference,
        )
        # The same row receive_money writes, so each inmate's audit log shows each credit.
        audited.append(("inmate", credit.inmate_id, {
            "amount_cents": credit.amount_cents, "code": str(code),
            "spendable_cents": split.spendable_cents, "debts_cents": split.debts_cents,
            "release_fund_cents": split.release_fund_cents, "key": credit.key, "batch": batch,
        }))  # fmt: skip
    made = ledger.apply_many(db, requests, requested_by=actor.name)
    record_each(db, actor, "money.received", audited)
    return made

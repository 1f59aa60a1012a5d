"""A released inmate's money: his spendable balance and his release fund paid out through the
maker-checker flow (an accountant enters the payouts, another approves them; only then does the
money move), and the final statement of his stay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

import ledger

from ...audit.services import Actor
from ...errors import Conflict
from ...money.services import inmate_accounts
from ...people.models import Inmate, InmateStatus
from ...words import word
from ..models import EntryKind, ManualEntry
from .common import INMATE_PARTS
from .entries import create_entry
from .statements import InmateStatement, inmate_statement

# What is paid out to a person leaving; money held for debts stays for the creditors.
PAID_OUT = ("spendable", "release_fund")
LEFT = (InmateStatus.RELEASED.value, InmateStatus.DECEASED.value)


def enter_release_payouts(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    *,
    counter: str = "cash",
    effective_on: date | None = None,
) -> list[ManualEntry]:
    """The maker's half: one pending payout per account with money on it. Holds still open
    (an order being delivered) are not paid out: cancel or deliver them first."""
    if inmate.status not in LEFT:
        raise Conflict(
            "%(number)s is %(status)s: only a person who left is paid out.",
            number=inmate.prison_number,
            status=word(inmate.status),
        )
    accounts = inmate_accounts(db, inmate)
    made = []
    for part in PAID_OUT:
        balance = ledger.balance(db, getattr(accounts, part).id)
        if balance.pending_debits_cents:
            raise Conflict(
                "%(number)s has money held on the %(part)s account still.",
                number=inmate.prison_number,
                part=word(part),
            )
        if balance.posted_cents <= 0:
            continue
        made.append(
            create_entry(
                db,
                actor,
                inmate,
                kind=EntryKind.RELEASE_PAYOUT,
                amount_cents=balance.posted_cents,
                reason=f"paid out on release: {part.replace('_', ' ')}",
                effective_on=effective_on or inmate.released_on or date.today(),
                part=part,
                counter=counter,
            )
        )
    return made


@dataclass(frozen=True)
class FinalStatement:
    inmate: Inmate
    parts: dict[str, InmateStatement]

    @property
    def paid_out(self) -> bool:
        return all(self.parts[p].closing_cents == 0 for p in PAID_OUT)


def final_statement(db: Session, inmate: Inmate) -> FinalStatement:
    """Every account of his stay, from admission to the day he left."""
    return FinalStatement(
        inmate,
        {
            part: inmate_statement(
                db, inmate, part=part, since_on=inmate.admitted_on, tz=inmate.prison.timezone
            )
            for part in INMATE_PARTS
        },
    )

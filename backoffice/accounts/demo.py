"""Demo data for the accountant and the security officer (`cellgate seed demo`): a bank
statement whose lines are held for security (one amount over the limit, one sender paying four
inmates), and a correction waiting for a second accountant's approval.

Nothing here moves money: other demos and the kiosk's end-to-end tests count on exact balances.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.services import Actor
from ..people.models import Inmate, Prison
from ..settings import load_settings
from ..staff.models import StaffUser
from . import deposits, services


def seed_demo_accounts(db: Session, actor: Actor, prison: Prison) -> None:
    inmates = list(
        db.scalars(select(Inmate).where(Inmate.prison_id == prison.id).order_by(Inmate.id).limit(6))
    )
    if len(inmates) < 6:
        return
    day = services.local_today(prison.timezone) - timedelta(days=1)
    lines = [
        "date,amount,sender_name,sender_account,bank_reference,prison_number,message",
        f"{day},250.00,Aino Kask,EE471000001020145685,DEMO-BANK-0001,{inmates[0].prison_number},",
    ]
    lines += [
        f"{day},15.00,Sergei Volkov,EE382200221020145685,DEMO-BANK-00{n + 2:02d},"
        f"{inmate.prison_number},birthday"
        for n, inmate in enumerate(inmates[1:6])
    ]
    text = "\n".join(lines) + "\n"
    outcomes = deposits.preview_import(
        db, prison, text, rules=deposits.SecurityRules.from_settings(load_settings({}))
    )
    # Only the lines the rules hold go in, held as an import would hold them: the others would
    # move money.
    for outcome in outcomes:
        if outcome.action != "hold" or outcome.inmate is None:
            continue
        db.add(deposits.new_deposit(prison, outcome, batch="DEMO", imported_by=actor.name))
    db.flush()
    accountant = db.scalar(select(StaffUser).where(StaffUser.username == "accountant"))
    if accountant is not None:
        services.create_entry(
            db,
            Actor(kind="staff", id=accountant.id, name=accountant.username),
            inmates[1],
            kind="correction",
            amount_cents=250,
            reason="shop charged a missing item twice (demo)",
            effective_on=day + timedelta(days=1),
            part="spendable",
            counter="shop",
            direction="to_inmate",
        )

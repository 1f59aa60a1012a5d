"""books per prison: each prison keeps its own ledger ("prison:<prison id>"), with its own hash
chain, trial balance and month close; the national auditor's role

Revision ID: 0009
Revises: 0008

What becomes of the one shared ledger ("main") of the revisions before. Moving its accounts into
new ledgers would be unsound: every transfer names its ledger and is hash-chained in it (the
chain link covers the ledger's id), and the journal is append-only (triggers refuse an update),
so an account cannot leave the ledger its transfers were written in. Instead:

- "main" becomes the books of the first prison (the lowest id): only its code changes, which
  no hash covers, so its chain and every seal stay valid and `ledger check` still holds;
- the money the other prisons' accounts hold in it (their own accounts and their inmates') is
  carried to each prison's new books by appended transfers, exactly as a transfer of an inmate
  between prisons carries his (in "main": the account -> the first prison's inter-prison
  clearing account; in the new book: that prison's clearing account -> the account), hash-chained
  by the ledger package itself (a second implementation of the chain here could drift from it);
  their emptied accounts stay in "main" as history. Holds still open stay with their accounts
  and are resolved in "main". Each transfer carries a key, so nothing is carried twice.

The inmates' release-fund and debts accounts may now be debited by a transfer between prisons.

Downgrade: the carried transfers cannot be undone (the journal is append-only); the downgrade
refuses when any other prison's books hold a transfer, and otherwise names the first prison's
books "main" again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

import ledger

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_ROLES = "role IN ('admin', 'shop', 'accountant', 'officer', 'requests', 'visits')"
NEW_ROLES = "role IN ('admin', 'shop', 'accountant', 'officer', 'requests', 'visits', 'auditor')"
DEBITED_ON_TRANSFER = ("inmate_release_fund", "inmate_debts")
CARRIED_BY = "cellgate db upgrade (books per prison)"


def _roles(old: str, new: str) -> None:
    """Widen (or narrow back) the CHECK on staff_roles.role, as 0002 does for inmates.status:
    SQLite's schema text is edited in place rather than the table rebuilt."""
    if op.get_context().dialect.name == "postgresql":
        op.drop_constraint("ck_staff_roles_role", "staff_roles", type_="check")
        op.create_check_constraint("ck_staff_roles_role", "staff_roles", new)
        return
    connection = op.get_bind()
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar()
    op.execute("PRAGMA writable_schema=ON")
    connection.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) "
        "WHERE type = 'table' AND name = 'staff_roles'",
        (old, new),
    )
    op.execute(f"PRAGMA schema_version={int(version) + 1}")
    op.execute("PRAGMA writable_schema=OFF")


def _owner(code: str, prison_of_inmate: dict[int, int]) -> int | None:
    """The prison an account of "main" belongs to, by its code (prison:<id>:..., inmate:<id>:...)."""
    kind, _, rest = code.partition(":")
    number = rest.partition(":")[0]
    if not number.isdigit():
        return None
    if kind == "prison":
        return int(number)
    if kind == "inmate":
        return prison_of_inmate.get(int(number))
    return None


def _split_main(db: Session) -> None:
    main = db.scalar(sa.select(ledger.Ledger).where(ledger.Ledger.code == "main"))
    prisons = list(db.scalars(sa.text("SELECT id FROM prisons ORDER BY id")))
    if main is None or not prisons:
        return
    first = prisons[0]
    main.code = f"prison:{first}"
    db.flush()
    prison_of_inmate = {i: p for i, p in db.execute(sa.text("SELECT id, prison_id FROM inmates"))}
    carried: dict[int, list[ledger.Account]] = {}
    for account in db.scalars(
        sa.select(ledger.Account)
        .where(ledger.Account.ledger_id == main.id)
        .order_by(ledger.Account.id)
    ):
        owner = _owner(account.code, prison_of_inmate)
        if owner is not None and owner != first and owner in prisons:
            carried.setdefault(owner, []).append(account)
    for prison_id, accounts in carried.items():
        book = ledger.open_ledger(db, code=f"prison:{prison_id}", currency=main.currency)
        here = _clearing(db, main.id, first)
        there = _clearing(db, book.id, prison_id)
        requests: list[ledger.TransferRequest] = []
        for old in accounts:
            new = ledger.open_account(
                db,
                ledger_id=book.id,
                code=old.code,
                name=old.name,
                kind=old.kind,
                no_overdraft=old.no_overdraft,
                debit_codes=old.debit_codes.split(",") if old.debit_codes else None,
            )
            amount = old.posted_cents - old.pending_debits_cents
            if amount == 0:
                continue
            # Money in an account goes out of it in "main" and into it in the new book; an
            # account below zero (an external party's) is carried the other way round.
            out, into = (old.id, here.id), (there.id, new.id)
            if amount < 0:
                out, into = (here.id, old.id), (new.id, there.id)
            reason = f"books per prison: {old.code} carried to the books of prison {prison_id}"
            for side, (debit, credit) in (("out", out), ("in", into)):
                requests.append(
                    ledger.TransferRequest(
                        key=f"books-per-prison:{old.id}:{side}",
                        debit_account_id=debit,
                        credit_account_id=credit,
                        amount_cents=abs(amount),
                        code=ledger.TransferCode.PRISON_TRANSFER.value,
                        reason=reason,
                    )
                )
        if requests:
            ledger.apply(db, requests, requested_by=CARRIED_BY)
    db.flush()


def _clearing(db: Session, ledger_id: int, prison_id: int) -> ledger.Account:
    return ledger.open_account(
        db,
        ledger_id=ledger_id,
        code=f"prison:{prison_id}:inter_prison",
        name="Clearing: inmates transferred between prisons",
        kind="clearing",
    )


def upgrade() -> None:
    _roles(OLD_ROLES, NEW_ROLES)
    kinds = ", ".join(f"'{kind}'" for kind in DEBITED_ON_TRANSFER)
    op.execute(
        "UPDATE ledger_accounts SET debit_codes = debit_codes || ',prison_transfer' "
        f"WHERE kind IN ({kinds}) AND debit_codes IS NOT NULL "
        "AND debit_codes NOT LIKE '%prison_transfer%'"
    )
    db = Session(bind=op.get_bind())
    _split_main(db)
    db.flush()


def downgrade() -> None:
    connection = op.get_bind()
    first = connection.execute(sa.text("SELECT min(id) FROM prisons")).scalar()
    others = connection.execute(
        sa.text(
            "SELECT count(*) FROM ledger_transfers t JOIN ledger_ledgers l ON l.id = t.ledger_id "
            "WHERE l.code <> :first"
        ),
        {"first": f"prison:{first}"},
    ).scalar()
    if others:
        raise RuntimeError(
            "other prisons' books hold transfers; the journal is append-only, so the books "
            "cannot be merged back into one ledger"
        )
    connection.execute(
        sa.text("DELETE FROM ledger_accounts WHERE ledger_id IN "
                "(SELECT id FROM ledger_ledgers WHERE code <> :first)"),
        {"first": f"prison:{first}"},
    )  # fmt: skip
    connection.execute(
        sa.text("DELETE FROM ledger_ledgers WHERE code <> :first"), {"first": f"prison:{first}"}
    )
    connection.execute(
        sa.text("UPDATE ledger_ledgers SET code = 'main' WHERE code = :first"),
        {"first": f"prison:{first}"},
    )
    op.execute(
        "UPDATE ledger_accounts SET debit_codes = replace(debit_codes, ',prison_transfer', '') "
        "WHERE debit_codes LIKE '%,prison_transfer%'"
    )
    op.execute("DELETE FROM staff_roles WHERE role = 'auditor'")
    _roles(NEW_ROLES, OLD_ROLES)

"""Single transfers: the checks of a transfer request (those that need no account, then those
against its locked accounts, the same on every path), and the everyday case, one transfer on
PostgreSQL, in one raw-SQL statement sent through the driver's cursor (`transfer_on_postgresql`)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from .errors import AccountClosed, CodeNotAllowed, LedgerError
from .idempotency import existing, payload_hash, replay
from .models import Transfer, TransferKind
from .operations import Row, TransferRequest, check_amount, detached, row_values
from .sealing import content_hash_of
from .totals import LockedAccount, add, check_overdraft, forget_totals, lock_accounts


def request_values(op: TransferRequest, requested_by: str, now: datetime) -> dict[str, Any]:
    """The row of a transfer request, after the checks that need no account."""
    check_amount(op.amount_cents)
    if op.debit_account_id == op.credit_account_id:
        raise LedgerError("a transfer needs two different accounts")
    if op.pending and op.expires_at is not None and op.expires_at <= now:
        raise LedgerError("a hold must expire in the future")
    return row_values(
        key=op.key,
        kind=TransferKind.PENDING if op.pending else TransferKind.SINGLE,
        code=op.code,
        debit=op.debit_account_id,
        credit=op.credit_account_id,
        amount=op.amount_cents,
        pending_id=None,
        requested_by=requested_by,
        reason=op.reason,
        reference=op.reference,
        now=now,
        expires_at=op.expires_at if op.pending else None,
    )


def transfer_row(
    op: TransferRequest, values: dict[str, Any], payload: str, accounts: dict[int, LockedAccount]
) -> Row:
    """Check a transfer request against its locked accounts and add it to their totals."""
    debit, credit = accounts[op.debit_account_id], accounts[op.credit_account_id]
    if debit.ledger_id != credit.ledger_id:
        raise LedgerError("both accounts of a transfer must be in the same ledger (currency)")
    for account in (debit, credit):
        if account.closed:
            raise AccountClosed(f"account {account.code} is closed; money cannot move through it")
    if not debit.may_be_debited_by(op.code):
        raise CodeNotAllowed(
            f"account {debit.code} cannot be debited for {op.code}; "
            f"only for {debit.debit_codes.replace(',', ', ') if debit.debit_codes else 'nothing'}"
        )
    amount = op.amount_cents
    if op.pending:
        add(accounts, debit.id, pending_debits=amount)
        add(accounts, credit.id, pending_credits=amount)
    else:
        add(accounts, debit.id, posted_debits=amount)
        add(accounts, credit.id, posted_credits=amount)
    check_overdraft(debit, amount)
    return Row(values, payload, debit.ledger_id)


# One transfer on PostgreSQL in one statement: lock both accounts in id order, look the key
# up, check what the database can check, then write both balances and the transfer. When a
# check fails nothing is written and nothing comes back; the caller then works out why (the
# first transfer of a retried key, or the accounts as they are) with the same code as every
# other path. Data-modifying WITH parts always run; `ok` is empty when refused.
_TRANSFER_ONE_SQL = """
    WITH acc AS MATERIALIZED (
        SELECT id, ledger_id, code, no_overdraft, closed, debit_codes, posted_debits_cents,
            posted_credits_cents, pending_debits_cents, pending_credits_cents
        FROM ledger_accounts WHERE id IN (:debit_account_id, :credit_account_id)
        ORDER BY id FOR UPDATE
    ),
    prior AS MATERIALIZED (SELECT id FROM ledger_transfers WHERE key = :key),
    ok AS MATERIALIZED (
        SELECT d.ledger_id FROM acc AS d JOIN acc AS c ON c.id = :credit_account_id
        WHERE d.id = :debit_account_id AND c.ledger_id = d.ledger_id
            AND NOT d.closed AND NOT c.closed AND NOT EXISTS (SELECT FROM prior)
            AND (d.debit_codes IS NULL OR :code = ANY (string_to_array(d.debit_codes, ',')))
            AND (NOT d.no_overdraft OR d.posted_credits_cents - d.posted_debits_cents
                 - d.pending_debits_cents >= :amount_cents)
    ),
    totals AS (
        -- From the locked rows, not from `a`: this statement's snapshot may predate a
        -- transfer that committed while it waited for the locks, and PostgreSQL checks
        -- the constraints on the row it computes before it finds the newer version.
        UPDATE ledger_accounts AS a SET
            posted_debits_cents = acc.posted_debits_cents + side.debited * (1 - :held),
            posted_credits_cents = acc.posted_credits_cents + side.credited * (1 - :held),
            pending_debits_cents = acc.pending_debits_cents + side.debited * :held,
            pending_credits_cents = acc.pending_credits_cents + side.credited * :held
        FROM ok, acc, (VALUES
            (CAST(:debit_account_id AS bigint), CAST(:amount_cents AS bigint), 0),
            (CAST(:credit_account_id AS bigint), 0, CAST(:amount_cents AS bigint))
        ) AS side(id, debited, credited)
        WHERE a.id = acc.id AND acc.id = side.id
    ),
    made AS (
        INSERT INTO ledger_transfers (ledger_id, key, payload_hash, content_hash, kind, code,
            debit_account_id, credit_account_id, amount_cents, pending_id, requested_by,
            reason, reference, created_at, expires_at)
        SELECT ok.ledger_id, :key, :payload_hash, :content_hash, :kind, :code,
            :debit_account_id, :credit_account_id, :amount_cents, NULL, :requested_by,
            :reason, :reference, :created_at, CAST(:expires_at AS timestamptz)
        FROM ok
        RETURNING id, ledger_id
    )
    -- The transfer waits for its seal: the sealer takes the queue once it has committed.
    INSERT INTO ledger_seal_queue (transfer_id, ledger_id) SELECT id, ledger_id FROM made
    RETURNING transfer_id, ledger_id
    """
# The driver's own form of it (psycopg's "pyformat" parameters): the hot path skips
# SQLAlchemy's statement handling, which cost more than the statement itself.
_TRANSFER_ONE_DRIVER = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", _TRANSFER_ONE_SQL)


def transfer_on_postgresql(
    db: Session, op: TransferRequest, requested_by: str, now: datetime
) -> Transfer:
    """The everyday case, one transfer on PostgreSQL, in one statement (`_TRANSFER_ONE_SQL`)
    on the driver's cursor (`execute_on_driver`), where the general path takes a round trip
    for each of its steps. The chain head is not touched here: the transfer waits in the seal
    queue for the sealer.

    What it buys, in bench/ledger.py (transfers per second against the plain-SQL baseline, 16
    workers): `ledger_vs_baseline_spread_16w` 0.74 and `ledger_vs_baseline_hot_16w` 0.70 in
    the run quoted when the statement took its present form (from 0.47 to 0.64 and 0.63 to
    0.68 with the statement before it; both before the seal queue of migration 0013). Making
    it one statement on the driver's cursor, where there were two through SQLAlchemy (the seal
    left the statement in the same change), took a single worker from 1.56 to 1.17 ms.

    A retry that raced its first attempt (both sent at the same moment) may not see the first
    one's key, and then fails on the key's unique constraint: no money moves twice, and the
    next retry returns the first transfer."""
    values = request_values(op, requested_by, now)
    payload = payload_hash(op)
    content_hash = content_hash_of(values)
    params = {
        **values,
        "payload_hash": payload,
        "content_hash": content_hash,
        "held": 1 if op.pending else 0,
    }
    found = execute_on_driver(db, _TRANSFER_ONE_DRIVER, params)
    if not found:
        return _refused_on_postgresql(db, op, values, payload)
    made_id, ledger_id = found[0]
    forget_totals(db, (op.debit_account_id, op.credit_account_id))
    made = {**values, "ledger_id": ledger_id, "payload_hash": payload, "content_hash": content_hash}
    return detached(db, made, made_id)


def _refused_on_postgresql(
    db: Session, op: TransferRequest, values: dict[str, Any], payload: str
) -> Transfer:
    """The statement wrote nothing: a retry returns the first transfer, anything else is
    refused with the reason the checks of every other path give."""
    first = existing(db, [op.key])
    if first:
        return replay([op], [payload], first)[0]
    accounts = lock_accounts(db, (op.debit_account_id, op.credit_account_id))
    transfer_row(op, values, payload, accounts)
    raise LedgerError("the database refused this transfer, but no rule names why")


def execute_on_driver(
    db: Session, sql: str, params: dict[str, Any], *, rows: bool = True
) -> list[Any]:
    """Run `sql` (in the driver's own parameter style) on the session's connection with the
    driver's cursor, for the busiest paths, where SQLAlchemy's work per statement costs more
    than the statement (the single transfer above; `backoffice.db.run_on_driver` for the
    others). `rows`: it returns some. Its errors come out as SQLAlchemy's, as from any other
    statement, and a lost connection is not reused."""
    connection = db.connection()
    dialect = connection.dialect
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if rows else []
    except dialect.loaded_dbapi.Error as error:
        gone = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
        if gone:
            connection.invalidate(error)
        raise DBAPIError.instance(
            sql, params, error, dialect.loaded_dbapi.Error, connection_invalidated=gone
        ) from error
    finally:
        cursor.close()

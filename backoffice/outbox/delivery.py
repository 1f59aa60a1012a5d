"""Delivery: claim the messages that are due, send each, write down what happened.

Each step commits on its own, because a send is a side effect outside the database: the
claim is committed before anything is sent (so a second sender skips those messages), and each
message is marked sent in its own commit straight after the other side took it. A sender that
dies between two commits leaves its claim behind; when the claim runs out another sender takes
the message again, with the same key. A message marked sent is never sent again, and two live
senders never hold the same message: a sender stops sending on a claim that could run out
during the next send. The one window left is a sender killed after the server took a message
and before its commit: that message goes again with the same Message-ID / Idempotency-Key, for
the receiver to recognise it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from ..audit.services import Actor, record
from ..db import is_postgresql
from .models import MessageStatus, OutboxMessage
from .senders import Outgoing, PermanentFailure, Sender, TemporaryFailure
from .services import OutboxRules

S = MessageStatus
SENDER = Actor.system("outbox")


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"


def claim_due(
    db: Session,
    rules: OutboxRules,
    now: datetime,
    claim: str,
    limit: int,
    *,
    due_by: datetime | None = None,
) -> list[OutboxMessage]:
    """Claim up to `limit` messages due by `due_by` (default now): queued and their time
    come, or claimed by a sender whose claim ran out. A round passes its start as `due_by`,
    so a message that failed during the round waits for the next one. Rows another sender is
    claiming are skipped (PostgreSQL's SKIP LOCKED; on SQLite the writer's lock taken at
    BEGIN keeps claims apart)."""
    due_by = due_by or now
    due = or_(
        and_(OutboxMessage.status == S.QUEUED.value, OutboxMessage.next_attempt_at <= due_by),
        and_(OutboxMessage.status == S.SENDING.value, OutboxMessage.claimed_until <= due_by),
    )
    claimed = list(
        db.scalars(
            select(OutboxMessage)
            .where(due)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for message in claimed:
        if message.status == S.SENDING.value and message.attempts >= rules.max_attempts:
            # Its last attempt's sender died: nothing says whether it went.
            _fail(db, message, "the sender stopped during the last attempt", now)
            continue
        message.status = S.SENDING.value
        message.attempts += 1
        message.claim = claim
        message.claimed_until = now + rules.claim
    db.flush()
    return [m for m in claimed if m.status == S.SENDING.value]


def _fail(db: Session, message: OutboxMessage, error: str, now: datetime) -> None:
    message.status = S.FAILED.value
    message.last_error = error[:500]
    message.claimed_until = None
    record(db, SENDER, "outbox.failed", target_type="outbox_message", target_id=message.id,
           outcome="failed", attempts=message.attempts, error=error[:500])  # fmt: skip


def _mark_sent(db: Session, message_id: int, claim: str, now: datetime) -> bool:
    """Sent, if the claim is still this sender's; the body (an invitation link, a code) is
    cleared, it lives with the contact now. On PostgreSQL the commit does not wait for the
    disk: a sender that dies after it loses nothing (the server has it); only a crash of the
    database server itself could lose the last moment's marks, and those messages would go
    again with their same key, the window this module already names."""
    if is_postgresql(db):
        db.execute(text("SET LOCAL synchronous_commit TO OFF"))
    done = db.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.claim == claim,
            OutboxMessage.status == S.SENDING.value,
        )
        .values(
            status=S.SENT.value, sent_at=now, claimed_until=None, body="[delivered]", last_error=""
        )
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(done, "rowcount", 0))


def _mark_failed_attempt(
    db: Session,
    message_id: int,
    claim: str,
    error: str,
    permanent: bool,
    rules: OutboxRules,
    now: datetime,
) -> str:
    message = db.get(OutboxMessage, message_id, with_for_update=True, populate_existing=True)
    if message is None or message.claim != claim or message.status != S.SENDING.value:
        return "lost"
    if permanent or message.attempts >= rules.max_attempts:
        _fail(db, message, error, now)
        return "failed"
    message.status = S.QUEUED.value
    message.last_error = error[:500]
    message.claimed_until = None
    message.next_attempt_at = now + rules.backoff(message.attempts)
    db.flush()
    return "retrying"


def deliver_due(
    sessions: sessionmaker[Any],
    senders: Mapping[str, Sender],
    rules: OutboxRules,
    *,
    clock: Callable[[], datetime] = _utcnow,
    limit: int | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> DeliveryResult:
    """Send every message due now, batch by batch, until none is due (or `limit` were tried,
    or `stopping()` says the process was asked to stop: between two messages, never between a
    send and its commit)."""
    result = DeliveryResult()
    claim = uuid.uuid4().hex
    started = clock()
    tried = 0
    try:
        while (limit is None or tried < limit) and not stopping():
            batch = rules.batch_size if limit is None else min(rules.batch_size, limit - tried)
            with sessions() as db:
                claimed = claim_due(db, rules, clock(), claim, batch, due_by=started)
                outgoing = [
                    (m.id, m.channel, m.claimed_until,
                     Outgoing(key=m.key, address=m.address, language=m.language,
                              subject=m.subject, body=m.body))
                    for m in claimed
                ]  # fmt: skip
                db.commit()
            if not outgoing:
                break
            tried += len(outgoing)
            with sessions() as db:
                for message_id, channel, claimed_until, message in outgoing:
                    now = clock()
                    if stopping():
                        return result
                    if now + timedelta(seconds=rules.send_timeout_seconds) >= claimed_until:
                        # The claim could run out during this send: leave the rest to the
                        # next round, when another sender may take them.
                        return result
                    try:
                        senders[channel].send(message)
                    except (TemporaryFailure, PermanentFailure) as error:
                        permanent = isinstance(error, PermanentFailure)
                        outcome = _mark_failed_attempt(
                            db, message_id, claim, str(error), permanent, rules, clock()
                        )
                        db.commit()
                        if outcome == "failed":
                            result.failed += 1
                        elif outcome == "retrying":
                            result.retrying += 1
                        continue
                    _mark_sent(db, message_id, claim, clock())
                    db.commit()
                    result.sent += 1
    finally:
        for sender in senders.values():
            sender.close()
    return result


def deliver_in_parallel(
    sessions: sessionmaker[Any],
    make_senders: Callable[[], Mapping[str, Sender]],
    rules: OutboxRules,
    *,
    workers: int,
    stopping: Callable[[], bool] = lambda: False,
) -> DeliveryResult:
    """`workers` senders side by side, each with its own connections and claims (the claims
    keep them apart, as they keep two hosts apart): the mail server's round trips overlap."""
    if workers <= 1:
        return deliver_due(sessions, make_senders(), rules, stopping=stopping)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbox") as pool:
        results = list(pool.map(
            lambda _n: deliver_due(sessions, make_senders(), rules, stopping=stopping),
            range(workers),
        ))  # fmt: skip
    return DeliveryResult(
        sent=sum(r.sent for r in results),
        retrying=sum(r.retrying for r in results),
        failed=sum(r.failed for r in results),
    )

"""What the outbox tests share: the local SMTP server and SMS gateway as fixtures, settings
that send to them, and one delivery round in this process with the real senders."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backoffice.outbox.cli import make_senders
from backoffice.outbox.delivery import DeliveryResult, deliver_due
from backoffice.outbox.services import OutboxRules
from backoffice.settings import Settings
from tests.mail import Gateway, Mailbox, sms_gateway, smtp_server

# Quick retries and a short claim, so a killed sender's messages come back within seconds.
FAST = {
    "outbox.retry_base_seconds": 0,
    "outbox.send_timeout_seconds": 2,
    "outbox.claim_seconds": 5,
    # The runner in another process goes by the real clock: no reminder of the tests' calls.
    "outbox.reminder_hours": 0,
}


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    yield from smtp_server()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    yield from sms_gateway()


def outbox_settings(settings: Settings, mailbox: Mailbox, gateway: Gateway | None = None,
                    **overrides: Any) -> Settings:  # fmt: skip
    values: dict[str, Any] = {"outbox.smtp_port": mailbox.port, **FAST, **overrides}
    if gateway is not None:
        values |= {"outbox.sms_gateway_url": gateway.url,
                   "outbox.sms_gateway_token": gateway.token}  # fmt: skip
    return settings.with_overrides(values)


def as_environment(settings: Settings) -> dict[str, str]:
    """The outbox settings as CELLGATE_* variables, for a runner in another process."""
    return {f"CELLGATE_OUTBOX__{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in settings["outbox"].items()}  # fmt: skip


def deliver(db: Session, settings: Settings) -> DeliveryResult:
    """One delivery round, as `cellgate outbox send` runs it, on the test's database."""
    db.commit()
    return deliver_due(
        sessionmaker(bind=db.get_bind(), expire_on_commit=False),
        make_senders(settings),
        OutboxRules.from_settings(settings),
    )

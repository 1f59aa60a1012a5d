"""Every sign-in attempt counted and audited: a device's failures per minute, an inmate's
failures until lockout, the audit row of each refusal and success, and staff unlocking."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...devices.models import Device
from ...people.models import Inmate
from ..models import DeviceThrottle, InmateCredentials
from .policy import SignInPolicy, SignInRefused


def _lock_inmate(db: Session, inmate_id: int) -> None:
    """Serialise sign-in changes of one inmate (sessions, failure counts) across hosts."""
    db.execute(select(Inmate.id).where(Inmate.id == inmate_id).with_for_update())


def _credentials(db: Session, inmate_id: int) -> InmateCredentials:
    """The inmate's credentials row, locked; made on first use. The inmate row is locked first
    so that two first attempts at once do not both insert it."""
    _lock_inmate(db, inmate_id)
    credentials = db.get(InmateCredentials, inmate_id, with_for_update=True, populate_existing=True)
    if credentials is None:
        credentials = InmateCredentials(inmate_id=inmate_id, failed_attempts=0)
        db.add(credentials)
        db.flush()
    return credentials


def _check_device(db: Session, device: Device, now: datetime, policy: SignInPolicy) -> None:
    if device.revoked_at is not None:
        raise SignInRefused("not-allowed-here", "This device is not in service.")
    # One attempt at a time per device (a kiosk has one person in front of it); locks are taken
    # device first, then inmate, everywhere.
    db.execute(select(Device.id).where(Device.id == device.id).with_for_update())
    throttle = db.get(DeviceThrottle, device.id, with_for_update=True, populate_existing=True)
    if throttle is None or now - throttle.window_started_at >= timedelta(minutes=1):
        return
    if throttle.failures >= policy.device_max_failures_per_minute:
        raise SignInRefused(
            "device-paused", "Too many failed sign-ins on this device. Wait a minute."
        )


def _device_failed(db: Session, device: Device, now: datetime) -> None:
    throttle = db.get(DeviceThrottle, device.id, with_for_update=True)
    if throttle is None:
        db.add(DeviceThrottle(device_id=device.id, window_started_at=now, failures=1))
    elif now - throttle.window_started_at >= timedelta(minutes=1):
        throttle.window_started_at, throttle.failures = now, 1
    else:
        throttle.failures += 1
    db.flush()


def _check_locked(credentials: InmateCredentials, now: datetime) -> None:
    if credentials.locked_until is not None and credentials.locked_until > now:
        minutes = max(1, int((credentials.locked_until - now).total_seconds() // 60) + 1)
        raise SignInRefused(
            "locked",
            f"Sign-in is locked after too many failed attempts. Try again in {minutes} minutes "
            "or ask an officer.",
            minutes=minutes,
        )


def _inmate_failed(
    db: Session, credentials: InmateCredentials, now: datetime, policy: SignInPolicy
) -> bool:
    """Count a failure; True if it locked the inmate out."""
    credentials.failed_attempts += 1
    locked = credentials.failed_attempts >= policy.max_failures
    if locked:
        credentials.locked_until = now + policy.lockout
        credentials.failed_attempts = 0
    db.flush()
    return locked


@dataclass
class Attempt:
    """One sign-in attempt on a device by one method. Its refusals count where they belong and
    each refusal, and the success, writes its audit row with `details` (for every row of the
    attempt) and the call's own."""

    db: Session
    actor: Actor
    device: Device
    now: datetime
    method: str
    policy: SignInPolicy
    details: dict[str, Any] = field(default_factory=dict)
    # Whose credentials the attempt has reached (see `reached`): its later refusals count
    # against them.
    inmate_id: int | None = None
    credentials: InmateCredentials | None = None

    def begin(self) -> Attempt:
        """The attempt, once the device may take one (in service, not paused)."""
        _check_device(self.db, self.device, self.now, self.policy)
        return self

    def refuse(
        self, code: str, message: str, *, inmate_id: int | None = None, **details: Any
    ) -> SignInRefused:
        """Count the failure where it belongs (the device; the inmate, once reached), write the
        audit row, and return the error."""
        inmate_id = inmate_id or self.inmate_id
        credentials = self.credentials
        _device_failed(self.db, self.device, self.now)
        if credentials is not None and _inmate_failed(self.db, credentials, self.now, self.policy):
            details["locked"] = True
            code = "locked"
            minutes = int(self.policy.lockout.total_seconds() // 60)
            message = (
                f"{message} Too many failed attempts: sign-in is locked for {minutes} minutes."
            ).strip()
        self._record(
            details,
            target_type="inmate" if inmate_id else "",
            target_id=inmate_id or "",
            outcome="refused",
            method=self.method,
            reason=code,
        )
        return SignInRefused(code, message)

    def credentials_unless_locked(self, inmate_id: int, **details: Any) -> InmateCredentials:
        """The inmate's credentials (locked, see `_credentials`), reached; if the inmate is
        locked out, the refusal instead, counted on the device and audited with `details`."""
        credentials = _credentials(self.db, inmate_id)
        try:
            _check_locked(credentials, self.now)
        except SignInRefused as locked:
            raise self.refuse("locked", locked.message, inmate_id=inmate_id, **details) from None
        return self.reached(credentials)

    def reached(self, credentials: InmateCredentials) -> InmateCredentials:
        """The attempt is now about this inmate: a later refusal counts against them."""
        self.inmate_id, self.credentials = credentials.inmate_id, credentials
        return credentials

    def succeeded(self, inmate: Inmate, credentials: InmateCredentials, **details: Any) -> Inmate:
        credentials.failed_attempts = 0
        credentials.locked_until = None
        self.db.flush()
        self._record(details, target_type="inmate", target_id=inmate.id, method=self.method)
        return inmate

    def _record(self, details: dict[str, Any], **row: Any) -> None:
        """The attempt's audit row: `row` (whom, how it ended), the device, then the details."""
        record(
            self.db,
            self.actor,
            "inmate.sign_in",
            **row,
            device=self.device.name,
            **details,
            **self.details,
        )


def unlock(db: Session, actor: Actor, inmate: Inmate) -> None:
    credentials = _credentials(db, inmate.id)
    credentials.failed_attempts = 0
    credentials.locked_until = None
    db.flush()
    record(db, actor, "inmate.sign_in_unlock", target_type="inmate", target_id=inmate.id)

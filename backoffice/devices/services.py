from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..db import utcnow
from ..errors import Conflict, InvalidInput
from ..people.models import Cell, Inmate, InmateStatus, Wing
from ..settings import Settings
from ..signin.crypto import secret_hash
from ..staff.scope import in_scope, scope_of
from .models import Device, DeviceKind

CREDENTIAL_PREFIX = "cgd"
# How long a registration lasts when the caller names none: config/default.toml's
# [devices] registration_days. Entry points pass the installation's setting.
DEFAULT_REGISTRATION = timedelta(days=365)


def registration_of(settings: Settings) -> timedelta:
    return timedelta(days=settings["devices.registration_days"])


class Standing(StrEnum):
    """What a presented credential says about its device. Only a credential whose secret is
    right learns that its device was revoked or has expired; any other is just unknown."""

    ADMITTED = "admitted"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class NewDevice:
    device: Device
    # Shown once, to be installed on the device; the server keeps only a hash.
    credential: str


def register_device(
    db: Session,
    actor: Actor,
    *,
    kind: str,
    name: str,
    wing_id: int | None = None,
    cell_id: int | None = None,
    location: str = "",
    key_id: str | None = None,
    secret: str | None = None,
) -> NewDevice:
    """Register a kiosk (for a wing) or a tablet (for a cell). `key_id` and `secret` are for the
    demo seed only, so its printed credentials stay the same between runs."""
    if kind not in {k.value for k in DeviceKind}:
        raise InvalidInput("Kind: a device is a kiosk or a tablet.")
    if not name.strip():
        raise InvalidInput("Name: give the device a name staff will recognise.")
    if db.scalar(select(Device.id).where(Device.name == name.strip())) is not None:
        raise Conflict("A device named %(name)r exists already.", name=name)
    scope = scope_of(db, actor)
    # A wing or cell of a prison the member of staff does not work in is as good as none.
    if kind == DeviceKind.KIOSK:
        wing = db.get(Wing, wing_id) if wing_id is not None else None
        if wing is None or not scope.covers(wing.prison_id):
            raise InvalidInput("Wing: a kiosk serves one wing; choose it.")
        prison_id, cell_id = wing.prison_id, None
    else:
        cell = db.get(Cell, cell_id) if cell_id is not None else None
        if cell is None or not scope.covers(cell.wing.prison_id):
            raise InvalidInput("Cell: a tablet is bound to one cell; choose it.")
        wing_id, prison_id = cell.wing_id, cell.wing.prison_id
    key_id = key_id or secrets.token_hex(8)
    secret = secret or secrets.token_urlsafe(32)
    device = Device(
        kind=kind,
        name=name.strip(),
        prison_id=prison_id,
        wing_id=wing_id,
        cell_id=cell_id,
        location=location,
        key_id=key_id,
        secret_hash=secret_hash(secret),
    )
    db.add(device)
    db.flush()
    record(
        db,
        actor,
        "device.register",
        target_type="device",
        target_id=device.id,
        kind=kind,
        name=device.name,
        wing_id=wing_id,
        cell_id=cell_id,
    )
    return NewDevice(device=device, credential=f"{CREDENTIAL_PREFIX}_{key_id}.{secret}")


def credential_key_id(credential: str) -> str | None:
    """The public part of a credential (which finds the device's row), or None when the
    credential is not of our form at all."""
    prefix, _, rest = credential.partition("_")
    key_id, _, secret = rest.partition(".")
    if prefix != CREDENTIAL_PREFIX or not key_id or not secret:
        return None
    return key_id


def registration_ends_at(
    device: Device, registration: timedelta = DEFAULT_REGISTRATION
) -> datetime:
    """A registration lasts `registration` from the day it was made or last renewed."""
    return device.registered_at + registration


def standing(
    device: Device | None,
    credential: str,
    now: datetime | None = None,
    registration: timedelta = DEFAULT_REGISTRATION,
) -> Standing:
    """Whether `credential` is this device's and the device may still be used: its key id,
    its secret (compared in constant time against the stored hash), not revoked and its
    registration not expired. The one place these rules live, for callers that read the device
    row themselves (the tablet API reads it in the same statement as the session)."""
    if device is None or credential_key_id(credential) != device.key_id:
        return Standing.UNKNOWN
    secret = credential.partition("_")[2].partition(".")[2]
    if not hmac.compare_digest(device.secret_hash, secret_hash(secret)):
        return Standing.UNKNOWN
    if not device.active:
        return Standing.REVOKED
    if (now or utcnow()) >= registration_ends_at(device, registration):
        return Standing.EXPIRED
    return Standing.ADMITTED


def credential_admits(
    device: Device | None,
    credential: str,
    now: datetime | None = None,
    registration: timedelta = DEFAULT_REGISTRATION,
) -> bool:
    return standing(device, credential, now, registration) == Standing.ADMITTED


def find_device(
    db: Session,
    credential: str,
    now: datetime | None = None,
    registration: timedelta = DEFAULT_REGISTRATION,
) -> tuple[Device | None, Standing]:
    """The device a credential names and its standing; the device only when its secret is
    right (a revoked or expired device is returned with its standing, so the caller can say
    why it is refused and audit it)."""
    key_id = credential_key_id(credential)
    if key_id is None:
        return None, Standing.UNKNOWN
    device = db.scalar(select(Device).where(Device.key_id == key_id))
    found = standing(device, credential, now, registration)
    return (device if found != Standing.UNKNOWN else None), found


def authenticate_device(
    db: Session,
    credential: str,
    now: datetime | None = None,
    registration: timedelta = DEFAULT_REGISTRATION,
) -> Device | None:
    """The active device this credential belongs to, or None. Checked on every request."""
    device, found = find_device(db, credential, now, registration)
    return device if found == Standing.ADMITTED else None


def renew_device(db: Session, actor: Actor, device_id: int) -> Device:
    """A new registration period from now, with the same credential. A revoked device stays
    revoked: it is registered again as a new device."""
    device = in_scope(db, actor, Device, device_id, "device")
    if device.revoked_at is not None:
        raise Conflict("%(name)s is revoked; register it again as a new device.", name=device.name)
    ended = device.registered_at
    device.registered_at = utcnow()
    db.flush()
    record(
        db,
        actor,
        "device.renew",
        target_type="device",
        target_id=device.id,
        registered_before=ended.isoformat(),
    )
    return device


def revoke_device(db: Session, actor: Actor, device_id: int, reason: str) -> Device:
    device = in_scope(db, actor, Device, device_id, "device")
    if device.revoked_at is not None:
        return device
    device.revoked_at = utcnow()
    db.flush()
    record(db, actor, "device.revoke", target_type="device", target_id=device.id, reason=reason)
    return device


def list_devices(db: Session, prison_id: int | None = None) -> list[Device]:
    stmt = select(Device).order_by(Device.kind, Device.name)
    if prison_id is not None:
        stmt = stmt.where(Device.prison_id == prison_id)
    return list(db.scalars(stmt))


def inmates_allowed_at(device: Device) -> Select[tuple[Inmate]]:
    """The inmates who may sign in on this device: active, and on its wing (kiosk) or in its
    cell (tablet). A query, so callers can narrow it further (by number, by enrolled face)."""
    stmt = select(Inmate).where(
        Inmate.status == InmateStatus.ACTIVE.value, Inmate.prison_id == device.prison_id
    )
    if device.kind == DeviceKind.TABLET:
        return stmt.where(Inmate.cell_id == device.cell_id)
    return stmt.where(Inmate.wing_id == device.wing_id)


def may_sign_in_at(db: Session, device: Device, inmate_id: int) -> bool:
    if device.revoked_at is not None:
        return False
    stmt = inmates_allowed_at(device).where(Inmate.id == inmate_id).with_only_columns(Inmate.id)
    return db.scalar(stmt) is not None

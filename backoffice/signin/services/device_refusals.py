"""A revoked or expired device that tries to serve: audited, and its sessions end."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...audit.services import record
from ...devices.models import Device
from .inmate_sessions import end_device_sessions
from .policy import device_actor


def device_refused(
    db: Session, device: Device, why: str, *, surface: str, remote_addr: str = ""
) -> int:
    """A revoked or expired device (`why`) tried to serve on `surface`: the attempt is audited
    and every inmate session still open on it ends (one revoked by a bare service call, or one
    that outlived the registration). How many ended."""
    actor = device_actor(device, remote_addr)
    record(
        db,
        actor,
        "device.refused",
        target_type="device",
        target_id=device.id,
        outcome="refused",
        why=why,
        surface=surface,
    )
    return end_device_sessions(db, actor, device, f"device {why}")

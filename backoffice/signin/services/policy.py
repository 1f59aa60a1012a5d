"""What sign-in is allowed to do (the [signin] settings), the refusal it raises, and who
acts when a device signs an inmate in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ...audit.services import Actor
from ...db import utcnow
from ...devices.models import Device
from ...errors import ServiceError
from ...settings import DEFAULT_TEMPLATE_KEY, Settings


@dataclass(frozen=True)
class SignInPolicy:
    face_tolerance: float = 0.5
    face_upsample: int = 0
    min_face_pixels: int = 80
    min_sharpness: float = 30.0
    blink_ear: float = 0.2
    open_ear: float = 0.25
    head_turn: float = 0.12
    pin_allowed: bool = False
    pin_min_length: int = 4
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)
    device_max_failures_per_minute: int = 20
    idle: timedelta = timedelta(seconds=120)
    session_max: timedelta = timedelta(minutes=60)
    challenge_ttl: timedelta = timedelta(seconds=30)
    template_key: str = DEFAULT_TEMPLATE_KEY
    audit_face_images: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> SignInPolicy:
        s = settings["signin"]
        return cls(
            face_tolerance=float(s["face_tolerance"]),
            face_upsample=s["face_upsample"],
            min_face_pixels=s["min_face_pixels"],
            min_sharpness=float(s["min_sharpness"]),
            blink_ear=float(s["blink_ear"]),
            open_ear=float(s["open_ear"]),
            head_turn=float(s["head_turn"]),
            pin_allowed=s["pin_allowed"],
            pin_min_length=s["pin_min_length"],
            max_failures=s["max_failures"],
            lockout=timedelta(minutes=s["lockout_minutes"]),
            device_max_failures_per_minute=s["device_max_failures_per_minute"],
            idle=timedelta(seconds=s["idle_seconds"]),
            session_max=timedelta(minutes=s["session_minutes"]),
            challenge_ttl=timedelta(seconds=s["challenge_seconds"]),
            template_key=s["template_key"],
            audit_face_images=s["audit_face_images"],
        )


DEFAULT_POLICY = SignInPolicy()


class SignInRefused(ServiceError):
    """A sign-in attempt was refused. `code` is stable (for the kiosk's translations), the
    message is safe to show to the inmate."""

    status = 401

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(message, **details)
        self.code = code


def device_actor(device: Device, remote_addr: str = "") -> Actor:
    return Actor(
        kind="device", id=device.id, name=device.name, device_id=device.id, remote_addr=remote_addr
    )


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()

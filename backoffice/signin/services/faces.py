"""Faces: enrolment at reception (quality checks, one person, not enrolled as somebody
else), 1:N matching among the inmates allowed at a device, and face sign-in with liveness."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from hardware.faces import (
    FaceBox,
    FaceMatcher,
    FaceRecognitionMatcher,
    FakeFaceMatcher,
    Image,
    as_rgb,
    distances,
    from_bytes,
    liveness,
    sharpness,
    to_bytes,
)

from ...audit.services import Actor, record
from ...devices.models import Device
from ...devices.services import inmates_allowed_at
from ...errors import Conflict, InvalidInput
from ...people.models import Inmate
from ...staff.scope import check_in_scope
from ..crypto import seal, unseal
from ..models import FaceTemplate, SignInMethod
from .attempts import Attempt
from .policy import DEFAULT_POLICY, SignInPolicy

# Two enrolled people closer than the tolerance plus this are too alike to tell apart safely.
AMBIGUITY_MARGIN = 0.06


def face_matcher(kind: str, upsample: int) -> FaceMatcher:
    """The matcher `signin.face_matcher` names. The real one loads dlib's models as it is made
    (a second or two), so each app makes one per worker, at its first use; the fake knows no
    face."""
    if kind == "fake":
        return FakeFaceMatcher()
    return FaceRecognitionMatcher(upsample=upsample)


def decode_photo(raw: bytes) -> Image | None:
    """A JPEG or PNG frame from a camera as an RGB image, or None when it is neither."""
    if not raw:
        return None
    bgr = cv2.imdecode(np.frombuffer(raw, dtype=np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        return None
    return as_rgb(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))


def check_face_image(
    image: Image, matcher: FaceMatcher, *, policy: SignInPolicy = DEFAULT_POLICY
) -> FaceBox:
    """The one face of an enrolment photo, or InvalidInput saying what is wrong with it."""
    boxes = matcher.detect(image)
    if not boxes:
        raise InvalidInput("No face found in the photo: the face must be clearly visible.")
    if len(boxes) > 1:
        raise InvalidInput(
            "%(count)s faces found in the photo: it must show the inmate alone.",
            count=len(boxes),
        )
    box = boxes[0]
    if box.size < policy.min_face_pixels:
        raise InvalidInput(
            "The face is too small (%(size)s pixels, at least %(least)s): "
            "come closer to the camera or use a larger photo.",
            size=box.size,
            least=policy.min_face_pixels,
        )
    sharp = sharpness(image, box)
    if sharp < policy.min_sharpness:
        raise InvalidInput(
            "The photo is blurred (sharpness %(sharpness)s, at least %(least)s).",
            sharpness=f"{sharp:.0f}",
            least=f"{policy.min_sharpness:.0f}",
        )
    return box


def _templates(
    db: Session, policy: SignInPolicy, inmate_ids: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """(inmate id per row, templates as an (n, 128) float32 matrix), decrypted."""
    stmt = select(FaceTemplate.id, FaceTemplate.inmate_id, FaceTemplate.template_encrypted)
    if inmate_ids is not None:
        stmt = stmt.where(FaceTemplate.inmate_id.in_(inmate_ids))
    rows = db.execute(stmt.order_by(FaceTemplate.id)).all()
    owners = np.array([row.inmate_id for row in rows], dtype=np.int64)
    matrix = np.zeros((len(rows), 128), dtype=np.float32)
    for i, row in enumerate(rows):
        raw = unseal(policy.template_key, row.template_encrypted, f"face:{row.inmate_id}")
        matrix[i] = from_bytes(raw)
    return owners, matrix


@dataclass(frozen=True)
class Match:
    inmate_id: int | None
    distance: float
    runner_up: float


def best_match(owners: np.ndarray, matrix: np.ndarray, probe: np.ndarray) -> Match:
    """The closest inmate and the distance to the closest other inmate (1:N)."""
    if len(owners) == 0:
        return Match(None, float("inf"), float("inf"))
    found = distances(matrix, probe)
    best = int(np.argmin(found))
    owner = int(owners[best])
    others = found[owners != owner]
    runner_up = float(others.min()) if len(others) else float("inf")
    return Match(owner, float(found[best]), runner_up)


def identify(
    db: Session, device: Device, probe: np.ndarray, *, policy: SignInPolicy = DEFAULT_POLICY
) -> Match:
    """1:N: the enrolled inmate allowed at this device whose face is closest to the probe."""
    owners, matrix = _allowed_templates(db, device, policy)
    return best_match(owners, matrix, probe)


def _allowed_templates(
    db: Session, device: Device, policy: SignInPolicy
) -> tuple[np.ndarray, np.ndarray]:
    allowed = inmates_allowed_at(device).with_only_columns(Inmate.id).scalar_subquery()
    return _templates(db, policy, allowed)


def enroll_face(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    images: Sequence[Image],
    matcher: FaceMatcher,
    *,
    source: str = "upload",
    replace: bool = False,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> list[FaceTemplate]:
    """Enrol one or more photos of the inmate. Each must pass the quality checks; together they
    must show one person, who is not enrolled as somebody else already."""
    check_in_scope(db, actor, inmate.prison_id, "inmate")
    if not images:
        raise InvalidInput("Photos: give at least one photo of the inmate.")
    probes = []
    for n, image in enumerate(images, start=1):
        try:
            box = check_face_image(image, matcher, policy=policy)
        except InvalidInput as error:
            if len(images) == 1:
                raise
            raise InvalidInput("Photo %(n)s: %(reason)s", n=n, reason=error) from None
        probes.append(matcher.encode(image, box))
    owners, matrix = _templates(db, policy)
    own = matrix[owners == inmate.id] if not replace else np.zeros((0, 128), np.float32)
    mine = np.vstack([own, np.asarray(probes, dtype=np.float32)])
    for probe in probes:
        if float(distances(mine, probe).max()) > policy.face_tolerance:
            raise InvalidInput(
                "These photos do not all show the same person; enrol photos of this inmate only."
            )
        other = best_match(owners[owners != inmate.id], matrix[owners != inmate.id], probe)
        if (
            other.inmate_id is not None
            and other.distance <= policy.face_tolerance + AMBIGUITY_MARGIN
        ):
            raise Conflict(
                "This face is enrolled for another inmate already; check the photo and the "
                "inmate, or delete the other enrolment first.",
                other_inmate_id=other.inmate_id,
            )
    if replace:
        removed = _delete_templates(db, inmate)
        record(db, actor, "face.delete", target_type="inmate", target_id=inmate.id, count=removed)
    templates = []
    for probe in probes:
        template = FaceTemplate(
            inmate_id=inmate.id,
            template_encrypted=seal(policy.template_key, to_bytes(probe), f"face:{inmate.id}"),
            source=source,
            enrolled_by=actor.name,
        )
        db.add(template)
        templates.append(template)
    db.flush()
    record(
        db,
        actor,
        "face.reenrol" if replace else "face.enrol",
        target_type="inmate",
        target_id=inmate.id,
        count=len(templates),
        source=source,
    )
    return templates


def _delete_templates(db: Session, inmate: Inmate) -> int:
    templates = list(db.scalars(select(FaceTemplate).where(FaceTemplate.inmate_id == inmate.id)))
    for template in templates:
        db.delete(template)
    db.flush()
    return len(templates)


def delete_faces(db: Session, actor: Actor, inmate: Inmate) -> int:
    check_in_scope(db, actor, inmate.prison_id, "inmate")
    removed = _delete_templates(db, inmate)
    record(db, actor, "face.delete", target_type="inmate", target_id=inmate.id, count=removed)
    return removed


def face_count(db: Session, inmate_id: int) -> int:
    return len(list(db.scalars(select(FaceTemplate.id).where(FaceTemplate.inmate_id == inmate_id))))


def _thumbnail(image: Image) -> str:
    height, width = image.shape[:2]
    scale = 160 / max(height, width)
    small = cv2.resize(image, (max(1, int(width * scale)), max(1, int(height * scale))))
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    return base64.b64encode(jpeg.tobytes()).decode() if ok else ""


def face_sign_in(
    db: Session,
    actor: Actor,
    device: Device,
    frames: Sequence[Image],
    now: datetime,
    matcher: FaceMatcher,
    *,
    policy: SignInPolicy = DEFAULT_POLICY,
) -> Inmate:
    """Identify the face in a burst of frames among the inmates allowed at this device, and
    check over the burst that it is a live face."""
    attempt = Attempt(db, actor, device, now, SignInMethod.FACE.value, policy).begin()
    if policy.audit_face_images and frames:
        attempt.details["image_jpeg_base64"] = _thumbnail(frames[len(frames) // 2])

    if len(frames) < 2:
        raise attempt.refuse(
            "not-live", "Look at the camera for a moment and blink.", frames=len(frames)
        )
    boxes = []
    for frame in frames:
        found = matcher.detect(frame)
        if not found:
            raise attempt.refuse("no-face", "No face found. Look straight at the camera.")
        if len(found) > 1:
            raise attempt.refuse("several-faces", "More than one face in view. Only you, please.")
        boxes.append(found[0])
    if min(box.size for box in boxes) < policy.min_face_pixels:
        raise attempt.refuse("face-too-small", "Come closer to the camera.")
    for a, b in itertools.pairwise(boxes):
        moved = abs((a.left + a.right) - (b.left + b.right)) + abs(
            (a.top + a.bottom) - (b.top + b.bottom)
        )
        if moved / 2 > max(a.width, b.width):
            raise attempt.refuse("face-moved", "Keep your face in front of the camera.")
    middle = len(frames) // 2
    probe = matcher.encode(frames[middle], boxes[middle])
    owners, matrix = _allowed_templates(db, device, policy)
    match = best_match(owners, matrix, probe)
    score = round(match.distance, 4) if match.inmate_id is not None else None
    if match.inmate_id is None or match.distance > policy.face_tolerance:
        raise attempt.refuse(
            "no-match", "Your face was not recognised. Try again or use your card.", score=score
        )
    if match.runner_up <= match.distance + AMBIGUITY_MARGIN:
        raise attempt.refuse(
            "ambiguous",
            "Your face was not recognised surely. Use your card.",
            score=score,
            runner_up=round(match.runner_up, 4),
        )
    # The whole burst shows the same person: the first and last frames match them too.
    own = matrix[owners == match.inmate_id]
    for index in sorted({0, len(frames) - 1} - {middle}):
        other = matcher.encode(frames[index], boxes[index])
        if float(distances(own, other).min()) > policy.face_tolerance:
            raise attempt.refuse(
                "face-changed", "Keep your face in front of the camera.", score=score
            )
    inmate = db.get(Inmate, match.inmate_id)
    assert inmate is not None
    credentials = attempt.credentials_unless_locked(inmate.id, score=score)
    live = liveness(
        [matcher.landmarks(frame, box) for frame, box in zip(frames, boxes, strict=True)],
        blink_ear=policy.blink_ear,
        open_ear=policy.open_ear,
        min_turn=policy.head_turn,
    )
    if not live.live:
        raise attempt.refuse(
            "not-live",
            "Blink or turn your head slowly while looking at the camera.",
            score=score,
            liveness=live.reason,
            turn=live.turn,
            ear_min=live.ear_min,
            ear_max=live.ear_max,
        )
    return attempt.succeeded(inmate, credentials, score=score, liveness=live.reason)

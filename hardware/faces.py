"""Face detection, landmarks and templates behind a small interface, with the real adapter
(face_recognition on dlib) and a fake for unit tests. Also the pure measures built on the
68-point landmarks: image quality, eye aspect ratio, head turn and the 1:N distance search.

Images are RGB numpy arrays of shape (height, width, 3), dtype uint8.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import numpy as np
from numpy.typing import NDArray

Image = NDArray[np.uint8]
Template = NDArray[np.float32]
# 68 (x, y) points in dlib's order: jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67.
Landmarks = NDArray[np.float64]
TEMPLATE_SIZE = 128


@dataclass(frozen=True)
class FaceBox:
    top: int
    right: int
    bottom: int
    left: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def size(self) -> int:
        return min(self.width, self.height)

    def as_css(self) -> tuple[int, int, int, int]:
        return (self.top, self.right, self.bottom, self.left)


class FaceMatcher(Protocol):
    def detect(self, image: Image) -> list[FaceBox]:
        """Every face in the image, largest first."""
        ...

    def encode(self, image: Image, box: FaceBox) -> Template:
        """The 128-number template of the face in `box`."""
        ...

    def landmarks(self, image: Image, box: FaceBox) -> Landmarks:
        """The 68 landmark points of the face in `box`, shape (68, 2)."""
        ...


class FaceRecognitionMatcher:
    """The real matcher: dlib's HOG detector, 68-point shape predictor and ResNet encoder."""

    def __init__(self, upsample: int = 0) -> None:
        # Imported here, not at the top: importing face_recognition loads three dlib models
        # (about 100 MB, a second or two), which only processes that match faces should pay.
        # face_recognition_models imports the deprecated pkg_resources; the warning is theirs.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import dlib
            import face_recognition

        self._fr = face_recognition
        self._dlib = dlib
        self.upsample = upsample

    def detect(self, image: Image) -> list[FaceBox]:
        found = self._fr.face_locations(image, number_of_times_to_upsample=self.upsample)
        boxes = [FaceBox(*(int(v) for v in loc)) for loc in found]
        return sorted(boxes, key=lambda b: b.width * b.height, reverse=True)

    def encode(self, image: Image, box: FaceBox) -> Template:
        encodings = self._fr.face_encodings(image, [box.as_css()], num_jitters=1, model="small")
        return np.asarray(encodings[0], dtype=np.float32)

    def landmarks(self, image: Image, box: FaceBox) -> Landmarks:
        # dlib's own predictor keeps the 68 points in their standard order (face_recognition's
        # face_landmarks regroups them into named, overlapping parts).
        rect = self._dlib.rectangle(box.left, box.top, box.right, box.bottom)
        shape = self._fr.api.pose_predictor_68_point(image, rect)
        return np.asarray([(p.x, p.y) for p in shape.parts()], dtype=np.float64)


class FakeFaceMatcher:
    """For unit tests: images are looked up by identity in a table of prepared answers."""

    def __init__(self) -> None:
        self._faces: dict[int, list[tuple[FaceBox, Template, Landmarks]]] = {}

    def add(self, image: Image, faces: Sequence[tuple[FaceBox, Template, Landmarks]]) -> None:
        self._faces[id(image)] = list(faces)

    def detect(self, image: Image) -> list[FaceBox]:
        return [box for box, _t, _l in self._faces.get(id(image), [])]

    def encode(self, image: Image, box: FaceBox) -> Template:
        return next(t for b, t, _l in self._faces[id(image)] if b == box)

    def landmarks(self, image: Image, box: FaceBox) -> Landmarks:
        return next(lm for b, _t, lm in self._faces[id(image)] if b == box)


# --- measures ---------------------------------------------------------------------------------


def sharpness(image: Image, box: FaceBox) -> float:
    """Variance of the Laplacian over the face, in grey levels: low means blurred."""
    top, bottom = max(0, box.top), min(image.shape[0], box.bottom)
    left, right = max(0, box.left), min(image.shape[1], box.right)
    face = cv2.cvtColor(np.ascontiguousarray(image[top:bottom, left:right]), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(face, cv2.CV_64F).var())


def eye_aspect_ratio(landmarks: Landmarks) -> float:
    """Mean eye aspect ratio of both eyes (Soukupova and Cech, 2016): about 0.3 open, under 0.2
    closed. Unchanged by moving, turning in the image plane or scaling a photo."""

    def one(eye: Landmarks) -> float:
        vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
        return float(vertical / (2.0 * np.linalg.norm(eye[0] - eye[3])))

    return (one(landmarks[36:42]) + one(landmarks[42:48])) / 2.0


def head_turn(landmarks: Landmarks) -> float:
    """Where the nose tip sits between the two sides of the face, measured along the line of the
    eyes: 0.5 facing the camera, less or more when the head turns. A photo moved, scaled or
    turned in its own plane keeps the same value."""
    left_eye, right_eye = landmarks[36:42].mean(axis=0), landmarks[42:48].mean(axis=0)
    axis = right_eye - left_eye
    axis = axis / np.linalg.norm(axis)
    width = float(np.dot(landmarks[16] - landmarks[0], axis))
    return float(np.dot(landmarks[30] - landmarks[0], axis)) / width if width else 0.5


@dataclass(frozen=True)
class Liveness:
    live: bool
    reason: str
    blink: bool
    turn: float
    ear_min: float
    ear_max: float


def liveness(
    landmarks_per_frame: Sequence[Landmarks],
    *,
    blink_ear: float = 0.2,
    open_ear: float = 0.25,
    min_turn: float = 0.12,
) -> Liveness:
    """A live face over a burst: the eyes close after being open (a blink), or the head turns.
    A printed or on-screen photo keeps both still, however it is moved in front of the camera."""
    if len(landmarks_per_frame) < 2:
        return Liveness(False, "too few frames", False, 0.0, 0.0, 0.0)
    ears = [eye_aspect_ratio(lm) for lm in landmarks_per_frame]
    turns = [head_turn(lm) for lm in landmarks_per_frame]
    blink = any(
        ears[i] >= open_ear and any(e < blink_ear for e in ears[i + 1 :]) for i in range(len(ears))
    ) or any(
        ears[i] < blink_ear and any(e >= open_ear for e in ears[i + 1 :]) for i in range(len(ears))
    )
    turn = max(turns) - min(turns)
    live = blink or turn >= min_turn
    reason = "blink" if blink else ("head turn" if live else "no blink and no head movement")
    return Liveness(live, reason, blink, round(turn, 4), round(min(ears), 4), round(max(ears), 4))


def distances(templates: NDArray[np.float32], probe: Template) -> NDArray[np.float32]:
    """Euclidean distance from the probe to each row of `templates` (shape (n, 128))."""
    if len(templates) == 0:
        return np.empty(0, dtype=np.float32)
    diff = templates - probe.astype(np.float32)
    return np.sqrt(np.einsum("ij,ij->i", diff, diff))


def to_bytes(template: Template) -> bytes:
    return np.asarray(template, dtype="<f4").tobytes()


def from_bytes(raw: bytes) -> Template:
    template = np.frombuffer(raw, dtype="<f4")
    if template.shape != (TEMPLATE_SIZE,):
        raise ValueError("a face template has 128 numbers")
    return template.astype(np.float32)


def as_rgb(image: Any) -> Image:
    """An RGB uint8 array from a greyscale, RGB or RGBA array."""
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    if array.shape[-1] == 4:
        array = array[..., :3]
    return np.ascontiguousarray(array, dtype=np.uint8)

"""Cameras: a burst of RGB frames for face sign-in and enrolment. The real one reads a V4L2
device (or a video file) through OpenCV; the fake plays frames it was given."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import cv2
import numpy as np

from .faces import Image


class CameraError(Exception):
    """The camera is missing, busy, or stopped giving frames."""


class Camera(Protocol):
    def capture(self, count: int = 1) -> list[Image]:
        """`count` consecutive frames, RGB uint8, oldest first."""
        ...

    def close(self) -> None: ...


class OpenCVCamera:
    """A camera by index (/dev/videoN) or a video file path, at the asked resolution."""

    def __init__(self, source: int | str = 0, width: int = 640, height: int = 480) -> None:
        self._capture = cv2.VideoCapture(source)
        if not self._capture.isOpened():
            raise CameraError(f"cannot open camera {source!r}")
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)

    def capture(self, count: int = 1) -> list[Image]:
        frames = []
        for _ in range(count):
            ok, frame = self._capture.read()
            if not ok or frame is None:
                raise CameraError("the camera gave no frame")
            frames.append(np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)))
        return frames

    def close(self) -> None:
        self._capture.release()


class FakeCamera:
    """Plays the given frames in a loop."""

    def __init__(self, frames: Sequence[Image]) -> None:
        if not frames:
            raise ValueError("a fake camera needs at least one frame")
        self.frames = list(frames)
        self._next = 0
        self.closed = False

    def capture(self, count: int = 1) -> list[Image]:
        if self.closed:
            raise CameraError("the camera is closed")
        taken = []
        for _ in range(count):
            taken.append(self.frames[self._next % len(self.frames)])
            self._next += 1
        return taken

    def close(self) -> None:
        self.closed = True


def decode_image(data: bytes) -> Image:
    """An uploaded or posted JPEG/PNG as an RGB array; CameraError if it is not an image."""
    array = np.frombuffer(data, dtype=np.uint8)
    decoded = cv2.imdecode(array, cv2.IMREAD_COLOR)
    if decoded is None:
        raise CameraError("not a JPEG or PNG image")
    return np.ascontiguousarray(cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB))


def write_video(path: str, frames: Sequence[Image], fps: float = 10.0) -> None:
    """Write frames to a video file (e.g. .avi with MJPG) that OpenCVCamera can play back."""
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    try:
        for frame in frames:
            writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()

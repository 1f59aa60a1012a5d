"""Real face photographs that ship inside public packages, fetched once per machine with pip and
kept in a cache folder:

- face-recognition 1.3.0's source archive, tests/test_images/: six photos of Barack Obama
  (obama.jpg, obama2.jpg, obama3.jpg, two partial faces, 32bit.png, the same shot as obama2)
  and one of Joe Biden (biden.jpg);
- scikit-image's wheel, skimage/data/astronaut.png (Eileen Collins);
- matplotlib's wheel, mpl-data/sample_data/grace_hopper.jpg (Grace Hopper).

Only the image files are extracted; nothing is installed.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import PIL.Image

from hardware.faces import FaceBox, Image, as_rgb

SDIST = "face-recognition==1.3.0"
WHEELS = ("scikit-image==0.26.0", "matplotlib==3.10.7")
FROM_SDIST = ("obama.jpg", "obama2.jpg", "obama3.jpg", "obama_partial_face2.jpg", "biden.jpg")
FROM_WHEELS = {
    "skimage/data/astronaut.png": "astronaut.png",
    "matplotlib/mpl-data/sample_data/grace_hopper.jpg": "grace_hopper.jpg",
}
ALL = (*FROM_SDIST, *FROM_WHEELS.values())


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cellgate-test-photos"


def _pip_download(target: Path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(target), *args],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pip download {' '.join(args)} failed: {done.stderr[-2000:]}")


def photos_dir() -> Path:
    """The folder with every photo in ALL, fetching them the first time (a few seconds)."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as lock:
        # Several test runs may start at once on one machine; one of them fetches.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if all((folder / name).exists() for name in ALL):
            return folder
        downloads = folder / "downloads"
        _pip_download(downloads, "--no-binary", ":all:", SDIST)
        _pip_download(downloads, "--only-binary", ":all:", *WHEELS)
        for archive in downloads.iterdir():
            if archive.name.endswith(".tar.gz"):
                with tarfile.open(archive) as tar:
                    for member in tar.getmembers():
                        name = member.name.rsplit("/", 1)[-1]
                        if "/tests/test_images/" in member.name and name in FROM_SDIST:
                            source = tar.extractfile(member)
                            assert source is not None
                            (folder / name).write_bytes(source.read())
            elif archive.suffix == ".whl":
                with zipfile.ZipFile(archive) as wheel:
                    for inside, name in FROM_WHEELS.items():
                        if inside in wheel.namelist():
                            (folder / name).write_bytes(wheel.read(inside))
        shutil.rmtree(downloads)  # the pip cache keeps the archives; only the photos stay here
        missing = [name for name in ALL if not (folder / name).exists()]
        if missing:
            raise RuntimeError(f"test photos missing after download: {missing}")
        return folder


def load(name: str, *, max_side: int = 800) -> Image:
    """A photo as RGB, scaled down so its longer side is at most `max_side` pixels."""
    with PIL.Image.open(photos_dir() / name) as image:
        image = image.convert("RGB")
        scale = max_side / max(image.size)
        if scale < 1:
            size = (round(image.width * scale), round(image.height * scale))
            image = image.resize(size, PIL.Image.Resampling.LANCZOS)
        return as_rgb(np.asarray(image))


def portrait(image: Image, box: FaceBox, *, margin: float = 0.9) -> Image:
    """Head and shoulders: the face in `box` with `margin` face widths around it."""
    pad_x, pad_y = round(box.width * margin), round(box.height * margin)
    top, bottom = max(0, box.top - pad_y), min(image.shape[0], box.bottom + pad_y)
    left, right = max(0, box.left - pad_x), min(image.shape[1], box.right + pad_x)
    return np.ascontiguousarray(image[top:bottom, left:right])


def frame(image: Image, *, scale: float = 1.0, shift: tuple[int, int] = (0, 0)) -> Image:
    """A 640x480 camera frame: the image fitted into it, times `scale`, moved by `shift`
    pixels, on a grey background (what a camera sees of a face or of a photo held up to it)."""
    height, width = image.shape[:2]
    fit = min(440 / height, 600 / width) * scale
    size = (max(1, round(width * fit)), max(1, round(height * fit)))
    small = np.asarray(PIL.Image.fromarray(image).resize(size, PIL.Image.Resampling.LANCZOS))
    canvas = np.full((480, 640, 3), 128, dtype=np.uint8)
    top = (480 - size[1]) // 2 + shift[1]
    left = (640 - size[0]) // 2 + shift[0]
    canvas[top : top + size[1], left : left + size[0]] = small
    return canvas


def side_by_side(first: Image, second: Image) -> Image:
    """Two photos next to each other on one canvas, the same height."""
    height = min(first.shape[0], second.shape[0])

    def fit(image: Image) -> Image:
        width = round(image.shape[1] * height / image.shape[0])
        resized = PIL.Image.fromarray(image).resize((width, height), PIL.Image.Resampling.LANCZOS)
        return np.asarray(resized)

    return np.ascontiguousarray(np.hstack([fit(first), fit(second)]))

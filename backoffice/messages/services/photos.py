"""Photo attachments: only JPEG and PNG, within the size limits, decoded and encoded again so
that nothing but the pixels is kept (no EXIF: no place, no camera, no time; no comments)."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from ...errors import InvalidInput

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 24_000_000
MAX_PHOTOS = 3
TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}


@dataclass(frozen=True)
class CleanPhoto:
    content_type: str
    data: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def clean_photo(raw: bytes, *, max_bytes: int = MAX_BYTES) -> CleanPhoto:
    if len(raw) > max_bytes:
        raise InvalidInput(
            "A photo may be at most %(limit)s MB.",
            why="photo_size",
            limit=max_bytes // (1024 * 1024),
        )
    try:
        with warnings.catch_warnings():
            # A decompression bomb is an error here, not a warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            kind = image.format
            if kind not in TYPES:
                raise InvalidInput("Only JPEG and PNG photos can be sent.", why="photo_type")
            if image.width * image.height > MAX_PIXELS:
                raise InvalidInput("This photo is too large.", why="photo_pixels")
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):  # fmt: skip
        raise InvalidInput("This file is not a photo that can be sent.", why="photo_type") from None
    # The pixels only, in a new image: no EXIF, no ICC profile, no text chunks.
    mode = "RGB" if kind == "JPEG" else ("RGBA" if "A" in image.getbands() else "RGB")
    pixels = image.convert(mode)
    clean = Image.new(mode, pixels.size)
    clean.paste(pixels)
    out = io.BytesIO()
    if kind == "JPEG":
        clean.save(out, "JPEG", quality=88)
    else:
        clean.save(out, "PNG", optimize=True)
    return CleanPhoto(TYPES[kind], out.getvalue(), clean.width, clean.height)

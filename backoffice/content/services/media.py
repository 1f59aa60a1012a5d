"""Media files on disk, named by their SHA-256 under the media directory: an upload is read in
chunks into a temporary file while it is hashed and counted, its kind is told by its first bytes
(never by its name or the browser's word), video and audio are read by ffprobe, and only then is
it moved into place, readable and never executable. The same bytes uploaded twice are one file
and one row."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...errors import InvalidInput
from ...settings import ROOT, Settings
from ..models import Media

CHUNK = 1 << 20
SHA256 = re.compile(r"^[0-9a-f]{64}$")
# What a file may be, by the library's use of it.
VIDEO = frozenset({"video/mp4", "video/webm"})
AUDIO = frozenset({"audio/mpeg", "audio/ogg", "audio/wav", "audio/mp4"})
DOCUMENTS = frozenset({"application/pdf", "application/epub+zip"})
SUBTITLES = frozenset({"text/vtt"})
PROBED = VIDEO | AUDIO


@dataclass(frozen=True)
class MediaConfig:
    directory: Path
    max_upload_bytes: int
    max_document_bytes: int
    ffprobe: str
    ffprobe_timeout_seconds: int

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaConfig:
        directory = Path(settings["content.media_dir"])
        return cls(
            directory=directory if directory.is_absolute() else ROOT / directory,
            max_upload_bytes=settings["content.max_upload_bytes"],
            max_document_bytes=settings["content.max_document_bytes"],
            ffprobe=settings["content.ffprobe"],
            ffprobe_timeout_seconds=settings["content.ffprobe_timeout_seconds"],
        )

    def path_of(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise ValueError("not a SHA-256")
        return self.directory / sha256[:2] / sha256[2:4] / sha256


def sniff(head: bytes, path: Path) -> str | None:
    """The kind of a file by its first bytes (and, for EPUB, its zip's mimetype entry)."""
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "audio/mp4" if brand in (b"M4A ", b"M4B ") else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                if archive.read("mimetype").strip() == b"application/epub+zip":
                    return "application/epub+zip"
        except (zipfile.BadZipFile, KeyError):
            return None
        return None
    if head.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT"):
        return "text/vtt"
    return None


@dataclass(frozen=True)
class Probe:
    duration_ms: int | None
    width: int | None
    height: int | None
    codecs: str


def probe(config: MediaConfig, path: Path) -> Probe:
    """What ffprobe reads in the file; a file it cannot read, or with no audio or video stream,
    is refused."""
    try:
        done = subprocess.run(
            [
                config.ffprobe,
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                str(path),
            ],
            capture_output=True,
            timeout=config.ffprobe_timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InvalidInput("The file could not be read in time.") from None
    if done.returncode != 0:
        raise InvalidInput("The file is not a video or audio file that can be played.")
    found = json.loads(done.stdout or b"{}")
    streams = [s for s in found.get("streams", []) if s.get("codec_type") in ("video", "audio")]
    if not streams:
        raise InvalidInput("The file has neither video nor sound.")
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    duration = found.get("format", {}).get("duration")
    return Probe(
        duration_ms=round(float(duration) * 1000) if duration else None,
        width=int(video["width"]) if video and "width" in video else None,
        height=int(video["height"]) if video and "height" in video else None,
        codecs=",".join(str(s.get("codec_name", "")) for s in streams)[:200],
    )


def store(
    db: Session,
    actor: Actor,
    config: MediaConfig,
    upload: BinaryIO,
    filename: str,
    *,
    allowed: frozenset[str],
) -> Media:
    """Keep an uploaded file of one of the `allowed` kinds; the row of the same bytes if they
    are already kept."""
    limit = config.max_upload_bytes if allowed & PROBED else config.max_document_bytes
    incoming = config.directory / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=incoming, delete=False) as temporary:
        kept = Path(temporary.name)
        try:
            while chunk := upload.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise InvalidInput(
                        "The file is larger than %(most)s MB.", most=limit // (1 << 20)
                    )
                digest.update(chunk)
                temporary.write(chunk)
        except BaseException:
            kept.unlink(missing_ok=True)
            raise
    try:
        return _keep(db, actor, config, kept, digest.hexdigest(), size, filename, allowed)
    finally:
        kept.unlink(missing_ok=True)


def _keep(
    db: Session,
    actor: Actor,
    config: MediaConfig,
    kept: Path,
    sha256: str,
    size: int,
    filename: str,
    allowed: frozenset[str],
) -> Media:
    existing = db.scalars(select(Media).where(Media.sha256 == sha256)).first()
    if existing is not None and existing.content_type in allowed:
        return existing
    if size == 0:
        raise InvalidInput("The file is empty.")
    with kept.open("rb") as fh:
        head = fh.read(64)
    kind = sniff(head, kept)
    if kind not in allowed:
        raise InvalidInput("This kind of file is not accepted here.", kind=kind or "unknown")
    found = probe(config, kept) if kind in PROBED else Probe(None, None, None, "")
    if existing is not None:
        return existing
    target = config.path_of(sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(kept, 0o640)  # read, never run
    os.replace(kept, target)
    media = Media(
        sha256=sha256,
        content_type=kind,
        size_bytes=size,
        duration_ms=found.duration_ms,
        width=found.width,
        height=found.height,
        codecs=found.codecs,
        original_name=Path(filename).name[:200],
        uploaded_by_id=actor.id if actor.kind == "staff" else None,
    )
    db.add(media)
    db.flush()
    record(
        db,
        actor,
        "content.media_uploaded",
        target_type="content_media",
        target_id=media.id,
        sha256=sha256,
        content_type=kind,
        size_bytes=size,
    )
    return media

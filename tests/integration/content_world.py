"""The content library's test world: short real clips made with ffmpeg once per session, the
media settings of one test, and an item made, reviewed by someone else and published in one
call."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.content import services
from backoffice.content.models import Item, Media
from backoffice.settings import Settings
from backoffice.staff.models import StaffUser

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SUBTITLES = b"WEBVTT\n\n00:00.000 --> 00:02.000\nTere!\n"


def _ffmpeg(*arguments: str) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *arguments],
        check=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A 3-second WebM video (VP8 and Opus, which Chromium plays), a 2-second MP3 and a
    WebVTT subtitle file, made with Debian's ffmpeg."""
    where = tmp_path_factory.mktemp("clips")
    video, audio, other_video = where / "clip.webm", where / "tone.mp3", where / "other.webm"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=duration=3:size=160x120:rate=10",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:v", "libvpx",
            "-deadline", "realtime", "-b:v", "200k", "-c:a", "libopus", "-shortest",
            str(video))  # fmt: skip
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=duration=2:size=160x120:rate=10", "-c:v", "libvpx",
            "-deadline", "realtime", str(other_video))  # fmt: skip
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=660:duration=2", "-c:a", "libmp3lame",
            str(audio))  # fmt: skip
    subtitles = where / "clip.vtt"
    subtitles.write_bytes(SUBTITLES)
    return {"video": video, "audio": audio, "other_video": other_video, "subtitles": subtitles}


def media_settings(settings: Settings, directory: Path) -> Settings:
    return settings.with_overrides({"content.media_dir": str(directory)})


def staff_actor(user: StaffUser) -> Actor:
    return Actor(kind="staff", id=user.id, name=user.username)


def upload(
    db: Session, author: StaffUser, config: services.MediaConfig, path: Path, kinds: frozenset[str]
) -> Media:
    with path.open("rb") as fh:
        return services.store(db, staff_actor(author), config, fh, path.name, allowed=kinds)


def upload_bytes(
    db: Session, author: StaffUser, config: services.MediaConfig, data: bytes, kinds: frozenset[str]
) -> Media:
    return services.store(db, staff_actor(author), config, BytesIO(data), "x", allowed=kinds)


def published(
    db: Session,
    author: StaffUser,
    reviewer: StaffUser,
    targets: Sequence[services.TargetSpec],
    *,
    kind: str = "page",
    title: str = "Library hours",
    body: str = "The library is open on Tuesdays.",
    media: Media | None = None,
    subtitles: Media | None = None,
    language: str = "en",
    min_age: int = 0,
    tags: Sequence[str] = (),
    now: datetime = NOW,
) -> Item:
    """An item written by `author`, approved by `reviewer` and live for `targets`."""
    maker = staff_actor(author)
    item = services.create_item(db, maker, services.ItemSpec(kind=kind, min_age=min_age), now)
    services.save_version(
        db,
        maker,
        item.id,
        services.VersionText(language=language, title=title, body=body),
        now=now,
        media_id=media.id if media else None,
        subtitles_id=subtitles.id if subtitles else None,
    )
    if tags:
        services.set_tags(db, maker, item.id, tags, now)
    services.set_targets(db, maker, item.id, targets, now)
    services.move(db, maker, item.id, "submit", now=now)
    services.move(db, staff_actor(reviewer), item.id, "approve", now=now)
    db.commit()
    return item

"""The content library's tables: items (video, audio series and episodes, documents, staff pages,
courses and their lessons) with a version per language, the media files they play, who they are
published to, what each inmate did with them, course completions and urgent notices."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ..people.models import Language, LegalStatus, one_of


class Kind(StrEnum):
    VIDEO = "video"
    AUDIO = "audio"
    # An audio or video series: its episodes are items with the series as their parent.
    SERIES = "series"
    DOCUMENT = "document"  # PDF or EPUB
    PAGE = "page"  # written by staff
    # A course: its lessons are items with the course as their parent, each with a quiz.
    COURSE = "course"
    LESSON = "lesson"


class Status(StrEnum):
    DRAFT = "draft"
    AWAITING_REVIEW = "awaiting_review"
    # Approved, waiting for its publish_at (the jobs runner publishes it then).
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"


class Level(StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


# The editorial flow, written once: action -> (from states, to state). `approve` and
# `return_to_draft` are the checker's (never the author's); the jobs runner does the `*_due` ones.
TRANSITIONS: dict[str, tuple[frozenset[Status], Status]] = {
    "submit": (frozenset({Status.DRAFT}), Status.AWAITING_REVIEW),
    "return_to_draft": (frozenset({Status.AWAITING_REVIEW}), Status.DRAFT),
    "approve": (frozenset({Status.AWAITING_REVIEW}), Status.PUBLISHED),
    "schedule": (frozenset({Status.AWAITING_REVIEW}), Status.SCHEDULED),
    "publish_due": (frozenset({Status.SCHEDULED}), Status.PUBLISHED),
    "unpublish": (frozenset({Status.PUBLISHED, Status.SCHEDULED}), Status.UNPUBLISHED),
    "unpublish_due": (frozenset({Status.PUBLISHED}), Status.UNPUBLISHED),
    "reopen": (frozenset({Status.UNPUBLISHED}), Status.DRAFT),
}
CHECKER_ACTIONS = frozenset({"approve", "schedule", "return_to_draft"})
# What each kind of parent is made of: a series of episodes, a course of lessons.
PARTS = {Kind.SERIES: frozenset({Kind.VIDEO, Kind.AUDIO}), Kind.COURSE: frozenset({Kind.LESSON})}
PLAYABLE = frozenset({Kind.VIDEO, Kind.AUDIO, Kind.LESSON})


class ContentCategory(Base):
    __tablename__ = "content_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    # {"et": ..., "ru": ..., "en": ...}
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class Media(Base):
    """A file on disk under the media directory, named by its SHA-256: the same bytes are
    stored once. Checked at upload (kind by its first bytes, size, ffprobe for video and
    audio) and only ever read back, never run."""

    __tablename__ = "content_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column()
    duration_ms: Mapped[int | None] = mapped_column()
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    codecs: Mapped[str] = mapped_column(String(200), default="")
    original_name: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


SHOWN_ITEMS = "status = 'published' AND parent_id IS NULL"


class Item(Base):
    __tablename__ = "content_items"
    __table_args__ = (
        CheckConstraint(one_of("kind", Kind), name="kind"),
        CheckConstraint(one_of("status", Status), name="status"),
        CheckConstraint(f"level IS NULL OR {one_of('level', Level)}", name="level"),
        CheckConstraint("min_age >= 0", name="min_age"),
        Index("ix_content_items_listing", "status", "parent_id", "published_at"),
        # What an inmate's library lists, newest id first (revision 0007; services/library.py
        # writes the status as this literal so that the planner sees the index fits).
        Index(
            "ix_content_items_shown",
            "id",
            postgresql_where=text(SHOWN_ITEMS),
            sqlite_where=text(SHOWN_ITEMS),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=Status.DRAFT.value)
    # Episodes of a series and lessons of a course: published with their parent.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("content_items.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("content_categories.id"))
    level: Mapped[str | None] = mapped_column(String(16))
    min_age: Mapped[int] = mapped_column(default=0)
    # Share of a lesson's quiz to answer right, in percent.
    pass_percent: Mapped[int] = mapped_column(default=100)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    last_edited_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    unpublish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list[Version]] = relationship(
        back_populates="item", order_by="Version.language", cascade="all, delete-orphan"
    )
    targets: Mapped[list[Target]] = relationship(cascade="all, delete-orphan")
    tags: Mapped[list[Tag]] = relationship(cascade="all, delete-orphan", order_by="Tag.tag")
    parts: Mapped[list[Item]] = relationship(order_by="Item.position")
    category: Mapped[ContentCategory | None] = relationship()

    def version_in(self, language: str) -> Version | None:
        """The version in `language`, else the first there is."""
        for version in self.versions:
            if version.language == language:
                return version
        return self.versions[0] if self.versions else None


class Version(Base):
    """An item in one language: its title and text, the file it plays or shows, its subtitles
    (WebVTT) and, for a lesson, its quiz."""

    __tablename__ = "content_versions"
    __table_args__ = (
        UniqueConstraint("item_id", "language"),
        CheckConstraint(one_of("language", Language), name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    media_id: Mapped[int | None] = mapped_column(ForeignKey("content_media.id"), index=True)
    subtitles_id: Mapped[int | None] = mapped_column(ForeignKey("content_media.id"), index=True)
    # [{"question": ..., "choices": [...], "answer": index}, ...]
    quiz: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    item: Mapped[Item] = relationship(back_populates="versions")
    media: Mapped[Media | None] = relationship(foreign_keys=[media_id])
    subtitles: Mapped[Media | None] = relationship(foreign_keys=[subtitles_id])


class Tag(Base):
    __tablename__ = "content_tags"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("content_items.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Target(Base):
    """Who an item is published to: a prison, and within it a wing, a legal status and a regime
    level where they are set. An item with no target is shown to nobody."""

    __tablename__ = "content_targets"
    __table_args__ = (
        CheckConstraint(
            f"legal_status IS NULL OR {one_of('legal_status', LegalStatus)}", name="legal_status"
        ),
        Index("ix_content_targets_audience", "prison_id", "wing_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("content_items.id", ondelete="CASCADE"), index=True
    )
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"))
    wing_id: Mapped[int | None] = mapped_column(ForeignKey("wings.id"))
    legal_status: Mapped[str | None] = mapped_column(String(16))
    regime_level: Mapped[str | None] = mapped_column(String(32))


class Engagement(Base):
    """What one inmate did with one item: where they stopped, a favourite, a rating (1-5),
    when they finished it (a lesson: its quiz passed)."""

    __tablename__ = "content_engagements"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
        CheckConstraint("position_seconds >= 0", name="position_seconds"),
    )

    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("content_items.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position_seconds: Mapped[int] = mapped_column(default=0)
    favourite: Mapped[bool] = mapped_column(default=False)
    rating: Mapped[int | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CourseCompletion(Base):
    """A finished course: a record in the inmate's file that staff see and print on release."""

    __tablename__ = "content_course_completions"
    __table_args__ = (UniqueConstraint("inmate_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("content_items.id"))
    # The course's title when it was finished, in the inmate's language.
    title: Mapped[str] = mapped_column(String(200))
    lessons: Mapped[int] = mapped_column()
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_on: Mapped[date] = mapped_column()

    course: Mapped[Item] = relationship()


class Notice(Base):
    """An urgent notice to a prison, one wing or one cell, which each inmate there must
    acknowledge. Its audience is whoever is there when they sign in."""

    __tablename__ = "content_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    wing_id: Mapped[int | None] = mapped_column(ForeignKey("wings.id"))
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("cells.id"))
    # {"et": {"title": ..., "body": ...}, ...}: at least one language.
    texts: Mapped[dict[str, dict[str, str]]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def text_in(self, language: str) -> dict[str, str]:
        if language in self.texts:
            return self.texts[language]
        return next(iter(self.texts.values()), {"title": "", "body": ""})


class NoticeReceipt(Base):
    __tablename__ = "content_notice_receipts"

    notice_id: Mapped[int] = mapped_column(
        ForeignKey("content_notices.id", ondelete="CASCADE"), primary_key=True
    )
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), primary_key=True, index=True)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

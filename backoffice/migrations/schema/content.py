"""The content library: categories, media, items and their language versions, tags, targets,
what inmates did with them, course completions, urgent notices and their receipts; and the
search index (FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL), which is kept by the
content services and not part of the models (`SEARCH_TABLE`)."""

import sqlalchemy as sa
from alembic import op

from .columns import boolean, date, integer, json, moment, string, text
from .tables import create, drop

SEARCH_TABLE = "content_search"
KINDS = "'video', 'audio', 'series', 'document', 'page', 'course', 'lesson'"
STATUSES = "'draft', 'awaiting_review', 'scheduled', 'published', 'unpublished'"
LEVELS = "'beginner', 'intermediate', 'advanced'"


def upgrade() -> None:
    create(
        "content_categories",
        integer("id"),
        string("code", 64),
        json("names"),
        unique=["code"],
    )
    create(
        "content_media",
        integer("id"),
        string("sha256", 64),
        string("content_type", 64),
        integer("size_bytes"),
        integer("duration_ms", nullable=True),
        integer("width", nullable=True),
        integer("height", nullable=True),
        string("codecs", 200),
        string("original_name", 200),
        integer("uploaded_by_id", nullable=True, refers="staff_users"),
        moment("uploaded_at"),
        unique=["sha256"],
    )
    create(
        "content_items",
        integer("id"),
        string("kind", 16),
        string("status", 16),
        integer("parent_id", nullable=True, refers="content_items"),
        integer("position"),
        integer("category_id", nullable=True, refers="content_categories"),
        string("level", 16, nullable=True),
        integer("min_age"),
        integer("pass_percent"),
        integer("author_id", refers="staff_users"),
        integer("last_edited_by_id", refers="staff_users"),
        integer("reviewed_by_id", nullable=True, refers="staff_users"),
        moment("publish_at", nullable=True),
        moment("unpublish_at", nullable=True),
        moment("published_at", nullable=True),
        moment("created_at"),
        moment("updated_at"),
        checks={
            "kind": f"kind IN ({KINDS})",
            "status": f"status IN ({STATUSES})",
            "level": f"level IS NULL OR level IN ({LEVELS})",
            "min_age": "min_age >= 0",
        },
        indexes=["parent_id"],
    )
    op.create_index(
        "ix_content_items_listing", "content_items", ["status", "parent_id", "published_at"]
    )
    create(
        "content_versions",
        integer("id"),
        integer("item_id", refers="content_items", ondelete="CASCADE"),
        string("language", 2),
        string("title", 200),
        text("summary"),
        text("body"),
        integer("media_id", nullable=True, refers="content_media"),
        integer("subtitles_id", nullable=True, refers="content_media"),
        json("quiz"),
        checks={"language": "language IN ('et', 'ru', 'en')"},
        unique=[("item_id", "language")],
        indexes=["media_id", "subtitles_id"],
    )
    create(
        "content_tags",
        integer("item_id", refers="content_items", ondelete="CASCADE"),
        string("tag", 64),
        primary_key=("item_id", "tag"),
        indexes=["tag"],
    )
    create(
        "content_targets",
        integer("id"),
        integer("item_id", refers="content_items", ondelete="CASCADE"),
        integer("prison_id", refers="prisons"),
        integer("wing_id", nullable=True, refers="wings"),
        string("legal_status", 16, nullable=True),
        string("regime_level", 32, nullable=True),
        checks={"legal_status": "legal_status IS NULL OR legal_status IN ('remand', 'convicted')"},
        indexes=["item_id"],
    )
    op.create_index(
        "ix_content_targets_audience", "content_targets", ["prison_id", "wing_id", "item_id"]
    )
    create(
        "content_engagements",
        integer("inmate_id", refers="inmates"),
        integer("item_id", refers="content_items", ondelete="CASCADE"),
        integer("position_seconds"),
        boolean("favourite"),
        integer("rating", nullable=True),
        moment("completed_at", nullable=True),
        moment("updated_at"),
        checks={
            "rating": "rating IS NULL OR rating BETWEEN 1 AND 5",
            "position_seconds": "position_seconds >= 0",
        },
        primary_key=("inmate_id", "item_id"),
        indexes=["item_id"],
    )
    create(
        "content_course_completions",
        integer("id"),
        integer("inmate_id", refers="inmates"),
        integer("course_id", refers="content_items"),
        string("title", 200),
        integer("lessons"),
        moment("completed_at"),
        date("completed_on"),
        unique=[("inmate_id", "course_id")],
        indexes=["inmate_id"],
    )
    create(
        "content_notices",
        integer("id"),
        integer("prison_id", refers="prisons"),
        integer("wing_id", nullable=True, refers="wings"),
        integer("cell_id", nullable=True, refers="cells"),
        json("texts"),
        integer("created_by_id", refers="staff_users"),
        moment("created_at"),
        moment("withdrawn_at", nullable=True),
        indexes=["prison_id"],
    )
    create(
        "content_notice_receipts",
        integer("notice_id", refers="content_notices", ondelete="CASCADE"),
        integer("inmate_id", refers="inmates"),
        moment("acknowledged_at"),
        primary_key=("notice_id", "inmate_id"),
        indexes=["inmate_id"],
    )
    _create_search_index()


def _create_search_index() -> None:
    """One row per version: its title, summary, body and the item's tags."""
    if op.get_context().dialect.name == "postgresql":
        op.create_table(
            SEARCH_TABLE,
            sa.Column(
                "version_id",
                sa.Integer(),
                sa.ForeignKey("content_versions.id", ondelete="CASCADE"),
                primary_key=True,
            ),
            sa.Column("document", sa.dialects.postgresql.TSVECTOR(), nullable=False),
        )
        op.execute(
            f"CREATE INDEX ix_{SEARCH_TABLE}_document ON {SEARCH_TABLE} USING gin (document)"
        )
    else:
        # rowid is the version's id. Diacritics are folded, so that a kiosk's on-screen
        # keyboard without them still finds "kõne" by "kone" and "ёлка" by "елка".
        op.execute(
            f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(title, summary, body, tags, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    op.execute(f"DROP TABLE {SEARCH_TABLE}")
    drop(
        "content_notice_receipts",
        "content_notices",
        "content_course_completions",
        "content_engagements",
        "content_targets",
        "content_tags",
        "content_versions",
        "content_items",
        "content_media",
        "content_categories",
    )

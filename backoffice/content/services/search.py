"""The library's search index: one row per language version (title, summary, body and the
item's tags), PostgreSQL full-text search in production and SQLite FTS5 in the demo. Words are
matched by their beginning, so that a half-typed word on the kiosk's keyboard finds already."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...db import is_postgresql
from ...migrations.schema.content import SEARCH_TABLE
from ..models import Version

WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 8


def words_of(query: str) -> list[str]:
    return [w.lower() for w in WORD.findall(query)][:MAX_WORDS]


def index_version(db: Session, version: Version, tags: list[str]) -> None:
    values = {
        "id": version.id,
        "title": version.title,
        "summary": version.summary,
        "body": version.body,
        "tags": " ".join(tags),
    }
    if is_postgresql(db):
        db.execute(
            text(
                f"INSERT INTO {SEARCH_TABLE} (version_id, document) VALUES (:id, "
                "setweight(to_tsvector('simple', :title), 'A') || "
                "setweight(to_tsvector('simple', :tags), 'B') || "
                "setweight(to_tsvector('simple', :summary), 'C') || "
                "to_tsvector('simple', :body)) "
                "ON CONFLICT (version_id) DO UPDATE SET document = EXCLUDED.document"
            ),
            values,
        )
        return
    db.execute(text(f"DELETE FROM {SEARCH_TABLE} WHERE rowid = :id"), {"id": version.id})
    db.execute(
        text(
            f"INSERT INTO {SEARCH_TABLE} (rowid, title, summary, body, tags) "
            "VALUES (:id, :title, :summary, :body, :tags)"
        ),
        values,
    )


def matching_version_ids(db: Session, query: str) -> tuple[str, dict[str, str]] | None:
    """A SQL condition on `content_versions.id` and its parameters, for the versions whose
    words begin with every word of `query`; None when the query has no words."""
    words = words_of(query)
    if not words:
        return None
    if is_postgresql(db):
        # Each word quoted, so that no letter of any alphabet is read as tsquery syntax.
        expression = " & ".join(f"'{w}':*" for w in words)
        return (
            f"content_versions.id IN (SELECT version_id FROM {SEARCH_TABLE} "
            "WHERE document @@ to_tsquery('simple', :search))",
            {"search": expression},
        )
    expression = " AND ".join('"' + w.replace('"', "") + '"*' for w in words)
    return (
        f"content_versions.id IN (SELECT rowid FROM {SEARCH_TABLE} "
        f"WHERE {SEARCH_TABLE} MATCH :search)",
        {"search": expression},
    )

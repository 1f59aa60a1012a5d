"""The library's pages as an inmate lists and searches them: newest first, in pages by the last
id seen (keyset: no OFFSET, no count), visibility decided in the same query as the page
(`library.shown_to`: the prison, wing, legal status and regime level it is published to, its age
limit, its time), and everything a page shows read in one query of plain columns: the items
with their category, the inmate's own marks, and their titles in every language with each
file's length. No item's body, quiz or file row is loaded to list it.

The statement is made once per combination of filters, with the inmate's values as parameters:
making it anew took a quarter of a listing's time."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, exists, select, text
from sqlalchemy.orm import Session

from ...people.models import Inmate
from ..models import ContentCategory, Engagement, Item, Media, Version
from .library import Entry, shown_to_bound, shown_values
from .search import matching_version_ids


@lru_cache(maxsize=64)
def _statement(
    search: str | None, category: bool, kind: bool, favourites: bool, before: bool
) -> Select[Any]:
    """The page's items (one more than the page, to know whether another follows) with each of
    their versions: one row per version, newest item first. `search`: the SQL condition on a
    version that it matches (its words are the parameter `search`)."""
    mine = (Engagement.item_id == Item.id) & (Engagement.inmate_id == bindparam("inmate_id"))
    page = (
        select(
            Item.id,
            Item.kind,
            Item.level,
            ContentCategory.code,
            ContentCategory.names,
            Engagement.favourite,
            Engagement.rating,
            Engagement.position_seconds,
            Engagement.completed_at,
        )
        .outerjoin(ContentCategory, ContentCategory.id == Item.category_id)
        .outerjoin(Engagement, mine)
        .where(shown_to_bound(), exists().where(Version.item_id == Item.id))
    )
    if search is not None:
        page = page.where(exists().where(Version.item_id == Item.id, text(search)))
    if category:
        page = page.where(Item.category_id == bindparam("category_id"))
    if kind:
        page = page.where(Item.kind == bindparam("kind"))
    if favourites:
        page = page.where(Engagement.favourite.is_(True))  # the inmate's own row (joined above)
    if before:
        page = page.where(Item.id < bindparam("before_id"))
    rows = page.order_by(Item.id.desc()).limit(bindparam("rows", type_=Integer)).subquery()
    return (
        select(rows, Version.language, Version.title, Version.summary, Media.duration_ms)
        .join(Version, Version.item_id == rows.c.id)
        .outerjoin(Media, Media.id == Version.media_id)
        .order_by(rows.c.id.desc(), Version.language)
    )


def browse(
    db: Session,
    inmate: Inmate,
    now: datetime,
    *,
    query: str = "",
    category_id: int | None = None,
    kind: str | None = None,
    favourites: bool = False,
    limit: int = 20,
    before_id: int | None = None,
) -> tuple[list[Entry], int | None]:
    """A page of what the inmate may see, newest first; and the cursor of the next page."""
    params: dict[str, Any] = {
        **shown_values(inmate, now), "inmate_id": inmate.id, "rows": limit + 1,
        "category_id": category_id, "kind": kind, "before_id": before_id,
    }  # fmt: skip
    condition = None
    if query.strip():
        search = matching_version_ids(db, query)
        if search is None:
            return [], None
        condition, words = search
        params.update(words)
    stmt = _statement(condition, category_id is not None, bool(kind), favourites,
                      before_id is not None)  # fmt: skip
    items: dict[int, list[Any]] = {}
    for row in db.execute(stmt, params):
        items.setdefault(row.id, []).append(row)
    more = len(items) > limit
    language = inmate.language
    entries = []
    for versions in list(items.values())[:limit]:
        # The inmate's language, else the first there is (as `Item.version_in`).
        row = next((v for v in versions if v.language == language), versions[0])
        entries.append(
            Entry(
                id=row.id,
                kind=row.kind,
                title=row.title,
                summary=row.summary,
                language=row.language,
                category=((row.names or {}).get(language) or row.code) if row.code else None,
                level=row.level,
                duration_seconds=row.duration_ms // 1000 if row.duration_ms else None,
                favourite=bool(row.favourite),
                rating=row.rating,
                position_seconds=row.position_seconds or 0,
                completed=row.completed_at is not None,
            )
        )
    return entries, (entries[-1].id if more and entries else None)

"""The library's categories (a code and a name in each language)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...errors import InvalidInput
from ..models import ContentCategory


def upsert_category(db: Session, actor: Actor, code: str, names: dict[str, str]) -> ContentCategory:
    code = code.strip().lower()
    if not code or len(code) > 64:
        raise InvalidInput("A category needs a short code.", field="code")
    category = db.scalars(select(ContentCategory).where(ContentCategory.code == code)).first()
    if category is None:
        category = ContentCategory(code=code)
        db.add(category)
    category.names = {k: v.strip() for k, v in names.items() if v.strip()}
    db.flush()
    record(db, actor, "content.category", target_type="content_category", target_id=category.id)
    return category

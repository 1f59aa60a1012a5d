"""The language an inmate reads: the one he last chose, on a kiosk or a tablet, which every
text written for him afterwards (request types, refusals, notices) follows."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...errors import InvalidInput
from ..models import Inmate, Language


def choose_language(db: Session, actor: Actor, inmate: Inmate, language: str) -> bool:
    """Remember `language` as the inmate's own; audited when it changes. Whether it did."""
    if language not in {each.value for each in Language}:
        raise InvalidInput("Language: et, ru or en.")
    if inmate.language == language:
        return False
    previous, inmate.language = inmate.language, language
    db.flush()
    record(
        db,
        actor,
        "inmate.language",
        target_type="inmate",
        target_id=inmate.id,
        previous=previous,
        language=language,
    )
    return True

"""The content library's services, one module per use case: `editorial` (making items and the
review flow), `schedule` (publishing and taking off on time), `categories`, `media` (files on
disk), `search` (the index), `library` (what inmates see and do), `listing` (their pages of
it) and `notices` (urgent notices and their receipts)."""

from .categories import upsert_category
from .editorial import (
    ItemSpec,
    SelfReview,
    TargetSpec,
    VersionText,
    create_item,
    item_for,
    kept_for,
    media_kinds_for,
    move,
    prison_of,
    save_version,
    set_schedule,
    set_tags,
    set_targets,
    top_of,
)
from .library import (
    Detail,
    Entry,
    QuizResult,
    allowed_item,
    answer_quiz,
    completions_of,
    detail,
    media_for,
    rate,
    save_position,
    set_favourite,
    shown_to,
)
from .listing import browse
from .media import MediaConfig, store
from .notices import Readership, acknowledge, notices_of, readership, send_notice, unread, withdraw
from .schedule import DueResult, run_due

__all__ = [
    "Detail",
    "DueResult",
    "Entry",
    "ItemSpec",
    "MediaConfig",
    "QuizResult",
    "Readership",
    "SelfReview",
    "TargetSpec",
    "VersionText",
    "acknowledge",
    "allowed_item",
    "answer_quiz",
    "browse",
    "completions_of",
    "create_item",
    "detail",
    "item_for",
    "kept_for",
    "media_for",
    "media_kinds_for",
    "move",
    "notices_of",
    "prison_of",
    "rate",
    "readership",
    "run_due",
    "save_position",
    "save_version",
    "send_notice",
    "set_favourite",
    "set_schedule",
    "set_tags",
    "set_targets",
    "shown_to",
    "store",
    "top_of",
    "unread",
    "upsert_category",
    "withdraw",
]

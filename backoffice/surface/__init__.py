"""What the three Flask apps (kiosk, tablet API, back office) share, and nothing of the staff
UI: the app's settings and database session (`app`), the rules and the face matcher loaded at
start (`startup`), the counters shared between workers (`storage`), the one JSON body reader
(`json_body`), form values (`forms`) and a button's one commit (`actions`)."""

from .actions import commit_once
from .app import (
    DATABASE_AWAY,
    DATABASE_RETRY_AFTER_SECONDS,
    EXTENSION,
    InMemoryUploads,
    equipment,
    get_db,
    health_blueprint,
    init_common,
    log_database_away,
    remote_addr,
    set_security_headers,
    settings,
)
from .forms import MAX_ID, form_id
from .startup import Equipment
from .storage import (
    REDIS_TIMEOUT_SECONDS,
    RETRY_AFTER_SECONDS,
    check_shared_storage,
    init_shared_storage_outage,
    shared_storage,
)

__all__ = [
    "DATABASE_AWAY",
    "DATABASE_RETRY_AFTER_SECONDS",
    "EXTENSION",
    "MAX_ID",
    "REDIS_TIMEOUT_SECONDS",
    "RETRY_AFTER_SECONDS",
    "Equipment",
    "InMemoryUploads",
    "check_shared_storage",
    "commit_once",
    "equipment",
    "form_id",
    "get_db",
    "health_blueprint",
    "init_common",
    "init_shared_storage_outage",
    "log_database_away",
    "remote_addr",
    "set_security_headers",
    "settings",
    "shared_storage",
]

"""What the three Flask apps (kiosk, tablet API, back office) share, and nothing of the staff
UI: the app's settings and database session (`app`), the counters shared between workers
(`storage`), the one JSON body reader (`json_body`) and form values (`forms`)."""

from .app import (
    DATABASE_AWAY,
    DATABASE_RETRY_AFTER_SECONDS,
    EXTENSION,
    InMemoryUploads,
    get_db,
    health_blueprint,
    init_common,
    log_database_away,
    remote_addr,
    set_security_headers,
    settings,
)
from .forms import MAX_ID, form_id
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
    "InMemoryUploads",
    "check_shared_storage",
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

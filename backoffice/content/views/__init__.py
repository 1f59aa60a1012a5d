"""The content library's staff pages: items and their review (`items`), media previews and
uploads (`media`), urgent notices and who has read them, and the course completions in an
inmate's file (`notices`). Officers write and review; nobody checks their own making."""

from __future__ import annotations

from flask import Flask

from ...staff.models import Role
from ...web.access import ACCESS
from . import items, media, notices  # noqa: F401 (routes)
from .common import bp

EDITORS = frozenset({Role.OFFICER})
CONTENT_ACCESS: dict[str, frozenset[str]] = {
    "content.index": EDITORS,
    "content.create": EDITORS,
    "content.item": EDITORS,
    "content.save_version": EDITORS,
    "content.upload": EDITORS,
    "content.tags": EDITORS,
    "content.targets": EDITORS,
    "content.schedule": EDITORS,
    "content.add_part": EDITORS,
    "content.move": EDITORS,
    "content.category": EDITORS,
    "content.media": EDITORS,
    "content.notices": EDITORS,
    "content.send_notice": EDITORS,
    "content.notice": EDITORS,
    "content.withdraw_notice": EDITORS,
    "content.completions": EDITORS,
}


def init_app(app: Flask) -> None:
    """Open the library's pages to officers (access.py refuses unnamed endpoints) and mount
    the blueprint."""
    ACCESS.update(CONTENT_ACCESS)
    app.register_blueprint(bp)

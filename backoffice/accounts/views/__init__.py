"""The accountant's back office: the journal, statements (print, CSV, PDF), family deposits from
bank statements, held deposits for security officers, manual entries under maker-checker, the
daily reconciliation, the month close, charts and the subject access export. One module per
page or pair of pages, all on one blueprint (common.bp).

Each view parses the request, calls services, commits once, and turns a ServiceError into a
message. Staff of one prison see only that prison; national staff choose a prison.
"""

from __future__ import annotations

from flask import Flask

from ...web.access import ACCESS
from . import (
    deposits,
    entries,
    journal,
    months,
    overview,
    release,
    statements,
    subject_access,
)
from .common import ACCOUNTS_ACCESS, bp

__all__ = [
    "ACCOUNTS_ACCESS",
    "bp",
    "deposits",
    "entries",
    "init_app",
    "journal",
    "months",
    "overview",
    "release",
    "statements",
    "subject_access",
]


def init_app(app: Flask) -> None:
    """Open the accounts pages (access.py refuses unnamed endpoints) and mount them."""
    ACCESS.update(ACCOUNTS_ACCESS)
    app.register_blueprint(bp)

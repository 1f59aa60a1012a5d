"""One way for a staff page's form to run a service: one call, one commit, and a refusal back
on the page with its reason. Every feature's views post through `perform`."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from ..errors import LedgerError, ServiceError
from ..surface.actions import commit_once
from ..surface.refusals import say
from .formats import reader_language, reader_zone


def translated_refusal(error: Exception) -> str:
    """A refusal in the reader's language: the catalogue has the services' refusals (`make
    messages` extracts them), with their values shown the reader's way."""
    return say(error, reader_language(), _, reader_zone())


def perform(
    action: Callable[[Session], str | None],
    done: str,
    back: str,
    *,
    audited: type[ServiceError] | None = None,
    category: str = "message",
) -> Response:
    """Run `action` with the request's session and commit once; its message (or `done`) is
    flashed and the browser goes `back`. A refusal (a ServiceError or a ledger error) is rolled
    back and flashed as an error, except one of the `audited` kind, which is committed: the
    service wrote nothing but its audit row (a maker trying to approve their own entry must
    stay on the record). `category` is the flash category of the message."""
    return commit_once(
        action,
        back,
        done=done,
        refused=(ServiceError, LedgerError),
        refusal=translated_refusal,
        audited=audited,
        category=category,
    )

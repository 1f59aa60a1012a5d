"""What the accounts pages share: their blueprint and who may open each page, and the helpers
that read the request (the prison the page is about, dates, amounts) and send a PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import dates
from ...db import utcnow
from ...errors import InvalidInput, NotFound
from ...money.amounts import AmountError, parse_cents
from ...people.models import Inmate, Prison
from ...staff.models import Role
from ...surface import settings
from ...web.access import ANY_STAFF, staff_actor
from ...web.formats import reader_language
from ...web.pages import chosen_prison
from .. import services
from ..pdf import Letterhead

bp = Blueprint(
    "accounts",
    __name__,
    # The feature's folder, where its templates/ and static/ are, not this package's.
    root_path=str(Path(__file__).resolve().parent.parent),
    url_prefix="/accounts",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

ACCOUNTANTS = frozenset({Role.ACCOUNTANT})
# The pages that only read the books: the national auditor reads them too.
READERS = frozenset({Role.ACCOUNTANT, Role.AUDITOR})
SECURITY = frozenset({Role.OFFICER})
HELD_VIEWERS = frozenset({Role.ACCOUNTANT, Role.OFFICER})

ACCOUNTS_ACCESS: dict[str, frozenset[str]] = {
    "accounts.static": ANY_STAFF,
    "accounts.index": READERS,
    "accounts.release_payouts": ACCOUNTANTS,
    "accounts.journal": READERS,
    "accounts.statement": READERS,
    "accounts.deposits_page": ACCOUNTANTS,
    "accounts.deposits_import": ACCOUNTANTS,
    "accounts.held": HELD_VIEWERS,
    "accounts.deposit_release": SECURITY,
    "accounts.deposit_return": SECURITY,
    "accounts.entries_page": ACCOUNTANTS,
    "accounts.entry_create": ACCOUNTANTS,
    "accounts.entry_approve": ACCOUNTANTS,
    "accounts.entry_reject": ACCOUNTANTS,
    "accounts.reconciliation_page": READERS,
    "accounts.months": READERS,
    "accounts.month_close": ACCOUNTANTS,
    "accounts.subject_access": ACCOUNTANTS,
}


def books_read(db: Session, prison_id: int | None, what: str) -> None:
    """The service's check that this member of staff may read these books, and its audit row
    (a reading from outside the prison), committed: the page itself changes nothing."""
    services.read_books(db, staff_actor(), prison_id, what)
    db.commit()


def my_prison() -> int | None:
    return current_user.user.prison_id  # type: ignore[no-any-return]


def page_prison(db: Session) -> Prison:
    """The prison the page is about: the member of staff's own, or the one chosen."""
    return chosen_prison(db)


def prison_choices(db: Session) -> list[Prison]:
    if my_prison() is not None:
        return []
    return list(db.scalars(select(Prison).order_by(Prison.code)))


def inmate_by_number(db: Session, number: str) -> Inmate:
    inmate = db.scalar(select(Inmate).where(Inmate.prison_number == number.strip().upper()))
    mine = my_prison()
    if inmate is None or (mine is not None and inmate.prison_id != mine):
        raise NotFound(_("no inmate with prison number %(number)s", number=number))
    return inmate


def date_arg(name: str) -> date | None:
    raw = request.values.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(_("%(name)s: a date like 2026-11-01, please", name=name)) from None


def cents_arg(name: str, *, zero: bool = False) -> int | None:
    raw = request.values.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse_cents(raw, zero=zero)
    except AmountError as error:
        raise InvalidInput(f"{name}: {error.message}") from None


def tz() -> str:
    return str(settings()["timezone"])


def pdf_download(filename: str, body: bytes) -> Response:
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def letterhead(prison: Prison) -> Letterhead:
    """The prison that issues a document, and when and by whom it was printed, in the reader's
    language and on the prison's clock."""
    return Letterhead(
        issuer=prison.name,
        printed=_(
            "Printed %(at)s (%(zone)s) by %(name)s",
            at=dates.moment(utcnow(), prison.timezone, reader_language()),
            zone=dates.zone_name(prison.timezone, reader_language()),
            name=current_user.user.full_name,
        ),
        page_words=_("Page %(page)s of %(pages)s", page="{page}", pages="{pages}"),
    )


def font_dir() -> str:
    return str(settings()["accounts"]["pdf_font_dir"])

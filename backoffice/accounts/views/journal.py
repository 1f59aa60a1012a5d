"""The journal page: transfers searched by every filter, on screen or as CSV."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from ledger import TransferCode

from ...errors import ServiceError
from ...surface import get_db
from ...web.csvexport import Money, csv_moment, csv_response
from ...web.formats import reader_language, reader_zone
from .. import services
from .common import books_read, bp, cents_arg, date_arg, my_prison, tz


@bp.get("/journal")
def journal() -> Any:
    db = get_db()
    page = None
    error = ""
    query = services.JournalQuery()
    books_read(db, my_prison(), "journal")
    try:
        query = services.JournalQuery(
            prison_number=request.args.get("prison_number", ""),
            account=request.args.get("account", ""),
            code=request.args.get("code", ""),
            min_cents=cents_arg("min", zero=True),
            max_cents=cents_arg("max", zero=True),
            since_on=date_arg("since"),
            until_on=date_arg("until"),
            person=request.args.get("person", ""),
            reference=request.args.get("reference", ""),
        )
        page = services.search_journal(db, query, prison_id=my_prison(), tz=tz())
    except ServiceError as refused:
        error = refused.message
    if page is not None and request.args.get("format") == "csv":
        zone = reader_zone()
        return csv_response(
            "journal.csv",
            ["id", "sequence", f"at ({zone})", "kind", "code", "amount", "debit", "credit",
             "requested_by", "reason", "reference"],
            ((r.id, r.sequence, csv_moment(r.at, zone), r.kind, r.code, Money(r.amount_cents),
              r.debit_code, r.credit_code, r.requested_by, r.reason, r.reference)
             for r in page.rows),
            reader_language(),
        )  # fmt: skip
    return render_template(
        "accounts/journal.html",
        page=page,
        error=error,
        codes=[c.value for c in TransferCode],
        args=request.args,
    )

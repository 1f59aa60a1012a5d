"""An inmate's statement for any period: on screen, as CSV or as PDF."""

from __future__ import annotations

from itertools import chain
from typing import Any

from flask import Response, flash, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ... import dates
from ...errors import ServiceError
from ...money.amounts import amount
from ...surface import get_db, settings
from ...web.csvexport import Money, csv_moment, csv_response
from ...web.formats import (
    reader_language,
    reader_zone,
    shown_amount,
    shown_day,
    shown_moment,
    shown_zone,
)
from ...web.labels import said
from .. import services
from ..pdf import Document
from .common import (
    books_read,
    bp,
    date_arg,
    font_dir,
    inmate_by_number,
    letterhead,
    pdf_download,
)


@bp.get("/statement")
def statement() -> Any:
    db = get_db()
    number = request.args.get("prison_number", "").strip()
    if not number:
        return render_template("accounts/statement.html", result=None, args=request.args)
    try:
        inmate = inmate_by_number(db, number)
        books_read(db, inmate.prison_id, "statement")
        result = services.inmate_statement(
            db,
            inmate,
            part=request.args.get("part", "spendable") or "spendable",
            since_on=date_arg("since"),
            until_on=date_arg("until"),
            tz=inmate.prison.timezone,
        )
    except ServiceError as refused:
        flash(_(refused.message), "error")
        return render_template("accounts/statement.html", result=None, args=request.args), 404
    fmt = request.args.get("format", "")
    name = f"statement-{inmate.prison_number}-{result.part}"
    if fmt == "csv":
        zone = reader_zone()
        return csv_response(
            f"{name}.csv",
            ["id", f"at ({zone})", "kind", "code", "amount", "balance", "reason", "reference",
             "by"],
            chain(
                [(None, None, None, "opening", None, Money(result.opening_cents), None, None,
                  None)],
                ((r.id, csv_moment(r.at, zone), r.kind, r.code, Money(r.amount_cents),
                  Money(r.running_cents), r.reason, r.reference, r.requested_by)
                 for r in result.rows),
            ),
            reader_language(),
        )  # fmt: skip
    if fmt == "pdf":
        try:
            return pdf_download(f"{name}.pdf", _statement_pdf(result))
        except ServiceError as refused:
            return Response(refused.message, status=refused.status, mimetype="text/plain")
    return render_template(
        "accounts/statement.html",
        result=result,
        rows_html=_statement_rows(result.rows),
        args=request.args,
    )


def _statement_rows(rows: list[services.StatementRow]) -> Markup:
    """The statement's rows as HTML, made here rather than in a template loop: a statement of
    10,000 lines renders several times faster (bench/accounts.py)."""
    seen: dict[str, str] = {}
    zone, language = reader_zone(), reader_language()

    def esc(value: str) -> str:
        # Codes and reasons repeat a lot: escape each text once.
        done = seen.get(value)
        if done is None:
            done = seen[value] = str(escape(value))
        return done

    named: dict[str, str] = {}

    def name(code: str) -> str:
        done = named.get(code)
        if done is None:
            done = named[code] = esc(said(code))
        return done

    return Markup(
        "".join(
            f"<tr><td>{r.id}</td><td>{dates.moment(r.at, zone, language)}</td>"
            f"<td>{name(r.code)}</td><td>{esc(r.reason)}</td><td>{esc(r.reference)}</td>"
            f'<td class="money">{amount(r.amount_cents, language)}</td>'
            f'<td class="money">{amount(r.running_cents, language)}</td></tr>'
            for r in rows
        )
    )


def _period(result: services.InmateStatement) -> str:
    since = shown_day(result.since_on) if result.since_on else _("the first movement")
    until = shown_day(result.until_on) if result.until_on else _("today")
    return _("%(since)s to %(until)s", since=since, until=until)


def _statement_pdf(result: services.InmateStatement) -> bytes:
    inmate = result.inmate
    doc = Document(
        font_dir(),
        _("Statement: %(name)s (%(number)s)", name=inmate.full_name, number=inmate.prison_number),
        letterhead(inmate.prison),
    )
    doc.fields(
        [
            (_("Prison"), inmate.prison.name),
            (_("Inmate"), f"{inmate.full_name}, {inmate.prison_number}"),
            (_("Account"), f"{said(result.part)} ({result.account.code})"),
            (_("Period"), _period(result)),
            (_("Currency"), str(settings()["currency"])),
            (_("Opening balance"), shown_amount(result.opening_cents)),
            (_("Money in"), shown_amount(result.money_in_cents)),
            (_("Money out"), shown_amount(result.money_out_cents)),
            (_("Closing balance"), shown_amount(result.closing_cents)),
        ]
    )
    doc.heading(_("Money movements"))
    moment = _("Date (%(zone)s)", zone=shown_zone())
    doc.table(
        [moment, _("What"), _("Reason"), _("Amount"), _("Balance")],
        [[shown_moment(r.at), said(r.code), r.reason, shown_amount(r.amount_cents),
          shown_amount(r.running_cents)] for r in result.rows],
        [30, 32, 62, 25, 25],
        right=[3, 4],
    )  # fmt: skip
    if not result.rows:
        doc.line(_("No movements in this period."))
    if result.open_holds:
        doc.heading(_("Open holds"))
        doc.table(
            [moment, _("Reason"), _("Amount")],
            [[shown_moment(h.at), h.reason, shown_amount(h.amount_cents)]
             for h in result.open_holds],
            [30, 119, 25],
            right=[2],
        )  # fmt: skip
    return doc.output()

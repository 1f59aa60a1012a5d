"""The accountant's back office: the journal, statements (print, CSV, PDF), family deposits from
bank statements, held deposits for security officers, manual entries under maker-checker, the
daily reconciliation, the month close, charts and the subject access export.

Each view parses the request, calls services, commits once, and turns a ServiceError into a
message. Staff of one prison see only that prison; national staff choose a prison.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from itertools import chain
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import ledger
from ledger import TransferCode

from ..audit.services import record
from ..errors import Forbidden, InvalidInput, NotFound, ServiceError
from ..money.amounts import AmountError, parse_cents
from ..money.services import PRISON_ACCOUNTS, income_rules
from ..people.models import Inmate, Prison
from ..staff.models import Role
from ..surface import get_db, settings
from ..web.access import ACCESS, ANY_STAFF, staff_actor
from ..web.csvexport import Money, csv_response
from ..web.handling import perform
from . import charts, deposits, reconciliation, retention, services
from .models import DepositStatus, EntryKind, EntryStatus
from .pdf import Document

bp = Blueprint(
    "accounts",
    __name__,
    url_prefix="/accounts",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

ACCOUNTANTS = frozenset({Role.ACCOUNTANT})
SECURITY = frozenset({Role.OFFICER})
HELD_VIEWERS = frozenset({Role.ACCOUNTANT, Role.OFFICER})

ACCOUNTS_ACCESS: dict[str, frozenset[str]] = {
    "accounts.static": ANY_STAFF,
    "accounts.index": ACCOUNTANTS,
    "accounts.journal": ACCOUNTANTS,
    "accounts.statement": ACCOUNTANTS,
    "accounts.deposits_page": ACCOUNTANTS,
    "accounts.deposits_import": ACCOUNTANTS,
    "accounts.held": HELD_VIEWERS,
    "accounts.deposit_release": SECURITY,
    "accounts.deposit_return": SECURITY,
    "accounts.entries_page": ACCOUNTANTS,
    "accounts.entry_create": ACCOUNTANTS,
    "accounts.entry_approve": ACCOUNTANTS,
    "accounts.entry_reject": ACCOUNTANTS,
    "accounts.reconciliation_page": ACCOUNTANTS,
    "accounts.months": ACCOUNTANTS,
    "accounts.month_close": ACCOUNTANTS,
    "accounts.subject_access": ACCOUNTANTS,
}


def init_app(app: Flask) -> None:
    """Open the accounts pages (access.py refuses unnamed endpoints) and mount them."""
    ACCESS.update(ACCOUNTS_ACCESS)
    app.register_blueprint(bp)


@bp.app_template_filter("eur")
def eur_filter(value: int | None) -> str:
    return services.euros(int(value or 0))


# --- helpers ---------------------------------------------------------------------------------


def _my_prison() -> int | None:
    return current_user.user.prison_id  # type: ignore[no-any-return]


def _prison(db: Session) -> Prison:
    """The prison the page is about: the member of staff's own, or the one chosen."""
    mine = _my_prison()
    wanted = mine if mine is not None else request.values.get("prison", type=int)
    prison = (
        db.get(Prison, wanted)
        if wanted is not None
        else db.scalar(select(Prison).order_by(Prison.id))
    )
    if prison is None:
        abort(404)
    return prison


def _prisons(db: Session) -> list[Prison]:
    if _my_prison() is not None:
        return []
    return list(db.scalars(select(Prison).order_by(Prison.code)))


def _inmate_by_number(db: Session, number: str) -> Inmate:
    inmate = db.scalar(select(Inmate).where(Inmate.prison_number == number.strip().upper()))
    mine = _my_prison()
    if inmate is None or (mine is not None and inmate.prison_id != mine):
        raise NotFound(f"no inmate with prison number {number}")
    return inmate


def _date_arg(name: str) -> date | None:
    raw = request.values.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name}: a date like 2026-11-01, please") from None


def _cents_arg(name: str, *, zero: bool = False) -> int | None:
    raw = request.values.get(name, "").strip()
    if not raw:
        return None
    try:
        return parse_cents(raw, zero=zero)
    except AmountError as error:
        raise InvalidInput(f"{name}: {error.message}") from None


def _tz() -> str:
    return str(settings()["timezone"])


def _pdf(filename: str, body: bytes) -> Response:
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _font_dir() -> str:
    return str(settings()["accounts"]["pdf_font_dir"])


# --- index and charts ------------------------------------------------------------------------


@bp.get("/")
def index() -> Any:
    db = get_db()
    prison = _prison(db)
    today = services.local_today(prison.timezone)
    flow = charts.money_flow(db, prison, days=30, today=today)
    sales = charts.sales_by_category(db, prison, since_on=today - timedelta(days=29))
    holds = charts.oldest_holds(db, prison)
    return render_template(
        "accounts/index.html",
        prison=prison,
        prisons=_prisons(db),
        flow_chart=charts.flow_svg(flow, "Money in and out per day, last 30 days"),
        flow=flow,
        sales_chart=charts.bars_svg(
            [(c, float(v)) for c, v in sales], "Shop sales per category, last 30 days", "EUR"
        ),
        holds_chart=charts.bars_svg(
            [(label, age) for label, age, _ in holds], "Oldest open holds", "days", "bar-hold"
        ),
        held=deposits.held_count(db, prison.id),
        pending=len(services.entries(db, prison_id=prison.id, status=EntryStatus.PENDING)),
    )


# --- journal ---------------------------------------------------------------------------------


@bp.get("/journal")
def journal() -> Any:
    db = get_db()
    page = None
    error = ""
    query = services.JournalQuery()
    try:
        query = services.JournalQuery(
            prison_number=request.args.get("prison_number", ""),
            account=request.args.get("account", ""),
            code=request.args.get("code", ""),
            min_cents=_cents_arg("min", zero=True),
            max_cents=_cents_arg("max", zero=True),
            since_on=_date_arg("since"),
            until_on=_date_arg("until"),
            person=request.args.get("person", ""),
            reference=request.args.get("reference", ""),
        )
        page = services.search_journal(db, query, prison_id=_my_prison(), tz=_tz())
    except ServiceError as refused:
        error = refused.message
    if page is not None and request.args.get("format") == "csv":
        return csv_response(
            "journal.csv",
            ["id", "sequence", "at_utc", "kind", "code", "amount", "debit", "credit",
             "requested_by", "reason", "reference"],
            ((r.id, r.sequence, r.at.isoformat(), r.kind, r.code, Money(r.amount_cents),
              r.debit_code, r.credit_code, r.requested_by, r.reason, r.reference)
             for r in page.rows),
        )  # fmt: skip
    return render_template(
        "accounts/journal.html",
        page=page,
        error=error,
        codes=[c.value for c in TransferCode],
        args=request.args,
    )


# --- statements ------------------------------------------------------------------------------


@bp.get("/statement")
def statement() -> Any:
    db = get_db()
    number = request.args.get("prison_number", "").strip()
    if not number:
        return render_template("accounts/statement.html", result=None, args=request.args)
    try:
        inmate = _inmate_by_number(db, number)
        result = services.inmate_statement(
            db,
            inmate,
            part=request.args.get("part", "spendable") or "spendable",
            since_on=_date_arg("since"),
            until_on=_date_arg("until"),
            tz=inmate.prison.timezone,
        )
    except ServiceError as refused:
        flash(refused.message, "error")
        return render_template("accounts/statement.html", result=None, args=request.args), 404
    fmt = request.args.get("format", "")
    name = f"statement-{inmate.prison_number}-{result.part}"
    if fmt == "csv":
        return csv_response(
            f"{name}.csv",
            ["id", "at_utc", "kind", "code", "amount", "balance", "reason", "reference", "by"],
            chain(
                [(None, None, None, "opening", None, Money(result.opening_cents), None, None,
                  None)],
                ((r.id, r.at.isoformat(), r.kind, r.code, Money(r.amount_cents),
                  Money(r.running_cents), r.reason, r.reference, r.requested_by)
                 for r in result.rows),
            ),
        )  # fmt: skip
    if fmt == "pdf":
        try:
            return _pdf(f"{name}.pdf", _statement_pdf(result))
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
    euros = services.euros
    seen: dict[str, str] = {}

    def esc(value: str) -> str:
        # Codes and reasons repeat a lot: escape each text once.
        done = seen.get(value)
        if done is None:
            done = seen[value] = str(escape(value))
        return done

    return Markup(
        "".join(
            f"<tr><td>{r.id}</td><td>{r.at:%Y-%m-%d %H:%M}</td><td>{esc(r.code)}</td>"
            f"<td>{esc(r.reason)}</td><td>{esc(r.reference)}</td>"
            f'<td class="money">{euros(r.amount_cents)}</td>'
            f'<td class="money">{euros(r.running_cents)}</td></tr>'
            for r in rows
        )
    )


def _period(result: services.InmateStatement) -> str:
    since = result.since_on.isoformat() if result.since_on else "the beginning"
    until = result.until_on.isoformat() if result.until_on else "today"
    return f"{since} to {until}"


def _statement_pdf(result: services.InmateStatement) -> bytes:
    inmate = result.inmate
    doc = Document(_font_dir(), f"Statement: {inmate.full_name} ({inmate.prison_number})")
    doc.fields(
        [
            ("Account", result.part.replace("_", " ")),
            ("Period", _period(result)),
            ("Opening balance", services.euros(result.opening_cents)),
            ("Money in", services.euros(result.money_in_cents)),
            ("Money out", services.euros(result.money_out_cents)),
            ("Closing balance", services.euros(result.closing_cents)),
        ]
    )
    doc.heading("Movements")
    doc.table(
        ["Date (UTC)", "Code", "Reason", "Amount", "Balance"],
        [[r.at.strftime("%Y-%m-%d %H:%M"), r.code, r.reason, services.euros(r.amount_cents),
          services.euros(r.running_cents)] for r in result.rows],
        [30, 28, 82, 25, 25],
        right=[3, 4],
    )  # fmt: skip
    if result.open_holds:
        doc.heading("Open holds")
        doc.table(
            ["Date (UTC)", "Reason", "Amount"],
            [[h.at.strftime("%Y-%m-%d %H:%M"), h.reason, services.euros(h.amount_cents)]
             for h in result.open_holds],
            [30, 135, 25],
            right=[2],
        )  # fmt: skip
    return doc.output()


# --- deposits --------------------------------------------------------------------------------


def _statement_text() -> str:
    upload = request.files.get("statement")
    if upload is not None and upload.filename:
        raw = upload.read()
        for encoding in ("utf-8-sig", "cp1257"):  # cp1257: the Baltic Windows code page
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise InvalidInput(
            "the file is not a text file (neither UTF-8 nor Windows-1257): export the bank "
            "statement as CSV and upload it again"
        )
    return request.form.get("csv_text", "")


@bp.get("/deposits")
def deposits_page() -> Any:
    db = get_db()
    prison = _prison(db)
    return render_template(
        "accounts/deposits.html",
        prison=prison,
        prisons=_prisons(db),
        recent=deposits.deposits(db, prison_id=prison.id),
        preview=None,
        result=None,
        csv_text="",
    )


@bp.post("/deposits")
def deposits_import() -> Any:
    db = get_db()
    prison = _prison(db)
    rules = deposits.SecurityRules.from_settings(settings())
    text = ""
    preview = result = None
    try:
        text = _statement_text()
        if request.form.get("action") == "import":
            result = deposits.import_statement(
                db, staff_actor(), prison, text, rules=rules, income=income_rules(settings())
            )
            db.commit()
            flash(
                f"Imported: {result.count('credit')} credited, {result.count('hold')} held for "
                f"security, {result.count('duplicate')} imported before, "
                f"{result.count('error')} with errors"
            )
        else:
            preview = deposits.preview_import(db, prison, text, rules=rules)
    except IntegrityError:
        db.rollback()
        flash("Someone imported lines of this statement at the same moment: try again.", "error")
    except (ServiceError, ledger.LedgerError) as refused:
        db.rollback()
        flash(getattr(refused, "message", str(refused)), "error")
    return render_template(
        "accounts/deposits.html",
        prison=prison,
        prisons=_prisons(db),
        recent=deposits.deposits(db, prison_id=prison.id),
        preview=preview,
        result=result,
        csv_text=text,
    )


@bp.get("/deposits/held")
def held() -> Any:
    db = get_db()
    return render_template(
        "accounts/held.html",
        held=deposits.deposits(db, prison_id=_my_prison(), status=DepositStatus.HELD),
        decided=[
            d
            for d in deposits.deposits(db, prison_id=_my_prison(), limit=100)
            if d.status in (DepositStatus.RELEASED, DepositStatus.RETURNED)
        ],
        may_decide=current_user.has_role(Role.OFFICER),
    )


@bp.post("/deposits/<int:deposit_id>/release")
def deposit_release(deposit_id: int) -> Any:
    return perform(
        lambda db: (
            deposits.release_deposit(
                db,
                staff_actor(),
                deposit_id,
                request.form.get("reason", ""),
                income=income_rules(settings()),
                prison_id=_my_prison(),
            )
            and None
        ),
        f"Deposit {deposit_id} released and credited.",
        url_for("accounts.held"),
    )


@bp.post("/deposits/<int:deposit_id>/return")
def deposit_return(deposit_id: int) -> Any:
    return perform(
        lambda db: (
            deposits.return_deposit(
                db,
                staff_actor(),
                deposit_id,
                request.form.get("reason", ""),
                prison_id=_my_prison(),
            )
            and None
        ),
        f"Deposit {deposit_id} marked for return to the sender; nothing was credited.",
        url_for("accounts.held"),
    )


# --- manual entries --------------------------------------------------------------------------


@bp.get("/entries")
def entries_page() -> Any:
    db = get_db()
    return render_template(
        "accounts/entries.html",
        pending=services.entries(db, prison_id=_my_prison(), status=EntryStatus.PENDING),
        decided=[
            e
            for e in services.entries(db, prison_id=_my_prison(), limit=100)
            if e.status != EntryStatus.PENDING
        ],
        kinds=[k.value for k in EntryKind],
        parts=services.INMATE_PARTS,
        counters=list(PRISON_ACCOUNTS),
        me=current_user.user,
        today=services.local_today(_tz()),
    )


@bp.post("/entries")
def entry_create() -> Any:
    def create(db: Session) -> str:
        inmate = _inmate_by_number(db, request.form.get("prison_number", ""))
        amount = _cents_arg("amount")
        if amount is None:
            raise InvalidInput("amount: how much, please")
        entry = services.create_entry(
            db,
            staff_actor(),
            inmate,
            kind=request.form.get("kind", ""),
            amount_cents=amount,
            reason=request.form.get("reason", ""),
            effective_on=_date_arg("effective_on") or services.local_today(inmate.prison.timezone),
            part=request.form.get("part", ""),
            counter=request.form.get("counter", ""),
            direction=request.form.get("direction", ""),
        )
        return f"Entry M{entry.id} entered; another member of staff must approve it."

    return perform(create, "", url_for("accounts.entries_page"))


@bp.post("/entries/<int:entry_id>/approve")
def entry_approve(entry_id: int) -> Any:
    return perform(
        lambda db: (
            services.approve_entry(db, staff_actor(), entry_id, prison_id=_my_prison())
            and f"Entry M{entry_id} approved; the money has moved."
        ),
        "",
        url_for("accounts.entries_page"),
        audited=Forbidden,
    )


@bp.post("/entries/<int:entry_id>/reject")
def entry_reject(entry_id: int) -> Any:
    return perform(
        lambda db: (
            services.reject_entry(
                db, staff_actor(), entry_id, request.form.get("note", ""), prison_id=_my_prison()
            )
            and f"Entry M{entry_id} rejected; nothing moved."
        ),
        "",
        url_for("accounts.entries_page"),
    )


# --- reconciliation and the month close ------------------------------------------------------


@bp.get("/reconciliation")
def reconciliation_page() -> Any:
    db = get_db()
    prison = _prison(db)
    try:
        day = _date_arg("day") or services.local_today(prison.timezone)
    except ServiceError as refused:
        flash(refused.message, "error")
        day = services.local_today(prison.timezone)
    result = reconciliation.reconcile(db, prison, day)
    return render_template(
        "accounts/reconciliation.html", result=result, prison=prison, prisons=_prisons(db)
    )


@bp.get("/months")
def months() -> Any:
    db = get_db()
    prison = _prison(db)
    today = services.local_today(prison.timezone)
    return render_template(
        "accounts/months.html",
        prison=prison,
        prisons=_prisons(db),
        closed=services.closed_months(db, prison.id),
        last_month=services.month_start(services.month_start(today) - timedelta(days=1)),
    )


@bp.post("/months")
def month_close() -> Any:
    db = get_db()
    prison = _prison(db)

    def close(db: Session) -> str:
        raw = request.form.get("month", "").strip()
        try:
            month_on = date.fromisoformat(f"{raw}-01" if len(raw) == 7 else raw)
        except ValueError:
            raise InvalidInput("month: like 2026-10, please") from None
        closed = services.close_month(db, staff_actor(), prison, month_on)
        return f"{closed.month_on:%B %Y} is closed."

    return perform(close, "", url_for("accounts.months", prison=prison.id))


# --- subject access --------------------------------------------------------------------------


@bp.get("/subject-access")
def subject_access() -> Any:
    db = get_db()
    number = request.args.get("prison_number", "").strip()
    if not number:
        return render_template("accounts/subject_access.html")
    try:
        inmate = _inmate_by_number(db, number)
        export = retention.subject_access(db, inmate)
        body = (
            _subject_access_pdf(export, inmate)
            if request.args.get("format") == "pdf"
            else json.dumps(export, ensure_ascii=False, indent=2, default=str).encode()
        )
    except ServiceError as refused:
        flash(refused.message, "error")
        return render_template("accounts/subject_access.html"), refused.status
    record(
        db,
        staff_actor(),
        "accounts.subject_access_exported",
        target_type="inmate",
        target_id=inmate.id,
        format=request.args.get("format", "json"),
    )
    db.commit()
    if request.args.get("format") == "pdf":
        return _pdf(f"subject-access-{inmate.prison_number}.pdf", body)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": (
                f'attachment; filename="subject-access-{inmate.prison_number}.json"'
            )
        },
    )


def _subject_access_pdf(export: dict[str, Any], inmate: Inmate) -> bytes:
    doc = Document(_font_dir(), f"Subject access: {inmate.full_name} ({inmate.prison_number})")
    doc.line(f"Exported {export['exported_at']}. Everything Cellgate holds about this person.")
    doc.heading("Personal data")
    doc.fields([(k, str(v)) for k, v in export["inmate"].items()])
    for table, rows in export["records"].items():
        doc.heading(f"{table} ({len(rows)})")
        for row in rows:
            doc.line("; ".join(f"{k}: {v}" for k, v in row.items() if k != "inmate_id"))
    money = export["money"]
    doc.heading("Money")
    doc.fields([(k, services.euros(v)) for k, v in money["balances_cents"].items()])
    doc.table(
        ["Date (UTC)", "Code", "Reason", "Amount"],
        [[t["at"][:16], t["code"], t["reason"], services.euros(t["amount_cents"])]
         for t in money["journal"]],
        [32, 30, 103, 25],
        right=[3],
    )  # fmt: skip
    doc.heading(f"Audit log ({len(export['audit_log'])})")
    for event in export["audit_log"]:
        doc.line(f"{event['at'][:19]} {event['actor']} {event['action']} {event['outcome']}")
    return doc.output()

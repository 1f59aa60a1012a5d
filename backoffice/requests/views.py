"""The request handlers' back office: department queues, a case with its history, claiming,
forwarding, notes, answers from templates, scanned documents, printing, answer-time statistics
and (for administrators) who works in which department."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from ..errors import InvalidInput, NotFound
from ..staff.models import Role, StaffUser
from ..staff.scope import scope_of
from ..surface import equipment, get_db
from ..web.access import ACCESS, staff_actor
from ..web.formats import reader_language
from ..web.handling import perform
from . import services
from .models import OPEN, RejectionReason

bp = Blueprint(
    "requests",
    __name__,
    url_prefix="/requests",
    template_folder="templates",
    static_folder="static",
)

HANDLERS = frozenset({Role.REQUESTS.value, Role.OFFICER.value})
# Administrators place staff in departments; they read no cases unless also handlers.
ADMINS = frozenset({Role.ADMIN.value})
# Who may open each page; the services then decide which cases each person sees.
ENDPOINT_ROLES: dict[str, frozenset[str]] = {
    "requests.static": HANDLERS | ADMINS,
    "requests.index": HANDLERS,
    "requests.department": HANDLERS,
    "requests.case": HANDLERS,
    "requests.print_case": HANDLERS,
    "requests.document": HANDLERS,
    "requests.claim": HANDLERS,
    "requests.release": HANDLERS,
    "requests.forward": HANDLERS,
    "requests.note": HANDLERS,
    "requests.answer": HANDLERS,
    "requests.attach": HANDLERS,
    "requests.close": HANDLERS,
    "requests.statistics": HANDLERS,
    "requests.memberships": ADMINS,
    "requests.membership_change": ADMINS,
}


def init_app(app: Flask) -> None:
    """Adds the requests pages to a back-office app: their access rules and the blueprint (the
    request types were read at start, so a broken types file stopped the start)."""
    ACCESS.update(ENDPOINT_ROLES)
    app.register_blueprint(bp)


def rules() -> services.Rules:
    return equipment().request_rules


def acting(view: Callable[[Session, int], str]) -> Callable[[int], Any]:
    """For POST views on one case, through `perform`: a refused action rolls back and shows its
    message on the case page, a case that is not there (or not theirs to see) is a 404; success
    commits once and shows the view's message."""

    @wraps(view)
    def wrapper(request_id: int) -> Any:
        def action(db: Session) -> str:
            try:
                return view(db, request_id)
            except NotFound:
                db.rollback()
                abort(404)

        return perform(action, "", url_for("requests.case", request_id=request_id))

    return wrapper


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: Exception) -> Any:
    limit = rules().attachment_max_bytes
    flash(
        _(
            "The file is too large; the limit is %(limit)s bytes. Nothing was stored.",
            limit=format(limit, ","),
        ),
        "error",
    )
    request_id = (request.view_args or {}).get("request_id")
    if request_id is None:
        return redirect(url_for("requests.index"))
    return redirect(url_for("requests.case", request_id=request_id))


@bp.get("/")
def index() -> Any:
    db = get_db()
    actor = staff_actor()
    return render_template(
        "requests/index.html",
        queues=services.department_queues(db, actor, rules()),
        escalated=services.escalated_to_me(db, actor),
        scope=services.staff_scope(db, actor),
        department_name=_department_name,
    )


@bp.get("/department/<code>")
def department(code: str) -> Any:
    db = get_db()
    actor = staff_actor()
    view = request.args.get("view", "open")
    if view not in services.QUEUE_VIEWS or code not in rules().catalogue.departments:
        abort(404)
    scope = services.staff_scope(db, actor)
    if not scope.sees_department(code) and code not in scope.supervises:
        abort(404)
    today = services.staff_today(db, scope, rules())
    return render_template(
        "requests/department.html",
        code=code,
        name=_department_name(code),
        view=view,
        views=services.QUEUE_VIEWS,
        cases=services.queue(db, actor, rules(), code, view=view),
        today=today,
        soon=rules().calendar.add(today, rules().due_soon_working_days),
        type_name=_type_name,
    )


def _type_name(code: str) -> str:
    request_type = rules().catalogue.type(code)
    return request_type.name(reader_language()) if request_type else code


def _department_name(code: str) -> str:
    return rules().catalogue.department_name(code, reader_language())


def _case_context(request_id: int) -> dict[str, Any]:
    db = get_db()
    actor = staff_actor()
    try:
        case = services.get_for_staff(db, actor, request_id)
    except NotFound:
        abort(404)
    scope = services.staff_scope(db, actor)
    catalogue = rules().catalogue
    request_type = catalogue.type(case.type_code)
    return {
        "case": case,
        "type_name": _type_name(case.type_code),
        "answers": services.case_answers(rules(), case, "en"),
        "events": services.history(db, actor, request_id),
        "documents": services.attachments_of(db, case.id),
        "can_handle": scope.can_handle(case),
        "is_open": case.status in OPEN,
        "departments": catalogue.departments,
        "department_name": _department_name,
        "templates": services.answer_templates(rules(), case),
        "reasons": [r.value for r in RejectionReason],
        "request_type": request_type,
        "today": services.staff_today(db, scope, rules()),
        "appeal_of": _readable(case.appeal_of_id),
        "max_bytes": rules().attachment_max_bytes,
    }


def _readable(request_id: int | None) -> Any:
    if request_id is None:
        return None
    try:
        return services.get_for_staff(get_db(), staff_actor(), request_id)
    except NotFound:
        return None


@bp.get("/<int:request_id>")
def case(request_id: int) -> Any:
    context = _case_context(request_id)
    chosen = request.args.get("template", "")
    draft = next((body for code, _title, body in context["templates"] if code == chosen), "")
    return render_template("requests/case.html", draft=draft, **context)


@bp.get("/<int:request_id>/print")
def print_case(request_id: int) -> Any:
    return render_template("requests/print.html", **_case_context(request_id))


@bp.get("/<int:request_id>/documents/<int:document_id>")
def document(request_id: int, document_id: int) -> Any:
    try:
        attachment = services.attachment_for_staff(get_db(), staff_actor(), request_id, document_id)
    except NotFound:
        abort(404)
    response = Response(attachment.data, mimetype=attachment.content_type)
    # Always a download: a document is never rendered inside the back office's origin.
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_ascii(attachment.filename)}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)


@bp.post("/<int:request_id>/claim")
@acting
def claim(db: Session, request_id: int) -> str:
    case = services.claim(db, staff_actor(), request_id)
    return _("You have claimed %(receipt)s.", receipt=case.receipt)


@bp.post("/<int:request_id>/release")
@acting
def release(db: Session, request_id: int) -> str:
    case = services.release(db, staff_actor(), request_id)
    return _(
        "%(receipt)s is back in the department's queue.",
        receipt=case.receipt,
    )


@bp.post("/<int:request_id>/forward")
@acting
def forward(db: Session, request_id: int) -> str:
    to = request.form.get("department", "")
    case = services.forward(
        db, staff_actor(), rules(), request_id, to, request.form.get("reason", "")
    )
    return _(
        "%(receipt)s was forwarded to %(department_name)s.",
        receipt=case.receipt,
        department_name=_department_name(to),
    )


@bp.post("/<int:request_id>/note")
@acting
def note(db: Session, request_id: int) -> str:
    visible = request.form.get("visible_to_inmate") == "yes"
    services.add_note(
        db,
        staff_actor(),
        request_id,
        request.form.get("body", ""),
        visible_to_inmate=visible,
    )
    return _("Note added; the inmate can read it.") if visible else _("Staff-only note added.")


@bp.post("/<int:request_id>/answer")
@acting
def answer(db: Session, request_id: int) -> str:
    case = services.answer(
        db,
        staff_actor(),
        rules(),
        request_id,
        request.form.get("outcome", ""),
        request.form.get("answer_text", ""),
        reason=request.form.get("reason") or None,
    )
    return _(
        "%(receipt)s is %(status)s; the inmate can read the answer now.",
        receipt=case.receipt,
        status=case.status,
    )


@bp.post("/<int:request_id>/attach")
@acting
def attach(db: Session, request_id: int) -> str:
    upload = request.files.get("document")
    if upload is None or not upload.filename:
        raise InvalidInput(_("Choose a file to attach."))
    limit = rules().attachment_max_bytes
    # Read one byte past the limit: enough to know it is too large, never the whole of it.
    data = upload.stream.read(limit + 1)
    services.attach(
        db,
        staff_actor(),
        rules(),
        request_id,
        upload.filename,
        data,
        visible_to_inmate=request.form.get("visible_to_inmate") == "yes",
    )
    return _("%(filename)s is attached.", filename=upload.filename)


@bp.post("/<int:request_id>/close")
@acting
def close(db: Session, request_id: int) -> str:
    case = services.close(db, staff_actor(), request_id)
    return _("%(receipt)s is closed.", receipt=case.receipt)


def _day_arg(name: str, default: date) -> date:
    raw = request.args.get(name, "")
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        flash(
            _(
                "Dates are written YYYY-MM-DD; %(raw)s was ignored.",
                raw=repr(raw),
            ),
            "error",
        )
        return default


@bp.get("/statistics")
def statistics() -> Any:
    db = get_db()
    actor = staff_actor()
    scope = services.staff_scope(db, actor)
    today = services.staff_today(db, scope, rules())
    until = _day_arg("until", today)
    since = _day_arg("since", until - timedelta(days=365))
    report = services.answer_stats(db, actor, rules(), since, until)
    return render_template("requests/statistics.html", report=report)


@bp.get("/departments")
def memberships() -> Any:
    db = get_db()
    actor = staff_actor()
    staff = list(
        db.scalars(
            select(StaffUser)
            .where(StaffUser.active.is_(True), scope_of(db, actor).where(StaffUser.prison_id))
            .order_by(StaffUser.username)
        )
    )
    return render_template(
        "requests/memberships.html",
        rows=services.memberships(db, actor),
        staff=staff,
        departments=rules().catalogue.departments,
    )


@bp.post("/departments")
def membership_change() -> Any:
    try:
        staff_user_id = int(request.form.get("staff_user_id", ""))
    except ValueError:
        flash(_("Choose a member of staff."), "error")
        return redirect(url_for("requests.memberships"))
    return perform(
        lambda db: services.set_membership(
            db,
            staff_actor(),
            rules(),
            staff_user_id,
            request.form.get("department", ""),
            member=request.form.get("action", "add") != "remove",
            supervisor=request.form.get("supervisor") == "yes",
        ),
        _("Department membership saved."),
        url_for("requests.memberships"),
    )

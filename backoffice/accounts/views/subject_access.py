"""The subject access export: everything Cellgate holds about one inmate, as JSON or PDF, the
export itself on the audit log."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response, flash, render_template, request
from flask_babel import gettext as _

from ...audit.services import record
from ...errors import ServiceError
from ...people.models import Inmate
from ...surface import get_db
from ...web.access import staff_actor
from ...web.formats import shown_amount, shown_moment, shown_zone
from ...web.labels import said
from .. import retention
from ..pdf import Document
from .common import bp, font_dir, inmate_by_number, letterhead, pdf_download


@bp.get("/subject-access")
def subject_access() -> Any:
    db = get_db()
    number = request.args.get("prison_number", "").strip()
    if not number:
        return render_template("accounts/subject_access.html")
    try:
        inmate = inmate_by_number(db, number)
        export = retention.subject_access(db, inmate)
        body = (
            _subject_access_pdf(export, inmate)
            if request.args.get("format") == "pdf"
            else json.dumps(export, ensure_ascii=False, indent=2, default=str).encode()
        )
    except ServiceError as refused:
        flash(_(refused.message), "error")
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
        return pdf_download(f"subject-access-{inmate.prison_number}.pdf", body)
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
    doc = Document(
        font_dir(),
        _(
            "Subject access: %(name)s (%(number)s)",
            name=inmate.full_name,
            number=inmate.prison_number,
        ),
        letterhead(inmate.prison),
    )
    exported = _shown(export["exported_at"])
    doc.line(_("Exported %(at)s. Everything Cellgate holds about this person.", at=exported))
    doc.heading(_("Personal data"))
    doc.fields([(k, str(v)) for k, v in export["inmate"].items()])
    for table, rows in export["records"].items():
        doc.heading(f"{table} ({len(rows)})")
        for row in rows:
            doc.line("; ".join(f"{k}: {v}" for k, v in row.items() if k != "inmate_id"))
    money = export["money"]
    doc.heading(_("Money"))
    doc.fields([(said(k), shown_amount(v)) for k, v in money["balances_cents"].items()])
    doc.table(
        [_("Date (%(zone)s)", zone=shown_zone()), _("What"), _("Reason"), _("Amount")],
        [[_shown(t["at"]), said(t["code"]), t["reason"], shown_amount(t["amount_cents"])]
         for t in money["journal"]],
        [32, 32, 85, 25],
        right=[3],
    )  # fmt: skip
    doc.heading(_("Audit log (%(count)s)", count=len(export["audit_log"])))
    for event in export["audit_log"]:
        doc.line(f"{_shown(event['at'])} {event['actor']} {event['action']} {event['outcome']}")
    return doc.output()


def _shown(iso: str) -> str:
    # The export keeps moments as ISO text with their offset; the PDF shows the prison's clock.
    return shown_moment(datetime.fromisoformat(iso))

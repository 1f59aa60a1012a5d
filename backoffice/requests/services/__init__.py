"""Requests: every inmate application or complaint is a tracked case.

Lifecycle (allowed moves in models.TRANSITIONS): submitted (the receipt number is given at
once) -> in progress (a handler claims it) -> approved / declined / rejected (rejected carries a
standard reason: wrong type, duplicate, abusive) -> closed once the appeal window has passed.
An answer may be appealed within the window (`requests.appeal_window_days` calendar days, or the
type's own `appeal_days`): the appeal is a new case for the type's appeal department, and the
appealed case waits in "appealed" until the appeal is closed. Open cases may be withdrawn by the
inmate. Every step writes a RequestEvent (the case's history) and an audit row.

Inmate side: what the kiosk and the tablet call
-----------------------------------------------
All take the session, the acting person (an Actor of kind "inmate" whose id is the inmate's, or
staff entering a paper request for the inmate), the Rules (`rules_from_settings(settings)`, one
per app) and the Inmate. None commits: the entry point commits once. They return plain frozen
dataclasses, never ORM rows, so a template or JSON encoder cannot walk from a case to its
staff-only notes. Texts are in the inmate's language (Inmate.language: et, ru or en). Refusals
raise backoffice.errors.ServiceError subclasses (InvalidInput 422, Conflict 409, NotFound 404)
whose message is in the inmate's language and may be shown as it is; InvalidInput about a form
field carries `details["field"]` with the field's code.

    types_for_inmate(rules, inmate) -> list[TypeView]
        The request types the inmate's prison offers, in its order, with their forms.
    submit(db, actor, rules, inmate, type_code, fields, *, now=None) -> InmateCase
        `fields` maps field codes to values: text and choice codes as str, dates as
        "YYYY-MM-DD" (or date), amounts in euros as "12.50" (or int cents), contacts as
        {"name": ..., "phone": ...}. The returned case has its receipt number and due date.
    list_for_inmate(db, inmate, rules=None) -> list[CaseSummary]
        The inmate's own cases, newest first (type names in the inmate's language when rules
        are given, else the type codes).
    get_for_inmate(db, rules, inmate, request_id) -> InmateCase
        One of the inmate's own cases with its history: only the events and documents meant for
        the inmate, never a staff-only note, never the names of staff. Another inmate's case, or
        one that does not exist, is the same NotFound.
    reply(db, actor, rules, inmate, request_id, body, *, now=None) -> InmateCase
        Adds the inmate's message to an open case.
    withdraw(db, actor, rules, inmate, request_id, *, now=None) -> InmateCase
    appeal(db, actor, rules, inmate, request_id, body, *, now=None) -> InmateCase
        Appeals an answer within its window; returns the new appeal case (its own receipt).
    document_for_inmate(db, inmate, request_id, document_id) -> DocumentFile
        A document staff attached and marked for the inmate (the bytes to show).

Staff side: the back office and the `cellgate requests` commands
----------------------------------------------------------------
Staff belong to request departments (DepartmentStaff; managed with `set_membership`). Members
handle their departments' queues; supervisors also see their departments' escalated cases.
Members of the governor's office see and handle every department's cases and are the only staff
who ever see a confidential case (a confidential case cannot leave the governor's office).
Admins read the non-confidential queues but handle nothing unless they are members. Staff tied
to a prison see that prison's cases only.

The package holds one module per use case: rules (settings), inmate_cases (what inmates get
back), submitting, appeals (and closing), scope (departments and who sees what), queries,
handling (claim, forward, notes, answers), escalation (deadlines), documents and reports;
shared steps (receipts, events, status moves) are in steps. Every name is importable from
here.
"""

from __future__ import annotations

from .appeals import appeal, close, close_settled
from .documents import (
    EXTENSIONS,
    JPEG,
    PDF,
    PNG,
    attach,
    attachment_for_staff,
    attachments_of,
    document_for_inmate,
    sniff_document,
)
from .escalation import escalate_overdue, escalated_to_me, supervisors_of
from .handling import OUTCOMES, add_note, answer, answer_templates, claim, forward, release
from .inmate_cases import (
    CaseEntry,
    CaseSummary,
    DocumentFile,
    DocumentView,
    FieldView,
    InmateCase,
    TypeView,
    _display,
    case_answers,
    get_for_inmate,
    list_for_inmate,
)
from .queries import (
    QUEUE_VIEWS,
    DepartmentQueue,
    department_queues,
    due_soon,
    history,
    overdue,
    queue,
)
from .reports import StatsReport, answer_stats
from .rules import (
    ANSWER_MAX,
    APPEAL_MIN,
    GOVERNORS_OFFICE,
    MESSAGE_MAX,
    NOTE_MAX,
    Rules,
    local_day,
    rules_from_settings,
)
from .scope import StaffScope, get_for_staff, memberships, set_membership, staff_scope, staff_today
from .submitting import reply, submit, types_for_inmate, withdraw

__all__ = [
    "ANSWER_MAX",
    "APPEAL_MIN",
    "EXTENSIONS",
    "GOVERNORS_OFFICE",
    "JPEG",
    "MESSAGE_MAX",
    "NOTE_MAX",
    "OUTCOMES",
    "PDF",
    "PNG",
    "QUEUE_VIEWS",
    "CaseEntry",
    "CaseSummary",
    "DepartmentQueue",
    "DocumentFile",
    "DocumentView",
    "FieldView",
    "InmateCase",
    "Rules",
    "StaffScope",
    "StatsReport",
    "TypeView",
    "_display",
    "add_note",
    "answer",
    "answer_stats",
    "answer_templates",
    "appeal",
    "attach",
    "attachment_for_staff",
    "attachments_of",
    "case_answers",
    "claim",
    "close",
    "close_settled",
    "department_queues",
    "document_for_inmate",
    "due_soon",
    "escalate_overdue",
    "escalated_to_me",
    "forward",
    "get_for_inmate",
    "get_for_staff",
    "history",
    "list_for_inmate",
    "local_day",
    "memberships",
    "overdue",
    "queue",
    "release",
    "reply",
    "rules_from_settings",
    "set_membership",
    "sniff_document",
    "staff_scope",
    "staff_today",
    "submit",
    "supervisors_of",
    "types_for_inmate",
    "withdraw",
]

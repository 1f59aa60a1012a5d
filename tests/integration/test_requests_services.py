"""Requests as cases, through the services the back office, the kiosk and the tablet call.
Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.db import make_session_factory
from backoffice.errors import Conflict, Forbidden, InvalidInput, NotFound
from backoffice.people.models import Inmate
from backoffice.requests import services
from backoffice.requests.calendar import WorkingDays
from backoffice.requests.models import Request, RequestAttachment, RequestEvent
from backoffice.settings import Settings
from backoffice.staff.models import StaffUser

# Wednesday 4 March 2026, 09:00 in Tallinn.
NOW = datetime(2026, 3, 4, 7, 0, tzinfo=UTC)
COMPLAINT = {"what_happened": "The shower on the landing has been cold for a week."}
DOCTOR = {"reason": "Toothache since Sunday."}


@pytest.fixture
def rules(settings: Settings) -> services.Rules:
    return services.rules_from_settings(settings)


def inmate_actor(inmate: Inmate) -> Actor:
    return Actor(kind="inmate", id=inmate.id, name=inmate.prison_number)


def staff_actor(user: StaffUser) -> Actor:
    return Actor(kind="staff", id=user.id, name=user.username, roles=user.roles)


@pytest.fixture
def handler(
    db: Session, make_staff: Callable[..., StaffUser], rules: services.Rules
) -> Callable[..., Actor]:
    admin = staff_actor(make_staff("deptadmin", "admin"))

    def make(username: str, *departments: str, supervisor: bool = False) -> Actor:
        user = make_staff(username, "requests")
        for department in departments:
            services.set_membership(db, admin, rules, user.id, department, supervisor=supervisor)
        db.commit()
        return staff_actor(user)

    return make


def submit(
    db: Session,
    rules: services.Rules,
    inmate: Inmate,
    type_code: str = "complaint",
    fields: dict[str, Any] | None = None,
    now: datetime = NOW,
) -> services.InmateCase:
    case = services.submit(
        db, inmate_actor(inmate), rules, inmate, type_code, fields or COMPLAINT, now=now
    )
    db.commit()
    return case


def audit_actions(db: Session, request_id: int) -> list[str]:
    return list(
        db.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.target_type == "request", AuditEvent.target_id == str(request_id))
            .order_by(AuditEvent.id)
        )
    )


def test_submission_gives_a_receipt_number_at_once_and_a_deadline(
    db: Session, rules: services.Rules, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate(language="et")
    first = submit(db, rules, inmate)
    second = submit(db, rules, inmate, "court_form", {"form": "Legal aid application"})
    assert first.receipt == "TST-2026-000001"
    assert second.receipt == "TST-2026-000002"
    assert first.status_text == "Esitatud"
    assert first.type_name == "Kaebus"
    # Wednesday + 5 working days = next Wednesday.
    assert first.due_on == date(2026, 3, 11)
    assert [c.receipt for c in services.list_for_inmate(db, inmate, rules)] == [
        second.receipt,
        first.receipt,
    ]
    assert audit_actions(db, first.id) == ["request.submit"]


def test_a_bad_form_is_refused_in_the_inmates_language(
    db: Session, rules: services.Rules, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate(language="ru")
    with pytest.raises(InvalidInput) as error:
        services.submit(db, inmate_actor(inmate), rules, inmate, "complaint", {"what_happened": ""})
    assert error.value.message == "Что произошло?: это поле обязательно."
    assert error.value.details["field"] == "what_happened"
    with pytest.raises(InvalidInput, match="Это обращение в вашей тюрьме подать нельзя"):
        services.submit(db, inmate_actor(inmate), rules, inmate, "no_such_type", {})
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Request)) == 0


def test_the_whole_path_submitted_claimed_approved_closed(
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    handler: Callable[..., Actor],
) -> None:
    inmate = make_inmate()
    officer = handler("wingclerk", "wing_office")
    case = submit(db, rules, inmate)
    services.claim(db, officer, case.id, now=NOW)
    db.commit()
    assert services.get_for_inmate(db, rules, inmate, case.id).status == "in_progress"
    answered_at = NOW + timedelta(days=2)
    services.answer(
        db, officer, rules, case.id, "approved", "The boiler is repaired.", now=answered_at
    )
    db.commit()
    seen = services.get_for_inmate(db, rules, inmate, case.id)
    assert seen.status_text == "Approved"
    assert seen.answer_text == "The boiler is repaired."
    assert seen.appeal_until_on == date(2026, 3, 13)  # answered Friday 6th + 7 days
    with pytest.raises(Conflict, match="may be appealed until 2026-03-13"):
        services.close(db, officer, case.id, now=answered_at)
    db.rollback()
    assert services.close_settled(db, Actor.system(), now=datetime(2026, 3, 14, 8, tzinfo=UTC)) == 1
    db.commit()
    assert services.get_for_inmate(db, rules, inmate, case.id).status == "closed"
    row = db.get(Request, case.id)
    assert row is not None and row.answer_working_days == 2
    assert audit_actions(db, case.id) == [
        "request.submit",
        "request.claim",
        "request.answer",
        "request.close",
    ]


def test_declined_and_rejected_with_a_standard_reason(
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    handler: Callable[..., Actor],
) -> None:
    inmate = make_inmate(language="et")
    officer = handler("wingclerk", "wing_office")
    declined = submit(db, rules, inmate)
    rejected = submit(db, rules, inmate)
    services.answer(db, officer, rules, declined.id, "declined", "Ei ole võimalik.", now=NOW)
    with pytest.raises(InvalidInput, match="wrong_type, duplicate or abusive"):
        services.answer(db, officer, rules, rejected.id, "rejected", "", reason="boring")
    services.answer(db, officer, rules, rejected.id, "rejected", "", reason="duplicate", now=NOW)
    db.commit()
    seen = services.get_for_inmate(db, rules, inmate, rejected.id)
    assert seen.status_text == "Jäetud läbi vaatamata"
    assert seen.rejection_reason_text == "Sama taotlus on juba esitatud."
    assert services.get_for_inmate(db, rules, inmate, declined.id).status == "declined"
    with pytest.raises(Conflict, match="has been answered"):
        services.answer(db, officer, rules, declined.id, "approved", "Changed my mind")


def test_withdrawn_by_the_inmate(
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    handler: Callable[..., Actor],
) -> None:
    inmate = make_inmate()
    case = submit(db, rules, inmate, "see_doctor", DOCTOR)
    services.withdraw(db, inmate_actor(inmate), rules, inmate, case.id, now=NOW)
    db.commit()
    seen = services.get_for_inmate(db, rules, inmate, case.id)
    assert seen.status == "withdrawn" and not seen.can_reply and not seen.can_appeal
    with pytest.raises(Conflict, match="can no longer be withdrawn"):
        services.withdraw(db, inmate_actor(inmate), rules, inmate, case.id)


def test_only_one_open_request_of_a_one_at_a_time_type(
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    handler: Callable[..., Actor],
) -> None:
    inmate, other = make_inmate(), make_inmate()
    nurse = handler("nurse", "healthcare")
    first = submit(db, rules, inmate, "see_doctor", DOCTOR)
    with pytest.raises(Conflict) as refused:
        submit(db, rules, inmate, "see_doctor", {"reason": "Still toothache."})
    assert first.receipt in refused.value.message
    db.rollback()
    submit(db, rules, other, "see_doctor", DOCTOR)  # another inmate is not affected
    submit(db, rules, inmate, "complaint")  # nor are other types
    submit(db, rules, inmate, "complaint")  # complaints may be many
    services.answer(db, nurse, rules, first.id, "approved", "Booked for Friday.", now=NOW)
    db.commit()
    again = submit(db, rules, inmate, "see_doctor", {"reason": "Back pain."})
    assert again.status == "submitted"


def test_forwarding_moves_the_case_and_keeps_its_history(
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    handler: Callable[..., Actor],
) -> None:
    inmate = make_inmate()
    clerk = handler("wingclerk", "wing_office")
    nurse = handler("nurse", "healthcare")
    case = submit(db, rules, inmate)
    services.claim(db, clerk, case.id, now=NOW)
    services.add_note(db, clerk, case.id, "Passing this on.", visible_to_inmate=True, now=NOW)
    services.forward(
        db, clerk, rules, case.id, "healthcare", "About the medical unit's shower", now=NOW
    )
    db.commit()
    row = db.get(Request, case.id)
    assert row is not None
    assert row.department_code == "healthcare" and row.assigned_to_id is None
    assert row.due_on == date(2026, 3, 11)  # the inmate's wait does not start again
    # Once forwarded, the wing office no longer sees the case at all.
    with pytest.raises(NotFound):
        services.answer(db, clerk, rules, case.id, "approved", "Done")
    db.rollback()
    assert [c.id for c in services.queue(db, nurse, rules, "healthcare")] == [case.id]
    assert services.queue(db, clerk, rules, "wing_office") == []
    kinds = [
        (e.kind, e.from_department, e.to_department) for e in services.history(db, nurse, case.id)
    ]
    assert ("forwarded", "wing_office", "healthcare") in kinds
    seen = services.get_for_inmate(db, rules, inmate, case.id)
    assert [e.title for e in seen.entries][-2:] == [
        "Message from Wing office",
        "Passed to Healthcare",
    ]
    assert "medical unit" not in repr(seen)  # the reason is for staff
    with pytest.raises(InvalidInput, match="already with healthcare"):
        services.forward(db, nurse, rules, case.id, "healthcare")


def test_an_answer_may_be_appealed_within_the_window_only(
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    handler: Callable[..., Actor],
) -> None:
    inmate = make_inmate()
    clerk = handler("wingclerk", "wing_office")
    governor = handler("governor", "governors_office")
    late, in_time = submit(db, rules, inmate), submit(db, rules, inmate)
    for case in (late, in_time):
        services.answer(db, clerk, rules, case.id, "declined", "No.", now=NOW)
    db.commit()
    me = inmate_actor(inmate)
    with pytest.raises(InvalidInput, match="10 to 2000"):
        services.appeal(db, me, rules, inmate, in_time.id, "Unfair", now=NOW)
    # Answered Wednesday 4 March: the last day to appeal is 11 March.
    with pytest.raises(Conflict, match="ended on 2026-03-11"):
        services.appeal(
            db,
            me,
            rules,
            inmate,
            late.id,
            "I disagree, the shower is still cold.",
            now=datetime(2026, 3, 12, 8, tzinfo=UTC),
        )
    appeal = services.appeal(
        db,
        me,
        rules,
        inmate,
        in_time.id,
        "I disagree, the shower is still cold.",
        now=datetime(2026, 3, 11, 20, tzinfo=UTC),
    )
    db.commit()
    assert appeal.receipt == "TST-2026-000003"
    assert appeal.type_name == f"Appeal against the answer to {in_time.receipt}"
    assert appeal.department_name == "Governor's office"
    assert services.get_for_inmate(db, rules, inmate, in_time.id).status == "appealed"
    with pytest.raises(Conflict, match="no answer yet"):
        services.appeal(db, me, rules, inmate, appeal.id, "Appealing the appeal itself")
    db.rollback()
    services.answer(db, governor, rules, appeal.id, "approved", "Upheld.", now=NOW)
    db.commit()
    final = services.get_for_inmate(db, rules, inmate, appeal.id)
    assert final.appeal_until_on is None and not final.can_appeal  # an appeal's answer is final
    services.close(db, governor, appeal.id, now=NOW)
    db.commit()
    assert services.get_for_inmate(db, rules, inmate, in_time.id).status == "closed"


def test_a_type_without_appeal_cannot_be_appealed(
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    handler: Callable[..., Actor],
) -> None:
    no_appeal = replace(rules.catalogue.types["complaint"], appeal_days=0)
    catalogue = replace(rules.catalogue, types={**rules.catalogue.types, "complaint": no_appeal})
    strict = replace(rules, catalogue=catalogue)
    inmate = make_inmate()
    clerk = handler("wingclerk", "wing_office")
    case = submit(db, strict, inmate)
    services.answer(db, clerk, strict, case.id, "declined", "No.", now=NOW)
    db.commit()
    with pytest.raises(Conflict, match="cannot be appealed"):
        services.appeal(db, inmate_actor(inmate), strict, inmate, case.id, "I disagree strongly.")


def test_an_inmate_never_sees_a_staff_only_note(
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    handler: Callable[..., Actor],
) -> None:
    inmate = make_inmate()
    clerk = handler("wingclerk", "wing_office")
    case = submit(db, rules, inmate)
    secret = "Known troublemaker, check CCTV first"
    services.add_note(db, clerk, case.id, secret, visible_to_inmate=False, now=NOW)
    services.add_note(db, clerk, case.id, "We are looking into it.", visible_to_inmate=True)
    services.reply(db, inmate_actor(inmate), rules, inmate, case.id, "It is still cold.")
    db.commit()
    for seen in (
        services.get_for_inmate(db, rules, inmate, case.id),
        services.reply(db, inmate_actor(inmate), rules, inmate, case.id, "And today too."),
        services.list_for_inmate(db, inmate, rules),
    ):
        assert secret not in repr(seen)
        assert "wingclerk" not in repr(seen)  # nor staff names
    seen = services.get_for_inmate(db, rules, inmate, case.id)
    assert [(e.title, e.body) for e in seen.entries][1:3] == [
        ("Message from Wing office", "We are looking into it."),
        ("Your message", "It is still cold."),
    ]
    # Staff see both.
    bodies = [e.body for e in services.history(db, clerk, case.id)]
    assert secret in bodies and "We are looking into it." in bodies


def test_an_inmate_cannot_reach_another_inmates_case(
    db: Session, rules: services.Rules, make_inmate: Callable[..., Inmate]
) -> None:
    owner, nosy = make_inmate(), make_inmate(language="et")
    case = submit(db, rules, owner)
    with pytest.raises(NotFound, match="Sellist taotlust ei ole"):
        services.get_for_inmate(db, rules, nosy, case.id)
    with pytest.raises(NotFound):
        services.reply(db, inmate_actor(nosy), rules, nosy, case.id, "hello")
    with pytest.raises(Forbidden):  # a session of one inmate acting for another
        services.reply(db, inmate_actor(nosy), rules, owner, case.id, "hello")
    assert services.list_for_inmate(db, nosy) == []


def test_confidential_cases_are_seen_by_the_governors_office_only(
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    handler: Callable[..., Actor],
    make_staff: Callable[..., StaffUser],
) -> None:
    inmate = make_inmate()
    clerk = handler("wingclerk", "wing_office", supervisor=True)
    governor = handler("governor", "governors_office")
    admin = staff_actor(make_staff("boss", "admin"))
    case = submit(
        db,
        rules,
        inmate,
        "staff_complaint",
        {"what_happened": "Officer X shouted at me.", "happened_on": "2026-03-01"},
    )
    open_complaint = submit(db, rules, inmate)
    for outsider in (clerk, admin):
        with pytest.raises(NotFound):
            services.get_for_staff(db, outsider, case.id)
        assert case.id not in [
            c.id for c in services.queue(db, outsider, rules, "governors_office")
        ]
        report = services.answer_stats(db, outsider, rules, date(2026, 1, 1), date(2026, 12, 31))
        assert "staff_complaint" not in [r.code for r in report.by_type]
    # A handler reads the ordinary queues but no confidential counts leak through them; an
    # administrator, in no department, reads no queue at all.
    counts = {q.code: q.open for q in services.department_queues(db, clerk, rules, now=NOW)}
    assert counts.get("governors_office", 0) == 0 and counts["wing_office"] == 1
    assert services.department_queues(db, admin, rules, now=NOW) == []
    assert [c.id for c in services.queue(db, governor, rules, "governors_office")] == [case.id]
    with pytest.raises(Conflict, match="confidential"):
        services.forward(db, governor, rules, case.id, "wing_office")
    services.answer(db, governor, rules, case.id, "approved", "Dealt with.", now=NOW)
    db.commit()
    report = services.answer_stats(db, governor, rules, date(2026, 1, 1), date(2026, 12, 31))
    assert [r.code for r in report.by_type] == ["staff_complaint"]
    assert open_complaint.id in [c.id for c in services.queue(db, governor, rules, "wing_office")]


def test_deadlines_count_working_days_across_weekends_and_holidays(
    db: Session, rules: services.Rules, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate()
    friday = datetime(2026, 3, 6, 10, tzinfo=UTC)
    saturday = datetime(2026, 3, 7, 10, tzinfo=UTC)
    # Good Friday, 3 April 2026, is a holiday in settings.
    before_easter = datetime(2026, 4, 2, 10, tzinfo=UTC)
    assert submit(db, rules, inmate, now=friday).due_on == date(2026, 3, 13)
    assert submit(db, rules, inmate, now=saturday).due_on == date(2026, 3, 13)
    doctor = submit(db, rules, inmate, "see_doctor", DOCTOR, now=before_easter)
    assert doctor.due_on == date(2026, 4, 8)  # Mon 6, Tue 7, Wed 8 (Fri 3 is a holiday)
    # Late on a Thursday evening in UTC is already Friday in Tallinn: the prison's day counts.
    late_thursday = datetime(2026, 3, 5, 22, 30, tzinfo=UTC)
    assert submit(db, rules, inmate, now=late_thursday).due_on == date(2026, 3, 13)
    early_thursday = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    assert submit(db, rules, inmate, now=early_thursday).due_on == date(2026, 3, 12)
    extra = WorkingDays([date(2026, 3, 9)])
    with_holiday = replace(rules, calendar=extra)
    case = services.submit(
        db, inmate_actor(inmate), with_holiday, inmate, "complaint", COMPLAINT, now=friday
    )
    assert case.due_on == date(2026, 3, 16)


def test_overdue_and_due_soon_lists_and_escalation_to_a_supervisor(
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    handler: Callable[..., Actor],
) -> None:
    inmate = make_inmate()
    clerk = handler("wingclerk", "wing_office")
    chief = handler("chief", "wing_office", supervisor=True)
    governor = handler("governor", "governors_office", supervisor=True)
    old = submit(db, rules, inmate, now=NOW)  # due Wed 11 March
    new = submit(db, rules, inmate, now=NOW + timedelta(days=5))  # Mon 9th: due Mon 16th
    doctor = submit(db, rules, inmate, "see_doctor", DOCTOR, now=NOW)  # due Mon 9th
    thursday = datetime(2026, 3, 12, 8, tzinfo=UTC)
    assert [c.id for c in services.overdue(db, clerk, rules, "wing_office", now=thursday)] == [
        old.id
    ]
    # Due soon: within 2 working days of Thursday 12th (up to Monday 16th).
    assert [c.id for c in services.due_soon(db, clerk, rules, "wing_office", now=thursday)] == [
        new.id
    ]
    escalated = services.escalate_overdue(db, Actor.system("escalation"), rules, now=thursday)
    db.commit()
    assert sorted(c.id for c in escalated) == sorted([old.id, doctor.id])
    # Run again: nothing is escalated twice.
    assert services.escalate_overdue(db, Actor.system("escalation"), rules, now=thursday) == []
    assert [c.id for c in services.escalated_to_me(db, chief)] == [old.id]
    assert services.escalated_to_me(db, clerk) == []
    # Healthcare has no supervisor: its overdue case goes to the governor's office.
    assert doctor.id in [c.id for c in services.escalated_to_me(db, governor)]
    notes = [e.body for e in services.history(db, chief, old.id) if e.kind == "escalated"]
    assert notes == ["Overdue since 2026-03-11; escalated to Chief."]
    assert "escalated" not in [
        e.kind for e in services.get_for_inmate(db, rules, inmate, old.id).entries
    ]
    assert "request.escalate" in audit_actions(db, old.id)


def test_claims_are_exclusive(
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    handler: Callable[..., Actor],
) -> None:
    inmate = make_inmate()
    first, second = handler("clerk1", "wing_office"), handler("clerk2", "wing_office")
    outsider = handler("nurse", "healthcare")
    case = submit(db, rules, inmate)
    with pytest.raises(NotFound):
        services.claim(db, outsider, case.id)
    db.rollback()
    services.claim(db, first, case.id)
    db.commit()
    with pytest.raises(Conflict, match="already claimed by Clerk1"):
        services.claim(db, second, case.id)
    db.rollback()
    services.release(db, first, case.id)
    services.claim(db, second, case.id)
    db.commit()
    assert [c.id for c in services.queue(db, second, rules, "wing_office", view="mine")] == [
        case.id
    ]


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17 + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def test_documents_are_checked_and_refused_ones_are_stored_nowhere(
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    handler: Callable[..., Actor],
) -> None:
    inmate = make_inmate()
    clerk = handler("wingclerk", "wing_office")
    case = submit(db, rules, inmate)
    small = replace(rules, attachment_max_bytes=1000)
    refusals = [
        ("notes.txt", b"just some text", "PDF, PNG or JPEG"),
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 60, "PDF, PNG or JPEG"),
        ("fake.pdf", b"%PDF-1.4\n<script>alert(1)</script>", "not a complete PDF"),
        ("photo.pdf", PNG, "its contents are image/png"),
        ("big.pdf", PDF[:-7] + b"\x00" * 2000 + b"%%EOF\n", "too large"),
        ("empty.pdf", b"", "empty"),
    ]
    for filename, data, reason in refusals:
        with pytest.raises(InvalidInput, match=reason):
            services.attach(db, clerk, small, case.id, filename, data)
        db.rollback()
    assert db.scalar(select(func.count()).select_from(RequestAttachment)) == 0
    assert "attached" not in [e.kind for e in services.history(db, clerk, case.id)]
    services.attach(db, clerk, small, case.id, "../../scan.pdf", PDF, visible_to_inmate=True)
    services.attach(db, clerk, small, case.id, "internal.png", PNG, visible_to_inmate=False)
    db.commit()
    seen = services.get_for_inmate(db, rules, inmate, case.id)
    assert [(d.filename, d.content_type) for d in seen.documents] == [
        ("scan.pdf", "application/pdf")
    ]
    assert services.document_for_inmate(db, inmate, case.id, seen.documents[0].id).data == PDF
    hidden = db.scalar(
        select(RequestAttachment.id).where(RequestAttachment.filename == "internal.png")
    )
    assert hidden is not None
    with pytest.raises(NotFound):
        services.document_for_inmate(db, inmate, case.id, hidden)


def test_answer_time_statistics_median_p90_and_share_on_time(
    db: Session,
    rules: services.Rules,
    make_inmate: Callable[..., Inmate],
    handler: Callable[..., Actor],
) -> None:
    inmate = make_inmate()
    clerk = handler("wingclerk", "wing_office")
    # Complaints submitted Monday 2 March (due Monday 9th), answered after 1, 2, 3, 4 and 7
    # working days.
    monday = datetime(2026, 3, 2, 8, tzinfo=UTC)
    answer_days = [
        date(2026, 3, 3),
        date(2026, 3, 4),
        date(2026, 3, 5),
        date(2026, 3, 6),
        date(2026, 3, 11),
    ]
    for day in answer_days:
        case = submit(db, rules, inmate, now=monday)
        at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=9)
        services.answer(db, clerk, rules, case.id, "approved", "Done.", now=at)
    db.commit()
    report = services.answer_stats(db, clerk, rules, date(2026, 3, 1), date(2026, 3, 31))
    (row,) = report.by_type
    assert (row.code, row.count, row.median_days, row.p90_days) == ("complaint", 5, 3.0, 7)
    assert row.on_time_percent == 80
    assert report.type_chart is not None and len(report.type_chart.bars) == 1
    assert (
        services.answer_stats(db, clerk, rules, date(2026, 4, 1), date(2026, 4, 30)).answered == 0
    )


def test_only_an_admin_changes_department_membership(
    db: Session,
    rules: services.Rules,
    make_staff: Callable[..., StaffUser],
    handler: Callable[..., Actor],
) -> None:
    clerk = handler("wingclerk", "wing_office")
    target = make_staff("newbie", "requests")
    with pytest.raises(Forbidden):
        services.set_membership(db, clerk, rules, target.id, "wing_office")
    admin = staff_actor(make_staff("boss", "admin"))
    with pytest.raises(InvalidInput, match="not a request department"):
        services.set_membership(db, admin, rules, target.id, "kitchen")
    services.set_membership(db, admin, rules, target.id, "finance", supervisor=True)
    db.commit()
    scope = services.staff_scope(db, staff_actor(target))
    assert scope.departments == {"finance"} and scope.supervises == {"finance"}
    assert (
        db.scalar(select(func.count()).select_from(RequestEvent)) == 0
    )  # membership changes are audited, not case history
    assert (
        db.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "request.department_membership")
        )
        >= 2
    )


@pytest.mark.postgres_only
def test_two_kiosks_submitting_at_once_still_leave_one_open_case(
    engine: Engine, rules: services.Rules, make_inmate: Callable[..., Inmate]
) -> None:
    inmate_id = make_inmate().id
    factory = make_session_factory(engine)
    outcome: dict[str, str] = {}

    def second_kiosk() -> None:
        with factory() as session:
            inmate = session.get(Inmate, inmate_id)
            assert inmate is not None
            try:
                services.submit(session, inmate_actor(inmate), rules, inmate, "see_doctor", DOCTOR)
                session.commit()
                outcome["second"] = "submitted"
            except Conflict as refused:
                outcome["second"] = refused.message

    with factory() as first, factory() as watcher:
        inmate = first.get(Inmate, inmate_id)
        assert inmate is not None
        services.submit(first, inmate_actor(inmate), rules, inmate, "see_doctor", DOCTOR)
        thread = threading.Thread(target=second_kiosk)
        thread.start()
        # Commit only once the second kiosk is waiting for the first one's lock.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            waiting = watcher.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            )
            watcher.rollback()
            if waiting:
                break
        first.commit()
        thread.join(20)
    assert outcome["second"].startswith("You already have an open request of this kind")
    with factory() as check:
        assert check.scalar(select(func.count()).select_from(Request)) == 1


def test_each_prison_offers_its_own_types_in_its_own_order(
    db: Session, rules: services.Rules, make_inmate: Callable[..., Inmate]
) -> None:
    offered = {"TST": ("complaint", "see_doctor"), "*": ("court_form",)}
    local = replace(rules, catalogue=replace(rules.catalogue, offered=offered))
    inmate = make_inmate(language="et")
    assert [(t.code, t.name) for t in services.types_for_inmate(local, inmate)] == [
        ("complaint", "Kaebus"),
        ("see_doctor", "Arsti vastuvõtt"),
    ]
    with pytest.raises(InvalidInput, match="Seda taotlust teie vanglas esitada ei saa"):
        services.submit(
            db, inmate_actor(inmate), local, inmate, "court_form", {"form": "Legal aid"}
        )

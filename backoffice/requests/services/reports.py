"""Answer-time statistics per type and per department, grouped by the database."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ...audit.services import Actor
from .. import stats as stats_module
from ..models import Request
from .rules import Rules, _type_name
from .scope import staff_scope


@dataclass(frozen=True)
class StatsReport:
    since: date
    until: date
    answered: int
    by_type: list[stats_module.AnswerStats]
    by_department: list[stats_module.AnswerStats]
    type_chart: stats_module.Chart | None
    department_chart: stats_module.Chart | None


def answer_stats(db: Session, actor: Actor, rules: Rules, since: date, until: date) -> StatsReport:
    """Answer times of cases answered from `since` to `until` (inclusive) that this member of
    staff may see, per type and per department. The database groups the cases into a histogram
    (type, department, working days, on time) so a year of a large prison is a few hundred rows."""
    scope = staff_scope(db, actor)
    on_time = case((Request.answered_on <= Request.due_on, True), else_=False)
    rows = db.execute(
        select(
            Request.type_code,
            Request.department_code,
            Request.answer_working_days,
            on_time,
            func.count(),
        )
        .where(
            Request.answered_on.is_not(None),
            Request.answered_on >= since,
            Request.answered_on <= until,
            scope.visible(),
        )
        .group_by(Request.type_code, Request.department_code, Request.answer_working_days, on_time)
    )
    by_type: dict[str, Counter[tuple[int, bool]]] = {}
    by_department: dict[str, Counter[tuple[int, bool]]] = {}
    total = 0
    for type_code, department_code, days, in_time, count in rows:
        key = (int(days or 0), bool(in_time))
        by_type.setdefault(type_code, Counter())[key] += count
        by_department.setdefault(department_code, Counter())[key] += count
        total += count
    catalogue = rules.catalogue
    type_rows = [
        stats_module.summarize_histogram(_type_name(rules, code, "en"), by_type[code], code=code)
        for code in sorted(by_type)
    ]
    department_rows = [
        stats_module.summarize_histogram(
            catalogue.department_name(code, "en"), by_department[code], code=code
        )
        for code in sorted(by_department)
    ]
    deadlines = [t.deadline_working_days for t in catalogue.types.values()]
    deadline = max(deadlines) if deadlines else None
    return StatsReport(
        since=since,
        until=until,
        answered=total,
        by_type=type_rows,
        by_department=department_rows,
        type_chart=stats_module.chart(type_rows, deadline) if type_rows else None,
        department_chart=stats_module.chart(department_rows, deadline) if department_rows else None,
    )

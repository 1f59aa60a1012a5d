"""Requests benchmark, one JSON object per line.

Seeds a large prison's year of requests (100,000 cases from 1,500 inmates, with their submission
events) into a temporary PostgreSQL database that the bench creates and drops, then measures the
back office as a handler uses it, through the real Flask app (sign-in, access checks, templates):

- requests_seed_seconds: the bulk load (COPY) of the cases and their events;
- requests_queue_page_ms: GET /requests/department/wing_office, the open cases by deadline;
- requests_overdue_page_ms: the same department's overdue list;
- requests_index_page_ms: GET /requests/, every department's open/overdue/due-soon counts;
- requests_statistics_page_ms: GET /requests/statistics, a year's median, 90th percentile and
  share on time per type and department, with its SVG chart.
Page times are the median of N warm requests (p95 and max alongside). Goal: under 300 ms each.

Needs a reachable PostgreSQL: CELLGATE_TEST_DATABASE_URL, default the local server. Usage:
    .venv/bin/python bench/requests.py [--requests 100000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import secrets
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from backoffice import migrate
from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory
from backoffice.people.models import Cell, Inmate, Prison, Wing
from backoffice.requests import services
from backoffice.settings import load_settings
from backoffice.staff.services import create_staff_user
from backoffice.web import create_app

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench-password-123"


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(
        json.dumps({"metric": metric, "value": round(value, 3), "unit": unit, **extra}), flush=True
    )


def seed_people(url: str, rules: services.Rules, inmates: int) -> tuple[int, list[int]]:
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        prison = Prison(code="BEN", name="Bench Prison", timezone="Europe/Tallinn")
        db.add(prison)
        db.flush()
        wings = [Wing(prison=prison, code=c, name=f"Wing {c}") for c in "ABCDEF"]
        db.add_all(wings)
        db.flush()
        cells = [Cell(wing=w, number=f"{w.code}{n}") for w in wings for n in range(1, 126)]
        db.add_all(cells)
        db.flush()
        people = [
            Inmate(
                prison_number=f"BEN{n:05d}",
                first_name=f"First{n}",
                last_name=f"Last{n}",
                date_of_birth=date(1980, 1, 1) + timedelta(days=n),
                language=("et", "ru", "en")[n % 3],
                legal_status="convicted",
                prison_id=prison.id,
                wing_id=cells[n % len(cells)].wing.id,
                cell_id=cells[n % len(cells)].id,
                admitted_on=date(2024, 1, 1),
            )
            for n in range(inmates)
        ]
        db.add_all(people)
        system = Actor.system("bench")
        admin = create_staff_user(
            db,
            system,
            username="benchadmin",
            full_name="Bench Admin",
            password=PASSWORD,
            roles=["admin"],
            min_password_length=12,
        )
        clerk = create_staff_user(
            db,
            system,
            username="benchclerk",
            full_name="Bench Clerk",
            password=PASSWORD,
            roles=["requests"],
            min_password_length=12,
        )
        admin_actor = Actor(kind="staff", id=admin.id, name="benchadmin", roles=admin.roles)
        services.set_membership(db, admin_actor, rules, clerk.id, "wing_office", supervisor=True)
        db.commit()
        result = prison.id, [p.id for p in people]
    engine.dispose()
    return result


def seed_requests(
    url: str, rules: services.Rules, prison_id: int, inmate_ids: list[int], count: int
) -> None:
    """COPY a year of cases: most answered and closed, the rest open, a few overdue."""
    rng = random.Random(8)
    calendar = rules.calendar
    types = list(rules.catalogue.types.values())
    weights = [3 if t.code in ("see_doctor", "complaint") else 1 for t in types]
    today = datetime.now(UTC).date()
    start = today - timedelta(days=365)
    counters: dict[int, int] = {}
    cases = io.StringIO()
    events = io.StringIO()
    for case_id in range(1, count + 1):
        request_type = rng.choices(types, weights)[0]
        # Submissions spread evenly over the year; the last weeks are still being worked.
        submitted_on = start + timedelta(days=int(365 * case_id / count))
        submitted_at = datetime.combine(submitted_on, datetime.min.time(), UTC) + timedelta(
            hours=6 + rng.random() * 12
        )
        year = submitted_on.year
        counters[year] = counters.get(year, 0) + 1
        receipt = f"BEN-{year}-{counters[year]:06d}"
        due_on = calendar.add(submitted_on, request_type.deadline_working_days)
        took = min(int(rng.expovariate(1 / (request_type.deadline_working_days * 0.7))), 40)
        answered_on = calendar.add(submitted_on, took)
        assigned = "\\N"
        if answered_on < today - timedelta(days=14):
            status = "closed" if rng.random() < 0.97 else "declined"
        elif answered_on <= today and rng.random() < 0.6:
            status = rng.choice(("approved", "approved", "declined", "rejected"))
        else:
            status = rng.choice(("submitted", "in_progress"))
        answered = status not in ("submitted", "in_progress")
        reason = (
            rng.choice(("wrong_type", "duplicate", "abusive")) if status == "rejected" else None
        )
        answered_at = (
            datetime.combine(answered_on, datetime.min.time(), UTC) + timedelta(hours=10)
            if answered
            else None
        )
        row = [
            case_id,
            receipt,
            prison_id,
            rng.choice(inmate_ids),
            request_type.code,
            request_type.department,
            status,
            "et",
            '{"reason": "bench"}',
            "t" if request_type.confidential else "f",
            submitted_at.isoformat(),
            submitted_on.isoformat(),
            due_on.isoformat(),
            assigned,
            answered_at.isoformat() if answered_at else "\\N",
            answered_on.isoformat() if answered else "\\N",
            str(calendar.between(submitted_on, answered_on)) if answered else "\\N",
            "Answered." if answered else "",
            reason or "\\N",
            "\\N",
            "\\N",
            "\\N",
            "\\N",
            answered_at.isoformat() if status == "closed" and answered_at else "\\N",
            (answered_at or submitted_at).isoformat(),
        ]
        cases.write("\t".join(str(v) for v in row) + "\n")
        events.write(
            f"{case_id}\t{submitted_at.isoformat()}\tsubmitted\tinmate\t\\N\tbench\t\\N\t"
            f"submitted\t\\N\t{request_type.department}\t\tt\n"
        )
    columns = (
        "id, receipt, prison_id, inmate_id, type_code, department_code, status, language, "
        "fields, confidential, submitted_at, submitted_on, due_on, assigned_to_id, answered_at, "
        "answered_on, answer_working_days, answer_text, rejection_reason, appeal_until_on, "
        "appeal_of_id, escalated_at, escalated_department, closed_at, updated_at"
    )
    event_columns = (
        "request_id, occurred_at, kind, actor_kind, actor_id, actor_name, from_status, "
        "to_status, from_department, to_department, body, visible_to_inmate"
    )
    engine = create_engine(url)
    with engine.begin() as conn:
        cursor = conn.connection.cursor()
        with cursor.copy(f"COPY requests ({columns}) FROM STDIN") as copy:
            copy.write(cases.getvalue())
        with cursor.copy(f"COPY request_events ({event_columns}) FROM STDIN") as copy:
            copy.write(events.getvalue())
        for year, last in counters.items():
            conn.execute(
                text(
                    "INSERT INTO request_receipt_counters (prison_id, year, last_number) "
                    "VALUES (:p, :y, :n)"
                ),
                {"p": prison_id, "y": year, "n": last},
            )
        conn.execute(text("SELECT setval('requests_id_seq', :n)"), {"n": count})
        conn.execute(text("ANALYZE requests"))
        conn.execute(text("ANALYZE request_events"))
    engine.dispose()


def time_page(client: object, path: str, repeat: int) -> list[float]:
    timings = []
    response = client.get(path)  # type: ignore[attr-defined]
    assert response.status_code == 200, (path, response.status_code)
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)  # type: ignore[attr-defined]
        response.get_data()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return timings


def report(metric: str, timings: list[float], **extra: object) -> None:
    ordered = sorted(timings)
    emit(
        metric,
        statistics.median(ordered),
        "ms",
        p95=round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
        max=round(ordered[-1], 1),
        runs=len(ordered),
        goal_ms=300,
        **extra,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--inmates", type=int, default=1_500)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    admin_url = os.environ.get("CELLGATE_TEST_DATABASE_URL", DEFAULT_POSTGRES)
    name = f"cellgate_bench_requests_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        settings = load_settings({}).with_overrides({"mode": "test", "database_url": url})
        rules = services.rules_from_settings(settings)
        prison_id, inmate_ids = seed_people(url, rules, args.inmates)
        started = time.perf_counter()
        seed_requests(url, rules, prison_id, inmate_ids, args.requests)
        emit("requests_seed_seconds", time.perf_counter() - started, "s", requests=args.requests)

        app = create_app(settings)
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        response = client.post("/sign-in", data={"username": "benchclerk", "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        queue_page = client.get("/requests/department/wing_office").get_data(as_text=True)
        shown = len(re.findall(r'href="/requests/\d+"', queue_page))
        report(
            "requests_queue_page_ms",
            time_page(client, "/requests/department/wing_office", args.repeat),
            requests=args.requests,
            cases_shown=shown,
        )
        report(
            "requests_overdue_page_ms",
            time_page(client, "/requests/department/wing_office?view=overdue", args.repeat),
            requests=args.requests,
        )
        report(
            "requests_index_page_ms",
            time_page(client, "/requests/", args.repeat),
            requests=args.requests,
        )
        report(
            "requests_statistics_page_ms",
            time_page(client, "/requests/statistics", args.repeat),
            requests=args.requests,
        )
        app.extensions["cellgate"]["engine"].dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()

"""The parts of requests that need no database: working days, answer-time figures, the request
types file and the document check."""

from __future__ import annotations

import tomllib
from datetime import date
from typing import Any

import pytest

from backoffice.errors import InvalidInput
from backoffice.requests import stats
from backoffice.requests.calendar import WorkingDays
from backoffice.requests.services import sniff_document
from backoffice.requests.types import RequestTypesError, load_catalogue, parse_catalogue
from backoffice.settings import ROOT, load_settings

TYPES_FILE = ROOT / "config" / "request_types.toml"


def test_working_days_skip_weekends_and_holidays() -> None:
    calendar = WorkingDays([date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)])
    # Monday 21 December + 5 working days: Tue 22, Wed 23, Mon 28, Tue 29, Wed 30.
    assert calendar.add(date(2026, 12, 21), 5) == date(2026, 12, 30)
    assert calendar.add(date(2026, 12, 26), 0) == date(2026, 12, 28)  # Saturday holiday
    assert calendar.between(date(2026, 12, 21), date(2026, 12, 30)) == 5
    assert calendar.between(date(2026, 12, 30), date(2026, 12, 21)) == 0


def test_holidays_in_settings_are_dates() -> None:
    holidays = load_settings({})["requests"]["holidays"]
    calendar = WorkingDays.from_strings(holidays)
    assert not calendar.is_working_day(date(2026, 2, 24))  # Independence Day
    with pytest.raises(ValueError, match="'2026-02-30' is not a date"):
        WorkingDays.from_strings(["2026-02-30"])


def test_median_p90_and_on_time_from_a_histogram_match_the_plain_figures() -> None:
    days = [0, 1, 1, 2, 3, 3, 3, 5, 8, 12, 4]
    samples = [stats.AnswerSample("t", "d", n, n <= 5) for n in days]
    plain = stats.summarize("t", samples)
    histogram: dict[tuple[int, bool], int] = {}
    for n in days:
        histogram[(n, n <= 5)] = histogram.get((n, n <= 5), 0) + 1
    grouped = stats.summarize_histogram("t", histogram)
    assert (grouped.median_days, grouped.p90_days, grouped.on_time_share) == (
        plain.median_days,
        plain.p90_days,
        plain.on_time_share,
    )
    assert (plain.median_days, plain.p90_days, plain.on_time_percent) == (3.0, 8, 82)
    even = stats.summarize_histogram("t", {(1, True): 1, (4, True): 1})
    assert even.median_days == 2.5


def test_the_chart_scales_bars_to_the_longest_time() -> None:
    rows = [
        stats.AnswerStats("Complaint", 10, 2.0, 4, 0.9),
        stats.AnswerStats("Doctor", 5, 1.0, 8, 0.5),
    ]
    chart = stats.chart(rows, deadline_days=5)
    assert [b.p90_width for b in chart.bars] == [240.0, 480.0]
    assert chart.deadline_x == chart.label_width + 300.0


def test_the_shipped_types_file_loads() -> None:
    catalogue = load_catalogue(TYPES_FILE)
    assert catalogue.types["complaint"].deadline_working_days == 5
    assert catalogue.types["staff_complaint"].confidential
    assert catalogue.types["see_doctor"].one_open_at_a_time
    assert [t.code for t in catalogue.offered_in("ANY")][:2] == ["see_doctor", "add_phone_number"]


def _raw() -> dict[str, Any]:
    with TYPES_FILE.open("rb") as fh:
        return tomllib.load(fh)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["types"]["complaint"]["fields"][1].update(kind="day"),
            "type 'complaint', field 'happened_on': kind 'day' is not one of",
        ),
        (
            lambda d: d["types"]["complaint"].update(department="kitchen"),
            "type 'complaint': department 'kitchen' is not one of",
        ),
        (
            lambda d: d["types"]["complaint"]["name"].pop("ru"),
            "type 'complaint': name has no text in ru",
        ),
        (
            lambda d: d["offered"].update({"TLN": ["complaint", "nothing"]}),
            "type 'nothing': offered.TLN names an unknown type",
        ),
        (
            lambda d: d["types"]["complaint"].update(deadline_working_days=0),
            "deadline_working_days must be 1 or more",
        ),
    ],
)
def test_a_mistake_in_the_types_file_names_where_it_is(change: Any, message: str) -> None:
    data = _raw()
    change(data)
    with pytest.raises(RequestTypesError, match=message.replace("(", r"\(")):
        parse_catalogue(data, TYPES_FILE)


def test_form_fields_are_checked_in_the_inmates_language() -> None:
    catalogue = load_catalogue(TYPES_FILE)
    amount = catalogue.types["money_question"].field("amount")
    contact = catalogue.types["add_phone_number"].field("contact")
    assert amount is not None and contact is not None
    today = date(2026, 3, 4)
    assert amount.clean("12,50", "et", today) == 1250
    with pytest.raises(InvalidInput, match="Summa"):
        amount.clean("12.505", "et", today)
    assert contact.clean({"name": "Mari", "phone": "+372 555 1234"}, "en", today) == {
        "name": "Mari",
        "phone": "+3725551234",
    }
    with pytest.raises(InvalidInput, match="укажите имя и номер"):
        contact.clean({"name": "Mari", "phone": "call me"}, "ru", today)


PDF = b"%PDF-1.4\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20 + b"\xff\xd9"


@pytest.mark.parametrize(
    ("name", "data", "refusal"),
    [
        ("a.pdf", b"<html><script>", "none of them"),
        ("a.pdf", b"%PDF-1.4 but cut off", "not a complete PDF"),
        ("a.jpg", JPEG[:-2], "not a complete one"),
        ("a.pdf", JPEG, "its contents are image/jpeg"),
        ("a.exe", PDF, "its contents are application/pdf"),
        ("a.pdf", PDF + b" " * 100, "too large"),
    ],
)
def test_documents_are_judged_by_their_bytes(name: str, data: bytes, refusal: str) -> None:
    with pytest.raises(InvalidInput, match=refusal):
        sniff_document(name, data, max_bytes=100)


def test_real_documents_pass() -> None:
    assert sniff_document("Scan.PDF", PDF, 100) == "application/pdf"
    assert sniff_document("photo.jpeg", JPEG, 100) == "image/jpeg"

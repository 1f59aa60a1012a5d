"""The formatters every surface shows money and time through: Babel's, in the reader's language,
negatives the right way round, times on the prison's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from backoffice import dates
from backoffice.money.amounts import amount, money

TALLINN = "Europe/Tallinn"


@pytest.mark.parametrize(
    ("cents", "language", "shown"),
    [
        (-150, "en", "-€1.50"),
        (-150, "et", "-1,50 €"),
        (-150, "ru", "-1,50 €"),
        (-1, "en", "-€0.01"),
        (-99, "et", "-0,99 €"),
        (-100, "en", "-€1.00"),
        (-123456, "et", "-1 234,56 €"),
        (0, "et", "0,00 €"),
        (1250, "en", "€12.50"),
    ],
)
def test_money_keeps_the_sign_and_every_cent(cents: int, language: str, shown: str) -> None:
    assert money(cents, language) == shown


@pytest.mark.parametrize(
    ("cents", "language", "grouped", "shown"),
    [
        (-150, "en", True, "-1.50"),
        (-150, "et", True, "-1,50"),
        (-5, "ru", True, "-0,05"),
        (-123456, "en", True, "-1,234.56"),
        (-123456, "et", False, "-1234,56"),
        (-123456, "en", False, "-1234.56"),
    ],
)
def test_an_amount_is_a_number_with_two_decimals(
    cents: int, language: str, grouped: bool, shown: str
) -> None:
    assert amount(cents, language, grouped=grouped) == shown


def test_amounts_are_whole_cents_only() -> None:
    with pytest.raises(TypeError):
        money(1.5, "en")  # type: ignore[arg-type]


def test_a_moment_is_shown_on_the_prisons_clock_summer_and_winter() -> None:
    winter = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # 14:00 in Tallinn (EET)
    summer = datetime(2026, 7, 3, 11, 0, tzinfo=UTC)  # 14:00 in Tallinn (EEST)
    assert dates.moment(winter, TALLINN, "et") == "3. dets 2026 14:00"
    assert dates.moment(summer, TALLINN, "en") == "3 Jul 2026 14:00"
    assert dates.clock(summer, TALLINN, "ru") == "14:00"
    # Just before midnight UTC it is already the next day in Tallinn.
    assert dates.moment(datetime(2026, 12, 3, 23, 30, tzinfo=UTC), TALLINN, "en") == (
        "4 Dec 2026 01:30"
    )


def test_a_call_slot_says_its_weekday_in_each_language() -> None:
    starts = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # a Thursday
    assert dates.slot(starts, TALLINN, "et") == "N, 3. dets 14:00"
    assert dates.slot(starts, TALLINN, "ru") == "чт, 3 дек. 14:00"
    assert dates.slot(starts, TALLINN, "en") == "Thu 3 Dec 14:00"
    assert dates.day(date(2026, 12, 3), "en", weekday=True) == "Thursday, 3 December 2026"


def test_the_zone_is_named_in_the_readers_language() -> None:
    assert dates.zone_name(TALLINN, "en") == "Eastern European Time"
    assert dates.zone_name(TALLINN, "et") == "Ida-Euroopa aeg"

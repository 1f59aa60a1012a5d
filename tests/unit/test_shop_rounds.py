from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from backoffice.shop.rounds import Schedule, current_round

TALLINN = ZoneInfo("Europe/Tallinn")
# Orders open Monday, close Wednesday 12:00, are delivered Friday.
SCHEDULE = Schedule(opens_weekday=0, cutoff_weekday=2, cutoff_time=time(12, 0), delivery_weekday=4)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    # November 2026: the 23rd is a Monday.
    return datetime(2026, 11, day, hour, minute, tzinfo=TALLINN)


def test_an_order_before_the_cutoff_is_delivered_that_friday() -> None:
    result = current_round(SCHEDULE, at(25, 11, 59))
    assert result.window_open
    assert result.delivery_on == date(2026, 11, 27)


def test_an_order_at_the_cutoff_goes_to_the_next_round() -> None:
    result = current_round(SCHEDULE, at(25, 12, 0))
    assert result.delivery_on == date(2026, 12, 4)
    # Between Wednesday noon and Monday the window is closed, and says when it opens.
    assert not result.window_open
    assert result.opens_at == at(30, 0, 0)


def test_the_window_opens_on_monday_midnight() -> None:
    assert current_round(SCHEDULE, at(30, 0, 0)).window_open
    assert not current_round(SCHEDULE, at(29, 23, 59)).window_open


def test_same_day_cutoff_and_delivery_means_next_week() -> None:
    same_day = Schedule(
        opens_weekday=3, cutoff_weekday=3, cutoff_time=time(9, 0), delivery_weekday=3
    )
    result = current_round(same_day, at(26, 8, 0))
    assert result.window_open and result.delivery_on == date(2026, 12, 3)


def test_a_delivery_day_on_a_holiday_moves_to_the_next_day_that_is_not() -> None:
    # Friday the 27th and Saturday the 28th are shop holidays: Sunday then.
    holidays = frozenset({date(2026, 11, 27), date(2026, 11, 28)})
    schedule = Schedule(0, 2, time(12, 0), 4, holidays)
    result = current_round(schedule, at(25, 11, 59))
    assert result.delivery_on == date(2026, 11, 29)
    # The cut-off does not move: ordering closes on Wednesday noon as always.
    assert result.cutoff_at == at(25, 12, 0)

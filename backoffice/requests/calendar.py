"""Working days: Monday to Friday, except the public holidays in settings (requests.holidays).

Deadlines count from the day after submission: a request made on a Friday with 5 working days
is due the next Friday; one made on a Saturday is due the Friday after (Monday is day 1).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta


class WorkingDays:
    def __init__(self, holidays: Iterable[date] = ()) -> None:
        self.holidays = frozenset(holidays)

    @classmethod
    def from_strings(
        cls, holidays: Iterable[str], setting: str = "requests.holidays"
    ) -> WorkingDays:
        days = []
        for text in holidays:
            try:
                days.append(date.fromisoformat(text))
            except ValueError:
                raise ValueError(f"{setting}: {text!r} is not a date written YYYY-MM-DD") from None
        return cls(days)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def add(self, start: date, working_days: int) -> date:
        """The day `working_days` working days after `start` (`start` itself never counts).
        With 0: `start` if it is a working day, else the next working day."""
        if working_days < 0:
            raise ValueError("working_days must be 0 or more")
        day = start
        if working_days == 0:
            while not self.is_working_day(day):
                day += timedelta(days=1)
            return day
        counted = 0
        while counted < working_days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start): how many
        working days an answer given on `end` took for a request made on `start`."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

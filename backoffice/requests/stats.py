"""Answer-time statistics and the geometry of their chart. Pure functions, no database.

Answer time is counted in working days from the day of submission to the day of the answer
(an answer on the day of submission took 0). The median is the usual median (the mean of the
two middle values when the count is even); the 90th percentile is the nearest-rank one: the
smallest time that at least 90% of answers met, so it is always a time some answer really took.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class AnswerSample:
    type_code: str
    department_code: str
    working_days: int
    on_time: bool


@dataclass(frozen=True)
class AnswerStats:
    key: str
    count: int
    median_days: float
    p90_days: int
    on_time_share: float  # 0.0 to 1.0
    code: str = ""

    @property
    def on_time_percent(self) -> int:
        return round(self.on_time_share * 100)


def nearest_rank(values: Sequence[int], percent: int) -> int:
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(key: str, samples: Sequence[AnswerSample]) -> AnswerStats:
    if not samples:
        raise ValueError("no answers to summarize")
    days = [s.working_days for s in samples]
    return AnswerStats(
        key=key,
        count=len(samples),
        median_days=float(statistics.median(days)),
        p90_days=nearest_rank(days, 90),
        on_time_share=sum(1 for s in samples if s.on_time) / len(samples),
    )


def summarize_histogram(
    key: str, histogram: Mapping[tuple[int, bool], int], code: str = ""
) -> AnswerStats:
    """The same figures as `summarize`, from counts of (working days, on time) pairs."""
    per_day: dict[int, int] = {}
    on_time = 0
    for (days, in_time), count in histogram.items():
        per_day[days] = per_day.get(days, 0) + count
        on_time += count if in_time else 0
    total = sum(per_day.values())
    if not total:
        raise ValueError("no answers to summarize")
    ordered = sorted(per_day.items())

    def nth(index: int) -> int:  # the index-th smallest time, counting from 0
        seen = 0
        for days, count in ordered:
            seen += count
            if index < seen:
                return days
        raise IndexError(index)

    middle = total // 2
    median = float(nth(middle)) if total % 2 else (nth(middle - 1) + nth(middle)) / 2
    return AnswerStats(
        key=key,
        count=total,
        median_days=median,
        p90_days=nth(max(1, math.ceil(0.9 * total)) - 1),
        on_time_share=on_time / total,
        code=code,
    )


def by(samples: Iterable[AnswerSample], attribute: str) -> list[AnswerStats]:
    """One row per type (attribute="type_code") or department ("department_code"), by key."""
    groups: dict[str, list[AnswerSample]] = {}
    for sample in samples:
        groups.setdefault(getattr(sample, attribute), []).append(sample)
    return [summarize(key, groups[key]) for key in sorted(groups)]


@dataclass(frozen=True)
class Bar:
    label: str
    y: int
    median_width: float
    p90_width: float
    on_time_percent: int
    median_days: float
    p90_days: int


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart: one row per group, a light bar to the 90th percentile and a dark
    one to the median, a line at the deadline. Rendered as SVG by a template."""

    width: int
    height: int
    label_width: int
    plot_width: int
    bars: list[Bar]
    ticks: list[tuple[float, int]]
    deadline_x: float | None


ROW = 28


def chart(rows: Sequence[AnswerStats], deadline_days: int | None = None) -> Chart:
    label_width, plot_width = 200, 480
    longest = max([r.p90_days for r in rows] + [deadline_days or 0, 1])
    scale = plot_width / longest
    step = max(1, math.ceil(longest / 10))
    bars = [
        Bar(
            label=r.key,
            y=10 + i * ROW,
            median_width=r.median_days * scale,
            p90_width=r.p90_days * scale,
            on_time_percent=r.on_time_percent,
            median_days=r.median_days,
            p90_days=r.p90_days,
        )
        for i, r in enumerate(rows)
    ]
    return Chart(
        width=label_width + plot_width + 110,
        height=10 + len(rows) * ROW + 30,
        label_width=label_width,
        plot_width=plot_width,
        bars=bars,
        ticks=[(label_width + d * scale, d) for d in range(0, longest + 1, step)],
        deadline_x=label_width + deadline_days * scale if deadline_days else None,
    )

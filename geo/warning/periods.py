"""The period an early-warning run looks at, and the history it is compared with.

Weeks start on Monday and months on the 1st, in the city's local time (UTC+8), as the
counts are cut. Without a chosen date the period is the latest *complete* one: the
week or month whose last day is not after the last day with data, so a half-loaded
week is never compared with full ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PERIODS = ("week", "month")
#: how many earlier periods form a cell's history
HISTORY = {"week": 26, "month": 12}


@dataclass(frozen=True)
class Window:
    """The analysed period [start, end) and its history periods' starts, oldest first."""

    period: str
    start: dt.date
    end: dt.date
    history: tuple[dt.date, ...]

    @property
    def first(self) -> dt.date:
        """First day read: the start of the oldest history period (or of the period)."""
        return self.history[0] if self.history else self.start

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def period_start(day: dt.date, period: str) -> dt.date:
    """Start of the week (Monday) or month holding `day`."""
    _check(period)
    return day - dt.timedelta(days=day.weekday()) if period == "week" else day.replace(day=1)


def shift(start: dt.date, period: str, n: int) -> dt.date:
    """The start `n` periods after (n < 0: before) the period starting at `start`."""
    if period == "week":
        return start + dt.timedelta(weeks=n)
    months = start.year * 12 + start.month - 1 + n
    return dt.date(months // 12, months % 12 + 1, 1)


def window(
    period: str,
    last_data_day: dt.date,
    first_data_day: dt.date,
    day: dt.date | None = None,
    history: int | None = None,
) -> Window:
    """The period holding `day`, or else the latest complete one, and up to `history`
    earlier periods that start on or after the period holding `first_data_day`."""
    _check(period)
    if day is None:
        start = period_start(last_data_day, period)
        if shift(start, period, 1) - dt.timedelta(days=1) > last_data_day:
            start = shift(start, period, -1)
    else:
        start = period_start(day, period)
    earliest = period_start(first_data_day, period)
    n = HISTORY[period] if history is None else history
    past = tuple(s for s in (shift(start, period, -i) for i in range(n, 0, -1)) if s >= earliest)
    return Window(period, start, shift(start, period, 1), past)


def _check(period: str) -> None:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")

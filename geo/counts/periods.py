"""The periods incidents are counted by: local days, ISO weeks and months, and date windows.

Pure: days are cut in the city's local time, China Standard Time (UTC+8, no summer
time since 1992), as the month partitions of `incidents` are; weeks start on Monday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

from geo.errors import InputError
from geo.localtime import local_us, sql_local

PERIODS = ("day", "week", "month")
DAY_US = 86_400 * 1_000_000
#: a missing time in µs arrays
NO_TIME = np.iinfo(np.int64).min


def local_sql(instant: str = "occurred_at") -> str:
    """SQL: the local time of a timestamptz expression (`geo.localtime`'s fixed UTC+8),
    of `occurred_at` unless another is named."""
    return sql_local(instant)


#: SQL: the start (a date) of the local day, week or month holding `occurred_at`
START_SQL = {
    "day": f"{local_sql()}::date",
    "week": f"date_trunc('week', {local_sql()})::date",
    "month": f"date_trunc('month', {local_sql()})::date",
}


def check(
    resolutions: Iterable[int], periods: Iterable[str], finest: int
) -> tuple[list[int], list[str]]:
    """The asked resolutions (sorted) and periods (in PERIODS order), or InputError naming
    what is wrong; `finest` is the resolution incidents are indexed at."""
    res = sorted({int(r) for r in resolutions})
    bad = [r for r in res if not 0 <= r <= finest]
    if not res or bad:
        raise InputError(
            f"resolutions must be between 0 and {finest} (incidents are indexed at "
            f"res {finest}), got {bad or 'none'}",
            field="res",
        )
    periods = set(periods)
    per = [p for p in PERIODS if p in periods]
    unknown = sorted(periods - set(PERIODS))
    if not per or unknown:
        raise InputError(
            f"periods must be among {', '.join(PERIODS)}, got {unknown or 'none'}", field="period"
        )
    return res, per


def local_midnight(day: dt.date) -> str:
    """The instant local day `day` begins, as a PostgreSQL timestamptz literal."""
    return f"{day.isoformat()} 00:00+08"


def local_days(micros: np.ndarray) -> np.ndarray:
    """Local day (days since 1970-01-01) of each time given in µs since the epoch (UTC)."""
    return local_us(micros) // DAY_US


def period_starts(day: np.ndarray, period: str) -> np.ndarray:
    """First day (days since 1970-01-01) of the day, ISO week or month holding each day."""
    if period == "day":
        return day
    if period == "week":
        return day - (day + 3) % 7  # 1970-01-01 was a Thursday
    return (
        day.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    )


def split_months(
    start: dt.date, end: dt.date
) -> tuple[list[dt.date], list[tuple[dt.date, dt.date]]]:
    """Month starts wholly inside [start, end] and the leftover day ranges (inclusive)."""
    months: list[dt.date] = []
    m = start if start.day == 1 else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    while True:
        nxt = (m.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if nxt - dt.timedelta(days=1) > end:
            break
        months.append(m)
        m = nxt
    if not months:
        return [], [(start, end)]
    edges = []
    if start < months[0]:
        edges.append((start, months[0] - dt.timedelta(days=1)))
    after = (months[-1].replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if after <= end:
        edges.append((after, end))
    return months, edges


def windows(
    last_day: dt.date, days: int = 30
) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """(this, previous): two back-to-back windows of `days` days ending at `last_day`, inclusive."""
    this = (last_day - dt.timedelta(days=days - 1), last_day)
    prev = (this[0] - dt.timedelta(days=days), this[0] - dt.timedelta(days=1))
    return this, prev

"""The city's local time: China Standard Time, a fixed UTC+8 all year — the one rule.

Days, weeks and months of incidents (the counts, the partitions, the pages' windows,
export filters and files) are cut in this local time. It is a *fixed* offset on purpose:
the tz database's `Asia/Shanghai` has summer time in 1986–1991, which would put the
same instant in a different day in SQL than in NumPy. Every place that needs local
time takes it from here — SQL, NumPy, pandas and `datetime` alike.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

#: hours east of UTC
OFFSET_HOURS = 8
#: the offset as a `datetime.timedelta`, a NumPy timedelta and in whole seconds / µs
OFFSET = dt.timedelta(hours=OFFSET_HOURS)
OFFSET_NP = np.timedelta64(OFFSET_HOURS, "h")
OFFSET_S = OFFSET_HOURS * 3600
OFFSET_US = OFFSET_S * 1_000_000
#: a tzinfo for `datetime` and pandas (`Series.dt.tz_convert(TZ)`)
TZ = dt.timezone(OFFSET, "UTC+08:00")
#: the zone for SQL `AT TIME ZONE`, written as an ISO interval (positive east). Beware
#: the string forms: PostgreSQL reads '+08' or 'UTC+8' as POSIX zones, east negative.
SQL_ZONE = "INTERVAL '+08:00'"


def sql_local(expr: str) -> str:
    """SQL for the local wall-clock time (timestamp without zone) of timestamptz `expr`."""
    return f"({expr} AT TIME ZONE {SQL_ZONE})"


def local_us(utc_us: np.ndarray) -> np.ndarray:
    """Local wall-clock time of µs-since-1970 UTC times, as µs since 1970 (int64)."""
    return np.asarray(utc_us, dtype=np.int64) + OFFSET_US


def local_months(utc_us: np.ndarray) -> np.ndarray:
    """The local month (datetime64[M]) of each µs-since-1970 UTC time."""
    return local_us(utc_us).astype("datetime64[us]").astype("datetime64[M]")

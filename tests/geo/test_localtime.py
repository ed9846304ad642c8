"""geo.localtime: one fixed UTC+8 rule, the same in PostgreSQL, NumPy, pandas and datetime.

1988-07-01 16:30 UTC is checked on purpose: Asia/Shanghai had summer time then (UTC+9),
so a zone-name rule would put it at 01:30 the next day; the fixed rule says 00:30.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import text

from geo import localtime

SUMMER_1988 = dt.datetime(1988, 7, 1, 16, 30, tzinfo=dt.UTC)
LATE_2020 = dt.datetime(2020, 12, 31, 16, 0, tzinfo=dt.UTC)  # the new year locally
EXPECTED = [dt.datetime(1988, 7, 2, 0, 30), dt.datetime(2021, 1, 1, 0, 0)]


def _us(when: dt.datetime) -> int:
    return int(when.timestamp()) * 1_000_000


def test_numpy_datetime_and_pandas_agree_with_the_fixed_offset():
    utc_us = np.array([_us(SUMMER_1988), _us(LATE_2020)])
    local = localtime.local_us(utc_us).astype("datetime64[us]").astype(dt.datetime)
    assert list(local) == EXPECTED
    assert [
        w.astimezone(localtime.TZ).replace(tzinfo=None) for w in (SUMMER_1988, LATE_2020)
    ] == EXPECTED
    series = pd.Series(pd.to_datetime([SUMMER_1988, LATE_2020], utc=True))
    assert list(series.dt.tz_convert(localtime.TZ).dt.tz_localize(None)) == EXPECTED
    assert list(localtime.local_months(utc_us).astype(str)) == ["1988-07", "2021-01"]


def test_sql_agrees_with_numpy_where_asia_shanghai_had_summer_time(engine):
    sql = f"SELECT {localtime.sql_local(':t')}"
    with engine.connect() as conn:
        got = [conn.execute(text(sql), {"t": t}).scalar() for t in (SUMMER_1988, LATE_2020)]
        by_name = conn.execute(
            text("SELECT :t AT TIME ZONE 'Asia/Shanghai'"), {"t": SUMMER_1988}
        ).scalar()
    assert got == EXPECTED
    assert by_name == dt.datetime(1988, 7, 2, 1, 30)  # the rule this module replaces

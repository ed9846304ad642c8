"""Early-warning reads from PostGIS: incidents per cell and period, and incident points.

Counts are taken from the incidents themselves (their stored res-10 cell and local
time), over just the months the window spans, so an alert never depends on whether
the counts cube holds that resolution and period. Categories are chosen by the
project's one rule, `geo.vocab.store.matches`: either level, by code, name or alias.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from geo.counts.levels import filter_sql
from geo.db.arrow import read_arrow
from geo.hexes import parents
from geo.localtime import TZ, sql_local


def _category_filter(categories: Sequence[str] | None) -> tuple[str, dict[str, str]]:
    """SQL matching `categories` at either level (geo.vocab.store.matches) and its
    parameters; TRUE for none."""
    if not categories:
        return "TRUE", {}
    sql, params = filter_sql(categories)
    return f"({sql})", params


def _local_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), TZ)


def period_counts(
    engine: Engine,
    res: int,
    first: dt.date,
    end: dt.date,
    period: str,
    categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Incidents per H3 cell at `res` and period start (week: Monday; month: 1st), for
    local days in [first, end). Columns: cell (int64), period (date), count."""
    matched, params = _category_filter(categories)
    table = read_arrow(
        engine,
        f"""
        SELECT h3, date_trunc('{period}', {sql_local("occurred_at")})::date AS period,
               count(*) AS count
        FROM incidents
        WHERE occurred_at >= :a AND occurred_at < :b AND {matched}
        GROUP BY 1, 2
    """,
        {
            "a": _local_start(first),
            "b": _local_start(end),
            **params,
        },
    )
    frame = table.to_pandas()
    if frame.empty:
        return pd.DataFrame(
            {"cell": np.empty(0, np.int64), "period": [], "count": np.empty(0, np.int64)}
        )
    frame["cell"] = parents(frame["h3"].to_numpy().astype(np.uint64), res).astype(np.int64)
    return (
        frame.groupby(["cell", "period"], as_index=False)["count"].sum().astype({"count": np.int64})
    )


def points(
    engine: Engine, start: dt.date, end: dt.date, categories: Sequence[str] | None = None
) -> pd.DataFrame:
    """Incidents with local days in [start, end]: lon, lat (WGS-84) and occurred_at (UTC),
    in key order, so that a seeded permutation test gives one answer for one set of
    incidents however the filter that chose them was written."""
    matched, params = _category_filter(categories)
    table = read_arrow(
        engine,
        f"""
        SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat, occurred_at FROM incidents
        WHERE occurred_at >= :a AND occurred_at < :b AND {matched}
        ORDER BY occurred_at, id
    """,
        {
            "a": _local_start(start),
            "b": _local_start(end + dt.timedelta(days=1)),
            **params,
        },
    )
    return table.to_pandas()

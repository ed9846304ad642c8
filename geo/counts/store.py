"""Reading incident counts: per cell for a date range, per period, per category.

Everything the pages, KPIs and hot spot runs count is read here; how the counts are
kept (`incident_counts`, refreshed by `geo.counts.refresh`) is this package's business.
Whole months inside a range are read from the month rows and the edges from the day
rows, so a year costs twelve rows per cell instead of 365.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, func, or_, select, text

from geo.counts.periods import PERIODS, TIMEZONE, split_months
from geo.db.tables import incident_counts as ic
from geo.errors import InputError


def _range_filter(start: dt.date, end: dt.date):
    months, edges = split_months(start, end)
    parts = [and_(ic.c.period == "day", ic.c.period_start.between(a, b)) for a, b in edges]
    if months:
        parts.append(and_(ic.c.period == "month", ic.c.period_start.in_(months)))
    return or_(*parts)


def cell_counts(engine: Engine, res: int, start: dt.date, end: dt.date,
                categories: Sequence[str] | None = None) -> pd.Series:
    """Incidents per cell (int64 index) at `res` between `start` and `end` inclusive."""
    q = (
        select(ic.c.cell, func.sum(ic.c.count).label("n"))
        .where(ic.c.res == res, _range_filter(start, end))
        .group_by(ic.c.cell)
    )
    if categories:
        q = q.where(ic.c.category.in_(list(categories)))
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    s = pd.Series([r.n for r in rows], index=pd.Index([r.cell for r in rows], dtype="int64"),
                  dtype="int64", name="count")
    s.index.name = "cell"
    return s


# DISTINCT over millions of rows reads them all; these walk the index instead
_CATEGORIES_SQL = text(
    """
    WITH RECURSIVE c AS (
      SELECT min(category) AS v FROM incidents
      UNION ALL
      SELECT (SELECT min(category) FROM incidents WHERE category > c.v) FROM c WHERE c.v IS NOT NULL
    )
    SELECT v FROM c WHERE v IS NOT NULL
    """
)
_RESOLUTIONS_SQL = text(
    "SELECT r FROM generate_series(0, 15) AS r "
    "WHERE EXISTS (SELECT 1 FROM incident_counts WHERE res = r)"
)


def categories(engine: Engine) -> list[str]:
    """Incident categories present in the incidents."""
    with engine.connect() as conn:
        return list(conn.execute(_CATEGORIES_SQL).scalars())


def resolutions(engine: Engine) -> list[int]:
    """H3 resolutions the counts can be read at."""
    with engine.connect() as conn:
        return [int(r) for r in conn.execute(_RESOLUTIONS_SQL).scalars()]


def trend(engine: Engine, res: int, period: str = "week",
          categories: Sequence[str] | None = None,
          cells: Sequence[int] | None = None) -> pd.DataFrame:
    """Counts per period start and category (`period_start, category, count`)."""
    q = (
        select(ic.c.period_start, ic.c.category, func.sum(ic.c.count).label("count"))
        .where(ic.c.res == res, ic.c.period == period)
        .group_by(ic.c.period_start, ic.c.category)
        .order_by(ic.c.period_start)
    )
    if categories:
        q = q.where(ic.c.category.in_(list(categories)))
    if cells is not None:
        q = q.where(ic.c.cell.in_([int(c) for c in cells]))
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return pd.DataFrame(rows, columns=["period_start", "category", "count"])


def category_mix(engine: Engine, res: int, cells: Sequence[int], start: dt.date, end: dt.date) -> pd.Series:
    """Incidents per category in `cells` between `start` and `end`, largest first."""
    q = (
        select(ic.c.category, func.sum(ic.c.count).label("n"))
        .where(ic.c.res == res, ic.c.cell.in_([int(c) for c in cells]), _range_filter(start, end))
        .group_by(ic.c.category)
    )
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return pd.Series({r.category: int(r.n) for r in rows}, dtype="int64").sort_values(ascending=False)


def period_counts(engine: Engine, res: int, start: dt.date | None = None, end: dt.date | None = None,
                  categories: Sequence[str] | None = None, by: str | None = None) -> pd.DataFrame:
    """Incident counts per cell (and per period start when `by` is day/week/month).

    Read from the daily rows so any date range is exact (`end` inclusive), re-bucketed
    to weeks or months in SQL. Columns: cell, [period,] count.
    """
    if by is not None and by not in PERIODS:
        raise InputError(f"period must be day, week or month, got {by!r}", field="period")
    bucket = f", date_trunc('{by}', period_start)::date AS period" if by else ""
    group = ", 2" if by else ""
    query = text(f"""
        SELECT cell{bucket}, sum(count)::bigint AS count
        FROM incident_counts
        WHERE res = :res AND period = 'day'
          AND (CAST(:start AS date) IS NULL OR period_start >= :start)
          AND (CAST(:end AS date) IS NULL OR period_start <= :end)
          AND (CAST(:cats AS text[]) IS NULL OR category = ANY(:cats))
        GROUP BY 1{group} ORDER BY 1{group}
    """)
    params = {"res": res, "start": start, "end": end, "cats": list(categories) if categories else None}
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query, params).all(),
                             columns=["cell", *(["period"] if by else []), "count"])
    frame["cell"] = frame["cell"].astype(np.int64)
    frame["count"] = frame["count"].astype(np.int64)
    return frame


def counts_span(engine: Engine, res: int) -> tuple[dt.date, dt.date] | None:
    """First and last day with counts at `res`, None when there are none."""
    with engine.connect() as conn:
        row = conn.execute(text("""SELECT min(period_start), max(period_start) FROM incident_counts
                                   WHERE res = :res AND period = 'day'"""), {"res": res}).one()
    return None if row[0] is None else (row[0], row[1])


def aggregated_batches(engine: Engine) -> list[int]:
    """Incident batches whose rows are counted (the data a run used)."""
    with engine.connect() as conn:
        return [int(b) for b in conn.execute(
            text("SELECT batch_id FROM aggregate_state ORDER BY 1")).scalars()]


def incident_span(engine: Engine) -> tuple[dt.date, dt.date] | None:
    """First and last local day with incidents (on the month-partitioned table min/max
    scan every month: ≈ 60 ms for a million rows)."""
    with engine.connect() as conn:
        lo, hi = conn.execute(text(
            "SELECT (min(occurred_at) AT TIME ZONE :tz)::date, (max(occurred_at) AT TIME ZONE :tz)::date "
            "FROM incidents"), {"tz": TIMEZONE}).one()
    return (lo, hi) if lo is not None else None


_BETWEEN_SQL = text(
    "SELECT count(*) FROM incidents WHERE occurred_at >= CAST(:a AS timestamp) AT TIME ZONE :tz "
    "AND occurred_at < CAST(:b AS timestamp) AT TIME ZONE :tz"
)


def incidents_between(engine: Engine, start: dt.date, end: dt.date) -> int:
    """Incidents from local day `start` to `end` inclusive (the months prune by partition)."""
    with engine.connect() as conn:
        return int(conn.execute(_BETWEEN_SQL, {"a": start, "b": end + dt.timedelta(days=1),
                                               "tz": TIMEZONE}).scalar())

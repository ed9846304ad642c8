"""Incident counts per H3 cell for a date range and categories, from `incident_counts`.

The aggregate (`civicgrid aggregate`) stores counts per resolution, period and
category; whole months inside a range are read from the month rows and the edges
from the day rows, so a year costs twelve rows per cell instead of 365.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Engine, and_, func, or_, select, text

from geo.db.tables import incident_counts as ic
from geo.views.stamp import kept


def split_months(start: dt.date, end: dt.date) -> tuple[list[dt.date], list[tuple[dt.date, dt.date]]]:
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


def _range_filter(start: dt.date, end: dt.date):
    months, edges = split_months(start, end)
    parts = [and_(ic.c.period == "day", ic.c.period_start.between(a, b)) for a, b in edges]
    if months:
        parts.append(and_(ic.c.period == "month", ic.c.period_start.in_(months)))
    return or_(*parts)


def cell_counts(engine: Engine, res: int, start: dt.date, end: dt.date,
                categories: Sequence[str] | None = None) -> pd.Series:
    """Incidents per cell (int64 index) at `res` between `start` and `end` inclusive;
    cached per filter until the data change (analysts go back and forth between views)."""
    cats = tuple(sorted(categories)) if categories else None
    return _cell_counts(engine, res, start, end, cats).copy()


@kept(64)
def _cell_counts(engine: Engine, res: int, start: dt.date, end: dt.date,
                 categories: tuple[str, ...] | None) -> pd.Series:
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
    """H3 resolutions present in the aggregate."""
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

"""The date span of the loaded incidents and the period windows the pages compare."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, text

from geo.localtime import sql_local
from geo.views.stamp import kept


@kept(4)
def incident_span(engine: Engine) -> tuple[dt.date, dt.date] | None:
    """First and last local day with incidents; kept until the data change (on the
    month-partitioned table min/max scan every month: ≈ 60 ms for a million rows)."""
    with engine.connect() as conn:
        lo, hi = conn.execute(
            text(
                f"SELECT {sql_local('min(occurred_at)')}::date, {sql_local('max(occurred_at)')}::date "
                "FROM incidents"
            )
        ).one()
    return (lo, hi) if lo is not None else None


def windows(
    last_day: dt.date, days: int = 30
) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """(this, previous): two back-to-back windows of `days` days ending at `last_day`, inclusive."""
    this = (last_day - dt.timedelta(days=days - 1), last_day)
    prev = (this[0] - dt.timedelta(days=days), this[0] - dt.timedelta(days=1))
    return this, prev

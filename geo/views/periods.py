"""The date span of the loaded incidents and the period windows the pages compare."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, select

from geo.db.tables import incident_counts, incidents


def incident_span(engine: Engine) -> tuple[dt.date, dt.date] | None:
    """First and last day with incidents (from the aggregate, else the raw table)."""
    with engine.connect() as conn:
        lo, hi = conn.execute(
            select(func.min(incident_counts.c.period_start), func.max(incident_counts.c.period_start))
            .where(incident_counts.c.period == "day")
        ).one()
        if lo is None:
            lo, hi = conn.execute(
                select(func.min(incidents.c.occurred_at), func.max(incidents.c.occurred_at))
            ).one()
            lo, hi = (lo.date(), hi.date()) if lo is not None else (None, None)
    return (lo, hi) if lo is not None else None


def windows(last_day: dt.date, days: int = 30) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """(this, previous): two back-to-back windows of `days` days ending at `last_day`, inclusive."""
    this = (last_day - dt.timedelta(days=days - 1), last_day)
    prev = (this[0] - dt.timedelta(days=days), this[0] - dt.timedelta(days=1))
    return this, prev

"""The pages' incident counts (`geo.counts.store`), kept per filter until the data change.

Analysts go back and forth between views; a count already read is reused until a load
or a refresh of the counts changes the data stamp.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Engine

from geo.counts import levels, store
from geo.counts.levels import trend
from geo.counts.store import categories, category_mix, resolutions
from geo.views.stamp import kept

__all__ = ["categories", "category_mix", "cell_counts", "incident_span", "resolutions", "trend"]


def cell_counts(
    engine: Engine, res: int, start: dt.date, end: dt.date, categories: Sequence[str] | None = None
) -> pd.Series:
    """Incidents per cell (int64 index) at `res` between `start` and `end` inclusive, of
    `categories` at either level (geo.counts.levels); cached per filter until the data change."""
    cats = tuple(sorted(categories)) if categories else None
    return _cell_counts(engine, res, start, end, cats).copy()


@kept(64)
def _cell_counts(
    engine: Engine, res: int, start: dt.date, end: dt.date, categories: tuple[str, ...] | None
) -> pd.Series:
    return levels.cell_counts(engine, res, start, end, categories)


@kept(4)
def incident_span(engine: Engine) -> tuple[dt.date, dt.date] | None:
    """First and last local day with incidents, kept until the data change."""
    return store.incident_span(engine)

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
from sqlalchemy.dialects import postgresql

from geo.db.arrow import read_arrow
from geo.db.tables import incidents
from geo.hexes import parents
from geo.localtime import TZ, sql_local
from geo.vocab.store import matches

_NAMED = postgresql.dialect(paramstyle="named")


def _categories(categories: Sequence[str] | None) -> tuple[str, dict]:
    """SQL (with its :parameters) keeping the incidents of `categories`, TRUE for all."""
    if not categories:
        return "TRUE", {}
    where = matches(incidents, "category", list(categories)).compile(
        dialect=_NAMED, compile_kwargs={"render_postcompile": True}
    )
    return f"({where})", dict(where.params)


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
    where, params = _categories(categories)
    table = read_arrow(
        engine,
        f"""
        SELECT h3, date_trunc('{period}', {sql_local("occurred_at")})::date AS period,
               count(*) AS count
        FROM incidents
        WHERE occurred_at >= :a AND occurred_at < :b AND {where}
        GROUP BY 1, 2
    """,
        {"a": _local_start(first), "b": _local_start(end), **params},
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
    """Incidents with local days in [start, end]: lon, lat (WGS-84) and occurred_at (UTC)."""
    where, params = _categories(categories)
    table = read_arrow(
        engine,
        f"""
        SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat, occurred_at FROM incidents
        WHERE occurred_at >= :a AND occurred_at < :b AND {where}
    """,
        {"a": _local_start(start), "b": _local_start(end + dt.timedelta(days=1)), **params},
    )
    return table.to_pandas()

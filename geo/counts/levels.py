"""Incident counts filtered by either level of the category vocabulary (大类 or 细类).

`incident_counts` is keyed by the 大类 (`geo.counts.refresh`), so a filter naming only
大类 — by name, code or alias — is read through `geo.counts.store` as before. A filter
naming a 细类 is counted from the month-partitioned incidents themselves: the time range
prunes the months read, and `geo.vocab.store.matches` is the one rule of what a value
means (either level by code, name or alias; a 大类 takes its 细类 along; a value no
vocabulary knows matches its raw text).

Why not counts per 细类 (benchmarks/counts_levels.py, RESULTS.md "细类 filters"): on
the city sample (21 细类) such a table would be 0.31× the incidents' size — within
#23's half, but in place of the 大类 counts (0.25×; both together would be 0.56×), and
growing with each city's own list of 细类 — and would answer the page's 90-day view in
0.29 s against 0.50 s read here from the incidents (whole span: 0.84 s against 2.4 s).
The sub-second page read is kept; the counts' key is the counts' owner's to change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text
from sqlalchemy.dialects.postgresql.base import PGDialect

from geo.config import settings
from geo.counts import store
from geo.counts.periods import PERIODS, START_SQL, local_midnight
from geo.db.tables import incidents
from geo.errors import InputError
from geo.hexes import children, parents
from geo.vocab import store as vocab_store

VOCAB = "incident_category"


def counts(
    engine: Engine,
    res: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    categories: Sequence[str] | None = None,
    cells: Sequence[int] | None = None,
    by: str | None = None,
    by_category: bool = False,
    by_cell: bool = True,
) -> pd.DataFrame:
    """`geo.counts.store.counts` with `categories` at either level: the same columns
    ([cell,] [period,] [category,] count, sorted by key) and the same answer."""
    if not categories:
        return store.counts(engine, res, start, end, None, cells, by, by_category, by_cell)
    with engine.connect() as conn:
        tops, fine = vocab_store.levels(conn, VOCAB, list(categories))
    if not fine:
        return store.counts(engine, res, start, end, tops, cells, by, by_category, by_cell)
    return _from_incidents(
        engine, res, start, end, list(categories), cells, by, by_category, by_cell
    )


def cell_counts(
    engine: Engine, res: int, start: dt.date, end: dt.date, categories: Sequence[str] | None = None
) -> pd.Series:
    """Incidents per cell (int64 index named cell) at `res` between `start` and `end` inclusive."""
    frame = counts(engine, res, start, end, categories)
    s = pd.Series(
        frame["count"].to_numpy(),
        index=pd.Index(frame["cell"].to_numpy(), dtype="int64"),
        dtype="int64",
        name="count",
    )
    s.index.name = "cell"
    return s


def trend(
    engine: Engine,
    res: int,
    period: str = "week",
    categories: Sequence[str] | None = None,
    cells: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Counts per period start and category (`period_start, category, count`)."""
    frame = counts(
        engine, res, categories=categories, cells=cells, by=period, by_category=True, by_cell=False
    )
    return frame.rename(columns={"period": "period_start"})[["period_start", "category", "count"]]


def filter_sql(categories: Sequence[str]) -> tuple[str, dict[str, str]]:
    """`geo.vocab.store.matches` on the incidents as SQL text with :named parameters and
    their values (values stay parameters: a category may hold any character)."""
    expr = vocab_store.matches(incidents, "category", [str(c) for c in categories])
    # the base dialect: no `::VARCHAR` after each parameter, which text() would misread
    compiled = expr.compile(
        dialect=PGDialect(paramstyle="named"), compile_kwargs={"render_postcompile": True}
    )
    return str(compiled), dict(compiled.params)


def _from_incidents(
    engine: Engine,
    res: int,
    start: dt.date | None,
    end: dt.date | None,
    categories: list[str],
    cells: Sequence[int] | None,
    by: str | None,
    by_category: bool,
    by_cell: bool,
) -> pd.DataFrame:
    if by is not None and by not in PERIODS:
        raise InputError(f"period must be day, week or month, got {by!r}", field="period")
    keys = [
        *(["cell"] if by_cell else []),
        *(["period"] if by else []),
        *(["category"] if by_category else []),
    ]
    if start is None or end is None:
        span = store.counts_span(engine, res)
        if span is not None:
            start, end = start or span[0], end or span[1]
    if start is None or end is None or start > end or (cells is not None and not len(cells)):
        return _empty(keys)
    select = [
        *(["h3"] if by_cell else []),
        *([f"{START_SQL[by]}"] if by else []),
        *(["category"] if by_category else []),
    ]
    matched, params = filter_sql(categories)
    where = [
        f"occurred_at >= '{local_midnight(start)}'::timestamptz",
        f"occurred_at < '{local_midnight(end + dt.timedelta(days=1))}'::timestamptz",
        f"({matched})",
    ]
    if cells is not None:
        finest = children(np.asarray(cells, dtype=np.int64).view(np.uint64), settings().h3_res)
        where.append(
            "h3 = ANY('{" + ",".join(str(int(c)) for c in finest.view(np.int64)) + "}'::int8[])"
        )
    group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(select)))}" if select else ""
    sql = (
        f"SELECT {', '.join([*select, 'count(*)'])} FROM incidents "
        f"WHERE {' AND '.join(where)}{group}"
    )
    with engine.connect() as conn:
        rows = conn.execute(text(sql), params).all()
    frame = pd.DataFrame(rows, columns=[*keys, "count"])
    if not len(frame):
        return _empty(keys)
    if by_cell:
        cell = frame["cell"].to_numpy(dtype=np.int64)
        if res < settings().h3_res:
            cell = parents(cell.view(np.uint64), res).view(np.int64)
        frame["cell"] = cell
    if keys:
        frame = frame.groupby(keys, sort=True)["count"].sum().reset_index()
    if by_cell:
        frame["cell"] = frame["cell"].astype(np.int64)
    frame["count"] = frame["count"].astype(np.int64)
    return frame


def _empty(keys: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {k: pd.Series(dtype="int64" if k == "cell" else object) for k in keys}
        | {"count": pd.Series(dtype="int64")}
    )

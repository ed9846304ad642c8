"""Reading incident counts: per cell for a date range, per period, per category.

Everything the pages, KPIs and hot spot runs count is read here. Two sources, one answer:
- `incident_counts` keeps month counts per cell and category at the coarse resolutions
  (`geo.counts.refresh`): small, and read for the whole local months inside a range;
- the rest — the days at the edges of a range, days and weeks, the finest resolution —
  is counted from the month-partitioned `incidents` by time range (only the months the
  range touches are read), their stored res-10 cell taken to the asked resolution here.
A resolution without stored months is counted from the incidents alone, so the answer
never depends on which resolutions were kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from geo.config import settings
from geo.counts.periods import PERIODS, START_SQL, local_midnight, local_sql, split_months
from geo.db.arrow import read_arrow
from geo.errors import InputError
from geo.hexes import children, parents


# The Arrow reads put their values into the SQL text as literals: ADBC runs a query
# without parameters as one COPY, while one with parameters is prepared and ran 4–5×
# slower here (res 9 over two years: 8.6 s against 1.7 s).
def _ints(values) -> str:
    return "'{" + ",".join(str(int(v)) for v in values) + "}'::int8[]"


def _texts(values) -> str:
    return "ARRAY[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]::text[]"


def _dates(values) -> str:
    return "'{" + ",".join(d.isoformat() for d in values) + "}'::date[]"


def _instant(day: dt.date) -> str:
    return f"'{local_midnight(day)}'::timestamptz"


def _kept(engine: Engine, res: int) -> bool:
    """Whether `incident_counts` holds months at `res`."""
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text("SELECT EXISTS (SELECT 1 FROM incident_counts WHERE res = :r)"), {"r": res}
            ).scalar()
        )


def _months_sql(
    res: int,
    months: list[dt.date],
    categories,
    cells,
    by_cell: bool,
    by_period: bool,
    by_category: bool,
) -> str:
    """SQL: the kept month counts at `res` (column src = 1)."""
    keys = [
        "1 AS src",
        *(["cell"] if by_cell else []),
        *(["month AS period"] if by_period else []),
        *(["category"] if by_category else []),
    ]
    where = [f"res = {int(res)}", f"month = ANY({_dates(months)})"]
    if categories:
        where.append(f"category = ANY({_texts(categories)})")
    if cells is not None:
        where.append(f"cell = ANY({_ints(cells)})")
    return _grouped(keys, "sum(count)::int8", "incident_counts", where)


def _incidents_sql(
    start: dt.date,
    end: dt.date,
    categories,
    cells,
    by_cell: bool,
    by: str | None,
    by_category: bool,
) -> str:
    """SQL: counts of the incidents from local day `start` to `end` by their res-10 cell (src = 0)."""
    keys = [
        "0 AS src",
        *(["h3 AS cell"] if by_cell else []),
        *([f"{START_SQL[by]} AS period"] if by else []),
        *(["category"] if by_category else []),
    ]
    where = [
        f"occurred_at >= {_instant(start)}",
        f"occurred_at < {_instant(end + dt.timedelta(days=1))}",
    ]
    if categories:
        where.append(f"category = ANY({_texts(categories)})")
    if cells is not None:
        finest = children(np.asarray(cells, dtype=np.int64).view(np.uint64), settings().h3_res)
        where.append(f"h3 = ANY({_ints(finest.view(np.int64))})")
    return _grouped(keys, "count(*)", "incidents", where)


def _read(engine: Engine, sql: str, columns: list[str], large: bool) -> pd.DataFrame:
    """The rows of `sql` (one query, its values as literals): a large result through Arrow
    (ADBC), a small one through the engine's pooled connection, as opening an ADBC
    connection costs more than a small read (a cell's weekly series: 0.56 s against 0.03 s)."""
    if large:
        return read_arrow(engine, sql).to_pandas()
    with engine.connect() as conn:
        rows = conn.execution_options(no_parameters=True).exec_driver_sql(sql).all()
        return pd.DataFrame(rows, columns=columns)


def _grouped(keys: list[str], total: str, table: str, where: list[str]) -> str:
    group = (
        f" GROUP BY {', '.join(str(i + 1) for i in range(1, len(keys)))}" if len(keys) > 1 else ""
    )
    return f"SELECT {', '.join([*keys, f'{total} AS count'])} FROM {table} WHERE {' AND '.join(where)}{group}"


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
    """Incidents per cell at `res` (and per period start when `by` is day/week/month, per
    category with `by_category`; summed over the cells without `by_cell`) from local day
    `start` to `end` inclusive (None: from the first or to the last incident), of
    `categories` and in `cells` (at `res`) when given. Columns: [cell,] [period,]
    [category,] count (int64), sorted by key."""
    if by is not None and by not in PERIODS:
        raise InputError(f"period must be day, week or month, got {by!r}", field="period")
    keys = [
        *(["cell"] if by_cell else []),
        *(["period"] if by else []),
        *(["category"] if by_category else []),
    ]
    empty = pd.DataFrame(
        {k: pd.Series(dtype="int64" if k == "cell" else object) for k in keys}
        | {"count": pd.Series(dtype="int64")}
    )
    if start is None or end is None:
        span = counts_span(engine, res)
        if span is None:
            return empty
        start, end = start or span[0], end or span[1]
    if start > end or (cells is not None and not len(cells)):
        return empty
    months, edges = [], [(start, end)]
    if by in (None, "month") and _kept(engine, res):
        months, edges = split_months(start, end)
    parts = [_incidents_sql(a, b, categories, cells, by_cell, by, by_category) for a, b in edges]
    if months:
        parts.append(
            _months_sql(res, months, categories, cells, by_cell, by is not None, by_category)
        )
    frame = _read(
        engine,
        " UNION ALL ".join(f"({p})" for p in parts),
        ["src", *keys, "count"],
        large=by_cell and cells is None,
    )
    if not len(frame):
        return empty
    fine = frame.pop("src").to_numpy() == 0
    if by_cell and res < settings().h3_res and fine.any():
        cell = frame["cell"].to_numpy(dtype=np.int64).copy()
        cell[fine] = parents(cell[fine].view(np.uint64), res).view(np.int64)
        frame["cell"] = cell
    frame = frame.groupby(keys, sort=True)["count"].sum().reset_index()
    if by_cell:
        frame["cell"] = frame["cell"].astype(np.int64)
    frame["count"] = frame["count"].astype(np.int64)
    return frame


def cell_counts(
    engine: Engine,
    res: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    categories: Sequence[str] | None = None,
) -> pd.Series:
    """Incidents per cell (int64 index) at `res` between `start` and `end` inclusive
    (None: from the first or to the last incident)."""
    frame = counts(engine, res, start, end, categories)
    s = pd.Series(
        frame["count"].to_numpy(),
        index=pd.Index(frame["cell"].to_numpy(), dtype="int64"),
        dtype="int64",
        name="count",
    )
    s.index.name = "cell"
    return s


# DISTINCT over millions of rows reads them all; this walks the index instead
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


def categories(engine: Engine) -> list[str]:
    """Incident categories present in the incidents."""
    with engine.connect() as conn:
        return list(conn.execute(_CATEGORIES_SQL).scalars())


def resolutions(engine: Engine) -> list[int]:
    """H3 resolutions the pages offer (`settings().agg_resolutions`) once there are counts."""
    with engine.connect() as conn:
        some = conn.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM incidents) OR EXISTS (SELECT 1 FROM incident_counts)"
            )
        ).scalar()
    return sorted(settings().agg_resolutions) if some else []


def trend(
    engine: Engine,
    res: int,
    period: str = "week",
    categories: Sequence[str] | None = None,
    cells: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Counts per period start and category (`period_start, category, count`), of the
    incidents in `cells` (at `res`) when given."""
    frame = counts(
        engine, res, categories=categories, cells=cells, by=period, by_category=True, by_cell=False
    )
    return frame.rename(columns={"period": "period_start"})[["period_start", "category", "count"]]


def category_mix(
    engine: Engine, res: int, cells: Sequence[int], start: dt.date, end: dt.date
) -> pd.Series:
    """Incidents per category in `cells` between `start` and `end`, largest first."""
    frame = counts(engine, res, start, end, cells=cells, by_category=True, by_cell=False)
    mix = pd.Series(frame["count"].to_numpy(), index=frame["category"].to_numpy(), dtype="int64")
    return mix.sort_values(ascending=False)


def period_counts(
    engine: Engine,
    res: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    categories: Sequence[str] | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """Incident counts per cell (and per period start when `by` is day/week/month), `end`
    inclusive. Columns: cell, [period,] count."""
    return counts(engine, res, start, end, categories, by=by)


def counts_span(engine: Engine, res: int | None = None) -> tuple[dt.date, dt.date] | None:
    """First and last local day with incidents (or, with none loaded, of the stored
    months, as after an archive aggregate); None when there are no counts. The same at
    every resolution: every incident has a cell at each."""
    span = incident_span(engine)
    if span is not None:
        return span
    with engine.connect() as conn:
        lo, hi = conn.execute(text("SELECT min(month), max(month) FROM incident_counts")).one()
    if lo is None:
        return None
    return lo, (pd.Timestamp(hi) + pd.offsets.MonthEnd(0)).date()


def aggregated_batches(engine: Engine) -> list[int]:
    """Incident batches whose rows are counted (the data a run used)."""
    with engine.connect() as conn:
        return [
            int(b)
            for b in conn.execute(text("SELECT batch_id FROM aggregate_state ORDER BY 1")).scalars()
        ]


def incident_span(engine: Engine) -> tuple[dt.date, dt.date] | None:
    """First and last local day with incidents (on the month-partitioned table min/max
    scan every month: ≈ 60 ms for a million rows)."""
    with engine.connect() as conn:
        lo, hi = conn.execute(
            text(
                f"SELECT {local_sql('min(occurred_at)')}::date, {local_sql('max(occurred_at)')}::date "
                "FROM incidents"
            )
        ).one()
    return (lo, hi) if lo is not None else None


def incidents_between(engine: Engine, start: dt.date, end: dt.date) -> int:
    """Incidents from local day `start` to `end` inclusive (the months prune by partition)."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM incidents WHERE occurred_at >= CAST(:a AS timestamptz) "
                    "AND occurred_at < CAST(:b AS timestamptz)"
                ),
                {"a": local_midnight(start), "b": local_midnight(end + dt.timedelta(days=1))},
            ).scalar()
        )

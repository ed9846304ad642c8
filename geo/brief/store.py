"""What the meeting brief shows, read from PostGIS."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, text

from geo.basemap import store as basemaps
from geo.brief.data import BriefData, stored_gaps
from geo.config import settings
from geo.errors import InputError
from geo.grids.store import read_units
from geo.localtime import sql_local
from geo.views.hotareas import top_areas
from geo.views.kpis import COVERAGE_KINDS, overview_kpis, period_layer

PERIOD_DAYS = {"week": 7, "month": 30}
#: rows per table on the page
TOP_N = 5
GAPS_N = 2
#: the stored run the coverage gaps are read from (`civicgrid coverage facilities`)
GAPS_RUN_KIND = "coverage-facilities"
OUT_OF_BAND_N = 6

_PERIOD = (
    f"i.occurred_at >= {sql_local('CAST(:a AS timestamp)')} "
    f"AND i.occurred_at < {sql_local('CAST(:b AS timestamp)')}"
)
_TOP_UNITS_SQL = text(f"""
    SELECT u.name, count(*) AS incidents FROM incidents i
    JOIN admin_units u ON u.level = :level AND ST_Intersects(u.geom, i.geom)
    WHERE {_PERIOD}
    GROUP BY u.code, u.name ORDER BY incidents DESC, u.name LIMIT :n
""")
_TOP_GRIDS_SQL = text(f"""
    SELECT g.name || '（' || g.grid_code || '）' AS name, count(*) AS incidents FROM incidents i
    JOIN grids g ON ST_Intersects(g.geom, i.geom)
    JOIN grid_versions v ON v.id = g.version_id AND v.status = 'active'
    WHERE {_PERIOD}
    GROUP BY g.grid_code, g.name ORDER BY incidents DESC, name LIMIT :n
""")
_OUT_OF_BAND_SQL = text("""
    SELECT g.grid_code, g.name, g.households FROM grids g
    JOIN grid_versions v ON v.id = g.version_id AND v.status = 'active'
    WHERE g.households < :lo OR g.households > :hi
    ORDER BY greatest(:lo - g.households, g.households - :hi) DESC, g.grid_code LIMIT :n
""")
_BATCHES_SQL = text(f"""
    SELECT b.id, b.file_name, b.loaded, b.finished_at FROM load_batches b
    WHERE b.kind = 'incidents' AND b.finished_at IS NOT NULL
      AND EXISTS (SELECT 1 FROM incidents i WHERE i.batch_id = b.id AND {_PERIOD})
    ORDER BY b.id
""")


_GAPS_RUN_SQL = text(
    "SELECT id, params, created_at FROM analysis_results WHERE kind = :kind "
    "ORDER BY id DESC LIMIT 1"
)
_GAPS_ROWS_SQL = text(
    "SELECT properties FROM analysis_features "
    "WHERE result_id = :run AND properties->>'part' = 'blind_spot'"
)


def stored_run(engine: Engine):
    """The latest stored coverage run (id, params, created_at) and its blind-spot rows
    (`kind, rank, district, town, incidents`, …); (None, None) when none is stored. Read
    here, not through geo.coverage, whose solvers cost seconds to import."""
    with engine.connect() as conn:
        run = conn.execute(_GAPS_RUN_SQL, {"kind": GAPS_RUN_KIND}).first()
        if run is None:
            return None, None
        rows = pd.DataFrame([r[0] for r in conn.execute(_GAPS_ROWS_SQL, {"run": run.id})])
    return run, rows


def gather(engine: Engine, period: str) -> BriefData:
    """Read the brief of the latest week or month (ending on the last day with incidents)."""
    if period not in PERIOD_DAYS:
        raise InputError(f"unknown period {period!r}; use week or month")
    days = PERIOD_DAYS[period]
    layer = period_layer(engine, days)
    k = overview_kpis(engine, days, layer)
    if k.period_start is None:
        raise InputError("no incidents loaded: load incidents before making a brief")
    start, end = k.period_start, k.period_end
    span = {"a": start, "b": end + dt.timedelta(days=1)}
    lo, hi = settings().households_band
    with engine.connect() as conn:
        top = {
            level: pd.DataFrame(
                conn.execute(_TOP_UNITS_SQL, {**span, "level": level, "n": TOP_N}).all(),
                columns=["name", "incidents"],
            )
            for level in ("district", "town", "community")
        }
        top["grid"] = pd.DataFrame(
            conn.execute(_TOP_GRIDS_SQL, {**span, "n": TOP_N}).all(), columns=["name", "incidents"]
        )
        band = pd.DataFrame(
            conn.execute(_OUT_OF_BAND_SQL, {"lo": lo, "hi": hi, "n": OUT_OF_BAND_N}).all(),
            columns=["grid_code", "name", "households"],
        )
        batches = pd.DataFrame(
            conn.execute(_BATCHES_SQL, span).all(),
            columns=["id", "file_name", "loaded", "finished_at"],
        )
    units = read_units(engine, ("district", "town"))
    names = dict(zip(units["code"], units["name"], strict=True))
    run, rows = stored_run(engine)
    spots = stored_gaps(rows, COVERAGE_KINDS, GAPS_N)
    gaps = {}
    for kind in COVERAGE_KINDS:
        cells = spots[kind].copy()
        cells["district"], cells["town"] = cells["district"].map(names), cells["town"].map(names)
        gaps[kind] = (k.coverage.get(kind), cells)
    gaps_run = (
        None
        if run is None
        else {
            "id": run.id,
            "created_at": run.created_at,
            "res": run.params.get("res"),
            "kinds": run.params.get("kinds") or [],
        }
    )
    hot = (
        layer.frame[layer.frame["bin"] != 0][["cell", "bin", "count"]]
        if layer is not None
        else pd.DataFrame(columns=["cell", "bin", "count"])
    )
    hottest = hot[hot["bin"] > 0]
    areas = top_areas(
        engine, hottest["cell"].to_numpy(), hottest["count"].to_numpy(), level="community"
    )
    base = basemaps.shapes(engine.url.database, tuple(units.total_bounds))
    return BriefData(
        period=period,
        start=start,
        end=end,
        prev_start=start - dt.timedelta(days=days),
        prev_end=start - dt.timedelta(days=1),
        kpis=k,
        hot=hot.reset_index(drop=True),
        units=units,
        top=top,
        out_of_band=band,
        band=(lo, hi),
        gaps=gaps,
        gaps_run=gaps_run,
        last_incident=end,
        batches=batches,
        hot_areas=areas,
        basemap=base,
    )

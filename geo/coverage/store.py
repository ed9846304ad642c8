"""Coverage's I/O: read layers from PostGIS, store results, write CSV.

This module reads and writes only; what is covered, where to site and what is overdue
is decided by the pure cores (`analysis`, `facilities`, `blind_spots`, `mclp`,
`inspections`). The few entry points below (`facility_coverage`, `blind_spots`,
`new_sites`, `inspection_coverage`, `overdue`) read, pass the settings in, and call a
core. Layers come back as GeoDataFrames in WGS-84; incidents per cell come from the
counts (`geo.counts`), not from the points.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from geo.config import settings
from geo.counts.store import cell_counts
from geo.coverage import analysis
from geo.coverage import inspections as inspections_core
from geo.coverage.analysis import WGS84, CoverageInputs, check_kinds
from geo.coverage.cells import study_cells
from geo.coverage.mclp import TIME_BUDGET_S
from geo.db.points import read_incidents, read_points
from geo.errors import InputError
from geo.grids import store as grid_store
from geo.grids import versions
from geo.localtime import TZ, sql_local

#: what coverage reads of each incident point besides its place: its time (the grids'
#: workload window); the cells' counts come from `geo.counts`
INCIDENT_COLUMNS = ("occurred_at",)

#: how a report's "as of" date is chosen when none is given (printed with the date)
AS_OF_RULE = "latest date in the data (UTC+8): the latest incident or inspection / 数据最新日期"


def data_as_of(engine: Engine) -> dt.date | None:
    """The data's latest date, the one default "as of" of every report (None when empty).

    The later of the latest incident's local date (fixed UTC+8) and the latest
    inspection date of rentals and hazards. Never today: on an archive or a demo
    data set, today would make every inspection overdue and empty every window.
    """
    with engine.connect() as conn:
        latest = conn.execute(
            text(f"""
            SELECT greatest(
                (SELECT {sql_local("max(occurred_at)")}::date FROM incidents),
                (SELECT max(last_inspected_at) FROM rentals),
                (SELECT max(last_inspected_at) FROM hazards))""")
        ).scalar()
    return latest


def end_of_day(day: dt.date) -> pd.Timestamp:
    """The end of `day` in UTC+8 (as a UTC timestamp): a window "as of" a date includes it."""
    return pd.Timestamp(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), TZ)).tz_convert(
        "UTC"
    )


def read_facilities(engine: Engine, kinds: Sequence[str] | None = None) -> gpd.GeoDataFrame:
    """Facilities, optionally only of the given kinds."""
    if kinds is None:
        return read_points(engine, "facilities")
    return read_points(engine, "facilities", "kind = ANY(:kinds)", {"kinds": list(kinds)})


def read_units(engine: Engine, levels: Sequence[str] = ("district", "town")) -> gpd.GeoDataFrame:
    """Admin units of the given levels (WGS-84): code, name, level, parent_code, …"""
    return grid_store.read_units(engine, tuple(levels))


def version_name(engine: Engine, version: str | None) -> str:
    """`version` checked to exist, or the version in force; InputError when there is none."""
    if version is not None:
        return versions.get(engine, version).name
    current = versions.in_force(engine)
    if current is None:
        raise InputError("no grid version is in force; name one with --version", field="version")
    return current.name


def read_grids(engine: Engine, version: str | None = None) -> gpd.GeoDataFrame:
    """The grids of `version` (default: the version in force); attrs['version'] names it."""
    name = version_name(engine, version)
    grids = grid_store.read_grids(engine, name)
    grids.attrs["version"] = name
    return grids


# ---------------------------------------------------------------- entry points


def read_inputs(
    engine: Engine, kinds: Sequence[str] | None = None, res: int = 9, points: bool = True
) -> CoverageInputs:
    """Admin units, study-area cells at `res`, demand layers and facilities of `kinds`,
    and the incidents per cell at `res` from the counts (`geo.counts.store`: the kept
    month counts and the incidents of the months not kept — the numbers every page
    shows). The incident points are read only with `points` (shares, siting)."""
    kinds = check_kinds(kinds)
    units = read_units(engine)
    incidents = read_incidents(engine, columns=INCIDENT_COLUMNS) if points else None
    return CoverageInputs(
        units,
        study_cells(units, res),
        incidents,
        read_points(engine, "rentals"),
        read_points(engine, "hazards"),
        read_facilities(engine, kinds),
        cell_counts(engine, res),
        res,
    )


def radii(radius: float | Mapping[str, float] | None = None) -> dict[str, float]:
    """Service radius per kind: the settings', overridden by `radius`."""
    return analysis.radii(settings().service_radius_m, radius)


def facility_coverage(
    engine: Engine,
    kinds: Sequence[str] | None = None,
    radius: float | Mapping[str, float] | None = None,
    res: int = 9,
) -> dict[str, pd.DataFrame]:
    """Covered shares of incidents, rentals, hazards and study-area cells per facility kind.

    Returns {"shares": city/district/town rows (facilities.SHARE_COLUMNS),
    "facilities": count and radius per kind}. Straight-line distance in EPSG:4549.
    """
    kinds = check_kinds(kinds)
    return analysis.shares(read_inputs(engine, kinds, res), kinds, radii(radius))


def blind_spots(
    engine: Engine,
    res: int = 9,
    top: int | None = 100,
    kinds: Sequence[str] | None = None,
    radius: float | Mapping[str, float] | None = None,
) -> gpd.GeoDataFrame:
    """Study-area H3 cells covered by no facility of `kinds` (default all), most incidents first.

    Columns: rank, cell, district, town, lon, lat, incidents; geometry: the hexagon (WGS-84).
    """
    kinds = check_kinds(kinds)
    return analysis.uncovered(
        read_inputs(engine, kinds, res, points=False), kinds, radii(radius), top
    )


def new_sites(
    engine: Engine,
    kind: str,
    n: int,
    res: int = 9,
    method: str = "auto",
    radius: float | None = None,
    time_budget: float = TIME_BUDGET_S,
) -> gpd.GeoDataFrame:
    """`analysis.siting()` read from PostGIS: N new sites of `kind` among study-cell centres."""
    [kind] = check_kinds([kind])
    r = radii({kind: radius} if radius is not None else None)[kind]
    return analysis.siting(read_inputs(engine, [kind], res), kind, n, r, method, time_budget)


def _inspection_inputs(engine: Engine, version: str | None):
    items = {"rentals": read_points(engine, "rentals"), "hazards": read_points(engine, "hazards")}
    try:
        grids = read_grids(engine, version)
    except InputError:
        if version is not None:
            raise
        grids = None  # no grid version in force: towns and the city only
    return items, grids, read_units(engine, ("town",))


def inspection_coverage(
    engine: Engine, days: int = 180, version: str | None = None, as_of: dt.date | None = None
) -> pd.DataFrame:
    """Share of rentals and hazards inspected within `days` days, per city, grid and town.

    `as_of` defaults to `data_as_of()`; attrs['as_of'] holds the date used.
    """
    items, grids, towns = _inspection_inputs(engine, version)
    day = as_of or data_as_of(engine)
    table = inspections_core.inspection_shares(items, days, day, grids, towns)
    table.attrs["as_of"] = day
    return table


def overdue(
    engine: Engine, days: int = 180, version: str | None = None, as_of: dt.date | None = None
) -> pd.DataFrame:
    """Rentals and hazards not inspected within `days` days, highest risk and longest first.

    `as_of` defaults to `data_as_of()`; attrs['as_of'] holds the date used.
    """
    items, grids, towns = _inspection_inputs(engine, version)
    day = as_of or data_as_of(engine)
    table = inspections_core.overdue(items, days, day, grids, towns)
    table.attrs["as_of"] = day
    return table


# ---------------------------------------------------------------- writing


def plain(obj: Any) -> Any:
    """`obj` with NaN/inf as None and numpy scalars as Python ones (JSON has no NaN)."""
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj


def _iso(value: Any) -> Any:
    """Dates and times as ISO text (JSON has none)."""
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def save(
    engine: Engine,
    kind: str,
    params: dict[str, Any],
    summary: dict[str, Any],
    features: pd.DataFrame | None = None,
) -> int:
    """Store one run in analysis_results and its rows in analysis_features; the result id.

    A plain DataFrame is stored without geometry; a GeoDataFrame with its shapes.
    Missing values (NaN) become JSON null.
    """
    if features is not None:
        geometry = (
            features.geometry.to_numpy()
            if isinstance(features, gpd.GeoDataFrame)
            else [None] * len(features)
        )
        table = pd.DataFrame(features).drop(
            columns=getattr(features, "_geometry_column_name", None)
            if isinstance(features, gpd.GeoDataFrame)
            else []
        )
        table = table.map(_iso).astype(object)
        table = table.where(table.notna(), None)
        features = gpd.GeoDataFrame(
            table, geometry=gpd.GeoSeries(geometry, crs=WGS84, index=table.index), crs=WGS84
        )
    return grid_store.save_result(engine, kind, plain(params), plain(summary), features)


def latest_result(engine: Engine, kind: str) -> gpd.GeoDataFrame | None:
    """Rows of the newest stored run of `kind` (e.g. "coverage-facilities"), None when none.

    Properties become columns, shapes the geometry (WGS-84); attrs hold result_id,
    params, summary and created_at. Lets a page show the last run without recomputing.
    """
    with engine.connect() as conn:
        head = conn.execute(
            text(
                "SELECT id, params, summary, created_at FROM analysis_results "
                "WHERE kind = :k ORDER BY id DESC LIMIT 1"
            ),
            {"k": kind},
        ).first()
        if head is None:
            return None
        rows = conn.execute(
            text(
                "SELECT properties, ST_AsBinary(geom) FROM analysis_features "
                "WHERE result_id = :r ORDER BY id"
            ),
            {"r": head.id},
        ).all()
    table = pd.DataFrame([r[0] for r in rows])
    shapes = gpd.GeoSeries.from_wkb(
        [None if r[1] is None else bytes(r[1]) for r in rows], crs=WGS84
    )
    result = gpd.GeoDataFrame(table, geometry=shapes, crs=WGS84)
    result.attrs.update(
        result_id=head.id, params=head.params, summary=head.summary, created_at=head.created_at
    )
    return result


def write_csv(frame: pd.DataFrame, out_dir: Path, name: str) -> Path:
    """`frame` without shapes as `out_dir/name.csv` (UTF-8 with BOM, so Excel reads Chinese)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.csv"
    table = (
        frame.drop(columns=frame.geometry.name) if isinstance(frame, gpd.GeoDataFrame) else frame
    )
    table.to_csv(path, index=False, encoding="utf-8-sig")
    return path

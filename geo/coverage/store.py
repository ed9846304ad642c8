"""Coverage against PostGIS: read layers, run the pure cores, store and export results.

The CLI and the dashboard call these with an engine and a few plain options; every
spatial computation happens in the pure modules (`facilities`, `blind_spots`, `mclp`,
`inspections`, `geo.grids.workload`). Layers come back as GeoDataFrames in WGS-84.
Distances are straight lines in the metric CRS (EPSG:4549), not along streets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from geo.config import settings
from geo.coverage import blind_spots as blind_spots_core
from geo.coverage import facilities as facilities_core
from geo.coverage import inspections as inspections_core
from geo.coverage.cells import area_cells, candidate_res, centres, incidents_per_cell, study_cells
from geo.coverage.mclp import mclp
from geo.db.arrow import read_frame
from geo.errors import InputError
from geo.grids import store as grid_store
from geo.grids import versions
from geo.hexes import boundaries, cells

WGS84 = "EPSG:4326"
FACILITY_KINDS = ("police_station", "shelter", "mediation_room", "camera")
#: extra columns read per point layer (besides id, source_key and the point)
POINT_COLUMNS = {
    "incidents": ("occurred_at", "category"),
    "rentals": ("address", "rooms", "tenants", "last_inspected_at"),
    "hazards": ("name", "category", "risk_level", "address", "last_inspected_at"),
    "facilities": ("name", "kind", "address"),
}


# ---------------------------------------------------------------- reading

def read_points(engine: Engine, table: str, where: str = "", params: Mapping[str, Any] | None = None
                ) -> gpd.GeoDataFrame:
    """Rows of a point layer (incidents, rentals, hazards, facilities) as WGS-84 points.

    Coordinates are read as numbers (ST_X/ST_Y) and turned into points in one
    vectorised call: cheaper than parsing a million WKB values. Rows come through
    Arrow (geo.db.arrow): the city's million incidents in 0.9 s instead of 7.8 s.
    """
    if table not in POINT_COLUMNS:
        raise ValueError(f"not a point layer: {table}")
    columns = ", ".join(("id", "source_key", *POINT_COLUMNS[table]))
    sql = f"SELECT {columns}, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM {table}"
    sql += f" WHERE {where}" if where else ""
    frame = read_frame(engine, sql + " ORDER BY id", params)
    points = gpd.points_from_xy(frame.pop("lon"), frame.pop("lat"), crs=WGS84)
    return gpd.GeoDataFrame(frame, geometry=points, crs=WGS84)


def read_incidents(engine: Engine, since: dt.datetime | pd.Timestamp | None = None,
                   until: dt.datetime | pd.Timestamp | None = None) -> gpd.GeoDataFrame:
    """Incidents with `occurred_at` in (since, until] (open ends when None)."""
    clauses, params = [], {}
    if since is not None:
        clauses.append("occurred_at > :since")
        params["since"] = pd.Timestamp(since).to_pydatetime()
    if until is not None:
        clauses.append("occurred_at <= :until")
        params["until"] = pd.Timestamp(until).to_pydatetime()
    frame = read_points(engine, "incidents", " AND ".join(clauses), params)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame


def latest_incident(engine: Engine) -> pd.Timestamp | None:
    """When the latest incident occurred (None without incidents)."""
    with engine.connect() as conn:
        latest = conn.execute(text("SELECT max(occurred_at) FROM incidents")).scalar()
    return None if latest is None else pd.Timestamp(latest)


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


def _radii(radius: float | Mapping[str, float] | None) -> dict[str, float]:
    radii = dict(settings().service_radius_m)
    if isinstance(radius, Mapping):
        radii.update({k: float(v) for k, v in radius.items()})
    elif radius is not None:
        radii = dict.fromkeys(radii, float(radius))
    return radii


def _kinds(kinds: Sequence[str] | None) -> list[str]:
    kinds = list(kinds) if kinds else list(FACILITY_KINDS)
    unknown = sorted(set(kinds) - set(FACILITY_KINDS))
    if unknown:
        raise InputError(f"unknown facility kind {', '.join(unknown)} (known: {', '.join(FACILITY_KINDS)})",
                         field="kind")
    return kinds


# ---------------------------------------------------------------- entry points

@dataclass
class CoverageInputs:
    """The layers a facility-coverage run needs, read once."""

    units: gpd.GeoDataFrame
    study: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    rentals: gpd.GeoDataFrame
    hazards: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    res: int

    @cached_property
    def counts(self) -> pd.Series:
        """Incidents per study-resolution cell."""
        return incidents_per_cell(self.incidents, self.res)

    def sites(self, kind: str) -> gpd.GeoSeries:
        return self.facilities.geometry[(self.facilities["kind"] == kind).to_numpy()]


def read_inputs(engine: Engine, kinds: Sequence[str] | None = None, res: int = 9) -> CoverageInputs:
    """Admin units, study-area cells at `res`, demand layers and facilities of `kinds`."""
    units = read_units(engine)
    return CoverageInputs(units, study_cells(units, res), read_incidents(engine),
                          read_points(engine, "rentals"), read_points(engine, "hazards"),
                          read_facilities(engine, _kinds(kinds)), res)


def shares(data: CoverageInputs, kinds: Sequence[str] | None = None,
           radius: float | Mapping[str, float] | None = None) -> dict[str, pd.DataFrame]:
    """Covered shares per kind, layer and unit, and the facility count and radius per kind."""
    kinds, radii = _kinds(kinds), _radii(radius)
    demand = {"incidents": data.incidents, "rentals": data.rentals, "hazards": data.hazards,
              "cells": data.study}
    table, _ = facilities_core.coverage_shares(demand, data.facilities, radii, data.units, kinds)
    counts = data.facilities["kind"].value_counts()
    summary = pd.DataFrame({"kind": kinds, "radius_m": [radii[k] for k in kinds],
                            "facilities": [int(counts.get(k, 0)) for k in kinds]})
    return {"shares": table, "facilities": summary}


def _covered_cells(data: CoverageInputs, kinds: list[str], radii: dict[str, float]) -> np.ndarray:
    covered = np.zeros(len(data.study), dtype=bool)
    for kind in kinds:
        covered |= facilities_core.covered(data.study.geometry, data.sites(kind), radii[kind])
    return covered


def uncovered(data: CoverageInputs, kinds: Sequence[str] | None = None, top: int | None = 100,
              radius: float | Mapping[str, float] | None = None) -> gpd.GeoDataFrame:
    """Blind spots of `data`: cells covered by none of `kinds`, most incidents first."""
    kinds, radii = _kinds(kinds), _radii(radius)
    study = data.study
    frame = pd.DataFrame(study.drop(columns="geometry"))
    frame["lon"], frame["lat"] = study.geometry.x.to_numpy(), study.geometry.y.to_numpy()
    table = blind_spots_core.blind_spots(frame, _covered_cells(data, kinds, radii), data.counts, top)
    hexes = boundaries(table["cell"].to_numpy().astype(np.uint64))
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(hexes, crs=WGS84), crs=WGS84)


def siting(data: CoverageInputs, kind: str, n: int, method: str = "auto",
           radius: float | None = None) -> gpd.GeoDataFrame:
    """N new sites of `kind` among study-area H3 cell centres, maximising incidents newly covered.

    Demand: the incidents no facility of this kind covers yet, grouped by H3 cell at the
    study resolution and placed at their mean position (weight: their number).
    Candidates: cell centres at `candidate_res()` (fine enough that every demand point
    has a candidate within 0.6 × radius). Returns one row per site (order, kind, cell,
    res, gain, lon, lat, point geometry); attrs
    hold method, radius_m, covered, uncovered_before, share, upper_bound and guarantee.
    """
    [kind] = _kinds([kind])
    r = _radii({kind: radius} if radius is not None else None)[kind]
    incidents = data.incidents.geometry
    open_ = incidents[~facilities_core.covered(incidents, data.sites(kind), r)]
    lon, lat = open_.x.to_numpy(), open_.y.to_numpy()
    demand = (pd.DataFrame({"cell": cells(lon, lat, data.res), "lon": lon, "lat": lat})
              .groupby("cell").agg(weight=("lon", "size"), lon=("lon", "mean"), lat=("lat", "mean")))
    level = candidate_res(data.res, r)
    ids = data.study["cell"].to_numpy().astype(np.uint64) if level == data.res else area_cells(data.units, level)
    sites = centres(ids)
    result = mclp(gpd.GeoSeries(gpd.points_from_xy(demand["lon"], demand["lat"]), crs=WGS84),
                  demand["weight"].to_numpy(dtype=float), sites, r, n, method=method)
    chosen = sites.iloc[result.chosen]
    out = gpd.GeoDataFrame({"order": np.arange(1, len(chosen) + 1), "kind": kind,
                            "cell": ids[result.chosen].astype(np.int64), "res": level,
                            "gain": result.gains,
                            "lon": chosen.x.to_numpy(), "lat": chosen.y.to_numpy()},
                           geometry=chosen.to_numpy(), crs=WGS84)
    out.attrs.update(method=result.method, radius_m=r, covered=result.covered_weight,
                     uncovered_before=result.total_weight, share=result.share,
                     upper_bound=result.upper_bound, guarantee=result.guarantee)
    return out


def facility_coverage(engine: Engine, kinds: Sequence[str] | None = None,
                      radius: float | Mapping[str, float] | None = None, res: int = 9
                      ) -> dict[str, pd.DataFrame]:
    """Covered shares of incidents, rentals, hazards and study-area cells per facility kind.

    Returns {"shares": city/district/town rows (facilities.SHARE_COLUMNS),
    "facilities": count and radius per kind}. Straight-line distance in EPSG:4549.
    """
    return shares(read_inputs(engine, kinds, res), kinds, radius)


def blind_spots(engine: Engine, res: int = 9, top: int | None = 100,
                kinds: Sequence[str] | None = None,
                radius: float | Mapping[str, float] | None = None) -> gpd.GeoDataFrame:
    """Study-area H3 cells covered by no facility of `kinds` (default all), most incidents first.

    Columns: rank, cell, district, town, lon, lat, incidents; geometry: the hexagon (WGS-84).
    """
    return uncovered(read_inputs(engine, kinds, res), kinds, top, radius)


def new_sites(engine: Engine, kind: str, n: int, res: int = 9, method: str = "auto",
              radius: float | None = None) -> gpd.GeoDataFrame:
    """`siting()` read from PostGIS: N new sites of `kind` among study-cell centres."""
    return siting(read_inputs(engine, [kind], res), kind, n, method, radius)


def _inspection_inputs(engine: Engine, version: str | None):
    items = {"rentals": read_points(engine, "rentals"), "hazards": read_points(engine, "hazards")}
    try:
        grids = read_grids(engine, version)
    except InputError:
        if version is not None:
            raise
        grids = None  # no grid version in force: towns and the city only
    return items, grids, read_units(engine, ("town",))


def inspection_coverage(engine: Engine, days: int = 180, version: str | None = None,
                        as_of: dt.date | None = None) -> pd.DataFrame:
    """Share of rentals and hazards inspected within `days` days, per city, grid and town."""
    items, grids, towns = _inspection_inputs(engine, version)
    return inspections_core.inspection_shares(items, days, as_of, grids, towns)


def overdue(engine: Engine, days: int = 180, version: str | None = None,
            as_of: dt.date | None = None) -> pd.DataFrame:
    """Rentals and hazards not inspected within `days` days, highest risk and longest first."""
    items, grids, towns = _inspection_inputs(engine, version)
    return inspections_core.overdue(items, days, as_of, grids, towns)


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


def save(engine: Engine, kind: str, params: dict[str, Any], summary: dict[str, Any],
         features: pd.DataFrame | None = None) -> int:
    """Store one run in analysis_results and its rows in analysis_features; the result id.

    A plain DataFrame is stored without geometry; a GeoDataFrame with its shapes.
    Missing values (NaN) become JSON null.
    """
    if features is not None:
        geometry = (features.geometry.to_numpy() if isinstance(features, gpd.GeoDataFrame)
                    else [None] * len(features))
        table = pd.DataFrame(features).drop(columns=getattr(features, "_geometry_column_name", None)
                                            if isinstance(features, gpd.GeoDataFrame) else [])
        table = table.map(_iso).astype(object)
        table = table.where(table.notna(), None)
        features = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geometry, crs=WGS84,
                                                                  index=table.index), crs=WGS84)
    return grid_store.save_result(engine, kind, plain(params), plain(summary), features)


def latest_result(engine: Engine, kind: str) -> gpd.GeoDataFrame | None:
    """Rows of the newest stored run of `kind` (e.g. "coverage-facilities"), None when none.

    Properties become columns, shapes the geometry (WGS-84); attrs hold result_id,
    params, summary and created_at. Lets a page show the last run without recomputing.
    """
    with engine.connect() as conn:
        head = conn.execute(text("SELECT id, params, summary, created_at FROM analysis_results "
                                 "WHERE kind = :k ORDER BY id DESC LIMIT 1"), {"k": kind}).first()
        if head is None:
            return None
        rows = conn.execute(text("SELECT properties, ST_AsBinary(geom) FROM analysis_features "
                                 "WHERE result_id = :r ORDER BY id"), {"r": head.id}).all()
    table = pd.DataFrame([r[0] for r in rows])
    shapes = gpd.GeoSeries.from_wkb([None if r[1] is None else bytes(r[1]) for r in rows], crs=WGS84)
    result = gpd.GeoDataFrame(table, geometry=shapes, crs=WGS84)
    result.attrs.update(result_id=head.id, params=head.params, summary=head.summary,
                        created_at=head.created_at)
    return result


def write_csv(frame: pd.DataFrame, out_dir: Path, name: str) -> Path:
    """`frame` without shapes as `out_dir/name.csv` (UTF-8 with BOM, so Excel reads Chinese)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.csv"
    table = frame.drop(columns=frame.geometry.name) if isinstance(frame, gpd.GeoDataFrame) else frame
    table.to_csv(path, index=False, encoding="utf-8-sig")
    return path

"""Workload per grid: hours a month from the service-item list, explained item by item.

The one workload every command and page shows or checks (grids check/diff/propose,
coverage workload, the Grids page, the editor's balance): each item of the list in use
(网格服务管理事项清单, `geo.items`) costs count × times a year × minutes ÷ 60 ÷ 12 hours a
month, where the count is what the grid holds of the item's layer. There is no other
formula: without a list in PostGIS the default list `data/service_items.csv` is used
(`geo.items.store.in_use`). The flags compare each grid with the household band of the
settings (300–500 per urban grid by default) and with a band in hours (configured
bounds, or mean ± k·sd over the grids given).

`workload()` is pure (GeoDataFrames in, DataFrame out); `geo.grids.workflow.grid_workload`
reads a version, the list in use and the point layers from PostGIS and calls it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import Settings
from geo.items.workload import grids_of, hour_flags, item_workload, points_per_grid

GRID_COLUMNS = ("grid_code", "name", "community_code", "town_code", "district_code")
#: point layers an item list counts (geo.items.catalogue.LAYERS), in the table as counts
POINT_LAYERS = {
    "rental_units": "rentals",
    "hazards": "hazards",
    "key_sites": "key_sites",
    "incidents": "incidents",
}
#: incidents count when they occurred in (as_of − window, as_of]
INCIDENT_WINDOW = pd.Timedelta(days=365)

Layers = Mapping[str, gpd.GeoDataFrame | None]


def as_of_timestamp(
    as_of: dt.date | dt.datetime | pd.Timestamp | None, incidents: gpd.GeoDataFrame | None = None
) -> pd.Timestamp:
    """`as_of` as a UTC timestamp; by default the latest incident (the data's own date), else now."""
    if as_of is None:
        latest = (
            pd.to_datetime(incidents["occurred_at"], utc=True).max()
            if incidents is not None and len(incidents)
            else None
        )
        return latest if latest is not None and not pd.isna(latest) else pd.Timestamp.now(tz="UTC")
    ts = pd.Timestamp(as_of)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts


def recent(incidents: gpd.GeoDataFrame | None, end: pd.Timestamp) -> gpd.GeoDataFrame | None:
    """The incidents of the window ending at `end`."""
    if incidents is None or not len(incidents):
        return incidents
    when = pd.to_datetime(incidents["occurred_at"], utc=True)
    return incidents[((when > end - INCIDENT_WINDOW) & (when <= end)).to_numpy()]


def _band_flags(
    values: pd.Series, low: float, high: float, names: tuple[str, str, str]
) -> pd.Series:
    flags = np.where(values < low, names[0], np.where(values > high, names[2], names[1]))
    return pd.Series(flags, index=values.index).where(values.notna(), "unknown")


def workload(
    grids: gpd.GeoDataFrame,
    items: pd.DataFrame,
    layers: Layers | None = None,
    *,
    as_of: dt.date | dt.datetime | pd.Timestamp | None = None,
    households_band: tuple[float, float] | None = None,
    workload_band: tuple[float, float] | None = None,
    band_sd: float = 1.5,
    per_grid: bool = True,
) -> pd.DataFrame:
    """One row per grid (same order as `grids`) with what it holds, its hours and flags.

    grids: polygons with `grid_code`, `households`, `population` (missing counts as 0 in
    the hours, and the household flag is then `unknown`); items: the list
    (geo.items.catalogue.ITEM_COLUMNS); layers: 'incidents' (`occurred_at`, `category`),
    'rentals', 'hazards' (`risk_level`), 'key_sites' (`kind`) as points, a missing layer
    counting zero. A point is counted in the first grid that holds it. Incidents count in
    the 12 months ending at `as_of` (default: the latest incident given, so old data still
    shows its last 12 months). `households_band` defaults to the settings'; `workload_band`
    (hours a month) to mean ± band_sd · sd over these grids. `per_grid=False` for pieces
    of grids (see geo.items.workload.item_workload).

    Columns: the grid's code/name/unit columns present, households, population,
    rental_units, hazards, key_sites, incidents (counts), workload (hours a month),
    workload_ratio (over the mean), by_item (the items that cost this grid time, most
    first: code, name, count, hours), households_flag (below/in_band/above/unknown),
    workload_flag (low/in_band/high), flagged. `attrs`: the bands and as_of used.
    """
    layers = dict(layers or {})
    end = as_of_timestamp(as_of, layers.get("incidents"))
    layers["incidents"] = recent(layers.get("incidents"), end)
    out = pd.DataFrame({c: grids[c].to_numpy() for c in GRID_COLUMNS if c in grids.columns})
    for column in ("households", "population"):
        out[column] = (
            pd.to_numeric(grids[column], errors="coerce").to_numpy(float)
            if column in grids
            else np.full(len(grids), np.nan)
        )
    grids = grids.reset_index(drop=True)
    where = grids_of(grids, layers)  # each layer's points placed once, for every count
    for column, layer in POINT_LAYERS.items():
        out[column] = points_per_grid(len(grids), where.get(layer))

    hours, parts = item_workload(grids, items, layers, per_grid=per_grid, where=where)
    out["workload"] = hours["hours"].to_numpy()
    mean = float(out["workload"].mean()) if len(out) else 0.0
    out["workload_ratio"] = out["workload"] / mean if mean > 0 else np.nan
    out["by_item"] = _explained(parts, len(grids))

    hh_low, hh_high = households_band or Settings.households_band
    out["households_flag"] = _band_flags(
        out["households"], hh_low, hh_high, ("below", "in_band", "above")
    )
    flags, used = hour_flags(out["workload"], workload_band, band_sd)
    out["workload_flag"] = flags.to_numpy()
    out["flagged"] = out["households_flag"].isin(["below", "above"]) | (
        out["workload_flag"] != "in_band"
    )
    out.attrs.update(
        households_band=(float(hh_low), float(hh_high)),
        workload_band=used,
        as_of=end.isoformat(),
    )
    return out


def _explained(parts: pd.DataFrame, n: int) -> list[list[dict]]:
    """Per grid (in order), the items with hours > 0, most hours first."""
    out: list[list[dict]] = [[] for _ in range(n)]
    if not len(parts):
        return out
    position = np.tile(np.arange(n), len(parts) // n) if n else np.array([], dtype=int)
    used = parts.assign(pos=position)
    used = used[used["hours"] > 0].sort_values(
        ["pos", "hours"], ascending=[True, False], kind="stable"
    )
    for p in used.itertuples():
        out[p.pos].append(
            {
                "code": p.item_code,
                "name": p.item_name,
                "count": float(p.count),
                "hours": round(float(p.hours), 2),
            }
        )
    return out

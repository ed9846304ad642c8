"""Workload per grid: the duties a grid worker carries, as one configurable index.

The index is counted in *household equivalents*: each household weighs 1 by default and
every other duty (residents, rental housing units, hazard sources by risk level,
incidents of the last 12 months) is weighted by how many households' worth of work it
takes. Weights live in one dataclass so a district can tune them; the flags compare each
grid with the household band of the settings (300–500 per urban grid by default) and with
a workload band (configured bounds, or mean ± k·sd over the grids given).

`workload()` is pure (GeoDataFrames in, DataFrame out);
`geo.grids.store.read_workload()` reads one grid version and its point layers from
PostGIS and calls it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import Settings
from geo.zones import assign

GRID_COLUMNS = ("grid_code", "name", "community_code", "town_code", "district_code")


@dataclass(frozen=True)
class WorkloadWeights:
    """Household equivalents per unit of each duty (index = Σ weight × count)."""

    households: float = 1.0
    population: float = 0.1
    rental_units: float = 2.0
    #: per hazard source of risk level 1, 2, 3, 4 (4 = major hazard)
    hazard_risk: tuple[float, float, float, float] = (2.0, 5.0, 10.0, 20.0)
    incidents: float = 0.5
    #: incidents count when they occurred in (as_of − window, as_of]
    incident_window_days: int = 365

    def as_dict(self) -> dict:
        return asdict(self)


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


def _per_grid(
    grids: gpd.GeoDataFrame, points: gpd.GeoDataFrame | None, values: np.ndarray | None = None
) -> np.ndarray:
    """Sum of `values` (1 per point by default) over the points inside each grid."""
    if points is None or len(points) == 0:
        return np.zeros(len(grids))
    where = assign(points.geometry, grids.geometry)
    hit = where >= 0
    weights = np.ones(len(points)) if values is None else np.asarray(values, dtype=float)
    return np.bincount(where[hit], weights=weights[hit], minlength=len(grids))


def _band_flags(
    values: pd.Series, low: float, high: float, names: tuple[str, str, str]
) -> pd.Series:
    flags = np.where(values < low, names[0], np.where(values > high, names[2], names[1]))
    return pd.Series(flags, index=values.index).where(values.notna(), "unknown")


def workload(
    grids: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame | None,
    rentals: gpd.GeoDataFrame | None,
    hazards: gpd.GeoDataFrame | None,
    *,
    weights: WorkloadWeights = WorkloadWeights(),
    as_of: dt.date | dt.datetime | pd.Timestamp | None = None,
    households_band: tuple[float, float] | None = None,
    workload_band: tuple[float, float] | None = None,
    band_sd: float = 1.5,
) -> pd.DataFrame:
    """One row per grid (same order as `grids`) with its duties, index and flags.

    grids: polygons with `grid_code`, `households`, `population` (missing counts as 0 in
    the index, and the household flag is then `unknown`); incidents: points with
    `occurred_at`; rentals: points; hazards: points with `risk_level` 1–4. A point is
    counted in the first grid that holds it. `as_of` ends the incident window (default:
    the latest incident given, so old data still shows its last 12 months; now without
    incidents). `households_band` defaults to the settings' households_band; `workload_band`
    to mean ± band_sd · sd of the index over these grids.

    Columns: the grid's code/name/unit columns present, households, population,
    rental_units, hazards, hazard_weight, incidents, workload, workload_ratio (index over
    the mean), households_flag (below/in_band/above/unknown), workload_flag
    (low/in_band/high), flagged. `attrs` holds the bands, weights and as_of used.
    """
    end = as_of_timestamp(as_of, incidents)
    start = end - pd.Timedelta(days=weights.incident_window_days)
    out = pd.DataFrame({c: grids[c].to_numpy() for c in GRID_COLUMNS if c in grids.columns})
    households = (
        pd.to_numeric(grids.get("households"), errors="coerce") if "households" in grids else None
    )
    population = (
        pd.to_numeric(grids.get("population"), errors="coerce") if "population" in grids else None
    )
    out["households"] = (
        households.to_numpy() if households is not None else np.full(len(grids), np.nan)
    )
    out["population"] = (
        population.to_numpy() if population is not None else np.full(len(grids), np.nan)
    )
    out["rental_units"] = _per_grid(grids, rentals).astype(np.int64)

    if hazards is not None and len(hazards):
        risk = (
            pd.to_numeric(hazards["risk_level"], errors="coerce").fillna(1).clip(1, 4).astype(int)
        )
        risk_weight = np.asarray(weights.hazard_risk, dtype=float)[risk.to_numpy() - 1]
        out["hazards"] = _per_grid(grids, hazards).astype(np.int64)
        out["hazard_weight"] = _per_grid(grids, hazards, risk_weight)
    else:
        out["hazards"] = 0
        out["hazard_weight"] = 0.0

    if incidents is not None and len(incidents):
        when = pd.to_datetime(incidents["occurred_at"], utc=True)
        recent = incidents[((when > start) & (when <= end)).to_numpy()]
        out["incidents"] = _per_grid(grids, recent).astype(np.int64)
    else:
        out["incidents"] = 0

    out["workload"] = (
        weights.households * out["households"].fillna(0)
        + weights.population * out["population"].fillna(0)
        + weights.rental_units * out["rental_units"]
        + out["hazard_weight"]
        + weights.incidents * out["incidents"]
    )
    mean = float(out["workload"].mean()) if len(out) else 0.0
    out["workload_ratio"] = out["workload"] / mean if mean > 0 else np.nan

    hh_low, hh_high = households_band or Settings.households_band
    if workload_band is None:
        sd = float(out["workload"].std(ddof=0)) if len(out) else 0.0
        workload_band = (mean - band_sd * sd, mean + band_sd * sd)
    out["households_flag"] = _band_flags(
        out["households"], hh_low, hh_high, ("below", "in_band", "above")
    )
    out["workload_flag"] = _band_flags(out["workload"], *workload_band, ("low", "in_band", "high"))
    out["flagged"] = out["households_flag"].isin(["below", "above"]) | (
        out["workload_flag"] != "in_band"
    )
    out.attrs.update(
        households_band=(float(hh_low), float(hh_high)),
        workload_band=(float(workload_band[0]), float(workload_band[1])),
        weights=weights.as_dict(),
        as_of=end.isoformat(),
    )
    return out

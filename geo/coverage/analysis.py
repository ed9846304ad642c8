"""Facility-coverage runs over inputs read once: shares, blind spots and new-site siting.

Pure: the layers come in a `CoverageInputs` (read by `geo.coverage.store`), radii and the
solver's time budget as arguments; nothing here reads the database or the settings.
Distances are straight lines in the metric CRS, not street distances.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.coverage import blind_spots as blind_spots_core
from geo.coverage import facilities as facilities_core
from geo.coverage.cells import area_cells, candidate_res, centres
from geo.coverage.mclp import TIME_BUDGET_S, mclp
from geo.errors import InputError
from geo.hexes import boundaries

WGS84 = "EPSG:4326"
FACILITY_KINDS = ("police_station", "shelter", "mediation_room", "camera")
#: what a siting run reports besides its rows (attrs of `siting()`, the CLI's summary)
SITING_REPORT = (
    "method",
    "optimal",
    "optimality_gap",
    "time_budget_s",
    "radius_m",
    "covered",
    "uncovered_before",
    "share",
    "upper_bound",
    "guarantee",
)


def check_kinds(kinds: Sequence[str] | None) -> list[str]:
    """`kinds` (default all) checked against FACILITY_KINDS; InputError naming the unknown."""
    kinds = list(kinds) if kinds else list(FACILITY_KINDS)
    unknown = sorted(set(kinds) - set(FACILITY_KINDS))
    if unknown:
        raise InputError(
            f"unknown facility kind {', '.join(unknown)} (known: {', '.join(FACILITY_KINDS)})",
            field="kind",
        )
    return kinds


def radii(
    defaults: Mapping[str, float], radius: float | Mapping[str, float] | None
) -> dict[str, float]:
    """Service radius per kind: `defaults`, overridden by one radius or per-kind ones."""
    out = {k: float(v) for k, v in defaults.items()}
    if isinstance(radius, Mapping):
        out.update({k: float(v) for k, v in radius.items()})
    elif radius is not None:
        out = dict.fromkeys(out, float(radius))
    return out


@dataclass
class CoverageInputs:
    """The layers a facility-coverage run needs, read once (all WGS-84).

    `counts` are the incidents per study-resolution cell as `geo.counts` keeps them (the
    blind spots' weights: never recounted from the points); `incidents` are the points,
    needed only where distance to each incident matters (shares covered, siting) and
    None when a run did not read them.
    """

    units: gpd.GeoDataFrame
    study: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame | None
    rentals: gpd.GeoDataFrame
    hazards: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    counts: pd.Series
    res: int

    def points(self) -> gpd.GeoDataFrame:
        """The incident points; ValueError when these inputs were read without them."""
        if self.incidents is None:
            raise ValueError("these coverage inputs were read without the incident points")
        return self.incidents

    def sites(self, kind: str) -> gpd.GeoSeries:
        return self.facilities.geometry[(self.facilities["kind"] == kind).to_numpy()]


def shares(
    data: CoverageInputs, kinds: Sequence[str], radius_of: Mapping[str, float]
) -> dict[str, pd.DataFrame]:
    """Covered shares per kind, layer and unit, and the facility count and radius per kind."""
    demand = {
        "incidents": data.points(),
        "rentals": data.rentals,
        "hazards": data.hazards,
        "cells": data.study,
    }
    table, _ = facilities_core.coverage_shares(
        demand, data.facilities, radius_of, data.units, list(kinds)
    )
    counts = data.facilities["kind"].value_counts()
    summary = pd.DataFrame(
        {
            "kind": list(kinds),
            "radius_m": [radius_of[k] for k in kinds],
            "facilities": [int(counts.get(k, 0)) for k in kinds],
        }
    )
    return {"shares": table, "facilities": summary}


def uncovered(
    data: CoverageInputs,
    kinds: Sequence[str],
    radius_of: Mapping[str, float],
    top: int | None = 100,
) -> gpd.GeoDataFrame:
    """Blind spots: study cells covered by none of `kinds`, most incidents first (hexagons)."""
    study = data.study
    covered = np.zeros(len(study), dtype=bool)
    for kind in kinds:
        covered |= facilities_core.covered(study.geometry, data.sites(kind), radius_of[kind])
    frame = pd.DataFrame(study.drop(columns="geometry"))
    frame["lon"], frame["lat"] = study.geometry.x.to_numpy(), study.geometry.y.to_numpy()
    table = blind_spots_core.blind_spots(frame, covered, data.counts, top)
    hexes = boundaries(table["cell"].to_numpy().astype(np.uint64))
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(hexes, crs=WGS84), crs=WGS84)


def siting(
    data: CoverageInputs,
    kind: str,
    n: int,
    radius: float,
    method: str = "auto",
    time_budget: float = TIME_BUDGET_S,
) -> gpd.GeoDataFrame:
    """N new sites of `kind` among study-area H3 cell centres, maximising incidents newly covered.

    Demand: every incident no facility of this kind covers yet, as its own point (weight
    1; points reached by the same candidates are merged by the solver, exactly), so the
    covered counts reported are the incidents within `radius` of the chosen sites.
    Candidates: cell centres at `candidate_res()` (every point has one within 0.6 ×
    radius). Returns one row per site (order, kind, cell, res, gain, lon, lat, point);
    attrs hold SITING_REPORT (method, whether optimal, its optimality gap, …).
    """
    incidents = data.points().geometry
    open_ = incidents[~facilities_core.covered(incidents, data.sites(kind), radius)]
    level = candidate_res(data.res, radius)
    ids = (
        data.study["cell"].to_numpy().astype(np.uint64)
        if level == data.res
        else area_cells(data.units, level)
    )
    candidates = centres(ids)
    result = mclp(
        gpd.GeoSeries(open_.to_numpy(), crs=WGS84),
        np.ones(len(open_)),
        candidates,
        radius,
        n,
        method=method,
        time_budget=time_budget,
    )
    chosen = candidates.iloc[result.chosen]
    out = gpd.GeoDataFrame(
        {
            "order": np.arange(1, len(chosen) + 1),
            "kind": kind,
            "cell": ids[result.chosen].astype(np.int64),
            "res": level,
            "gain": result.gains,
            "lon": chosen.x.to_numpy(),
            "lat": chosen.y.to_numpy(),
        },
        geometry=chosen.to_numpy(),
        crs=WGS84,
    )
    out.attrs.update(
        method=result.method,
        optimal=result.optimal,
        optimality_gap=result.gap,
        time_budget_s=time_budget,
        radius_m=radius,
        covered=result.covered_weight,
        uncovered_before=result.total_weight,
        share=result.share,
        upper_bound=result.upper_bound,
        guarantee=result.guarantee,
    )
    return out

"""The grid editor's building blocks: H3 cells clipped to communities and to the grids.

A unit is one piece of (H3 cell ∩ community ∩ grid), so every unit lies in exactly one
grid of the version it was cut from and the union of a grid's units is the grid itself:
moving units between grids never opens a gap or an overlap. Community land that no grid
covers becomes units without a grid (the editor shows them as unassigned); grid land
outside every community stays with its grid.

Each unit carries integer households and population — each grid's counts split over its
units by area with the largest remainder, so a grid's units add up to its own counts
and any regrouping conserves the totals — and the hours a month of `geo.grids.workload`
counted inside it. Those hours are linear in the counts, so a grid's hours are the sum
of its units' hours plus the hours every grid carries once (the items counting grids,
`geo.items.workload.grid_hours`, which a unit does not count).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.grids import units
from geo.grids.geometry import METRIC, WGS84, polygonal, repaired, to_metric
from geo.grids.workload import Layers, workload

#: pieces smaller than this (overlay dust along shared edges) are not units
MIN_UNIT_M2 = 1.0
#: the coarsest resolution tried, and the units wanted in an average grid
COARSEST, UNITS_PER_GRID = 7, 12
DUTIES = ("rental_units", "hazards", "key_sites", "incidents")
COLUMNS = (
    "unit_id",
    "cell",
    "community_code",
    "town_code",
    "district_code",
    "grid_code",
    "households",
    "population",
    *DUTIES,
    "workload",
    "area_m2",
)


def resolution(grids_metric: gpd.GeoDataFrame) -> int:
    """The coarsest H3 resolution giving an average grid about UNITS_PER_GRID units."""
    mean = float(grids_metric.area.mean()) if len(grids_metric) else 0.0
    return units.resolution(mean, UNITS_PER_GRID, COARSEST)


def build_units(
    grids: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    items: pd.DataFrame,
    layers: Layers | None = None,
    *,
    res: int | None = None,
    as_of: pd.Timestamp | None = None,
) -> gpd.GeoDataFrame:
    """The units of one grid version (WGS-84), columns COLUMNS + geometry.

    grids: one version (`grid_code`, `community_code`, `town_code`, `district_code`,
    `households`, `population`); communities: `code`, `parent_code` (its town), geometry.
    items, layers, as_of: the service-item list and the point layers (geo.grids.workload).
    `grid_code` is None for community land no grid covers. `attrs['res']` is the H3
    resolution used.
    """
    grids = grids.reset_index(drop=True)
    gm = gpd.GeoDataFrame(
        {"gi": np.arange(len(grids))},
        geometry=repaired(to_metric(grids).geometry.to_numpy()),
        crs=METRIC,
    )
    res = res or resolution(gm)
    cm = to_metric(communities.reset_index(drop=True))
    cm_geoms = repaired(cm.geometry.to_numpy())
    cw = communities.to_crs(WGS84).geometry.to_numpy()
    cells = []
    for i, row in enumerate(cm.itertuples()):
        part = units.clipped_cells(cw[i], cm_geoms[i], res)
        code = str(row.code)
        part["community_code"] = code
        parent = getattr(row, "parent_code", None)
        part["town_code"] = str(parent) if isinstance(parent, str) and parent else code[:9]
        cells.append(part[["cell", "community_code", "town_code", "geometry"]])
    cells = gpd.GeoDataFrame(
        pd.concat(cells, ignore_index=True)
        if cells
        else {"cell": [], "community_code": [], "town_code": []},
        geometry="geometry" if cells else [],
        crs=METRIC,
    )
    pieces = _pieces(cells, gm)
    gi = pieces["gi"].to_numpy()
    assigned = gi >= 0
    out = pd.DataFrame(
        {
            "cell": pieces["cell"].to_numpy(),
            "community_code": pieces["community_code"].to_numpy(dtype=object),
            "town_code": pieces["town_code"].to_numpy(dtype=object),
            "grid_code": np.where(assigned, grids["grid_code"].astype(str).to_numpy()[gi], None),
        }
    )
    # land outside every community takes its grid's units
    for column in ("community_code", "town_code"):
        missing = pd.isna(out[column]).to_numpy() & assigned
        out.loc[missing, column] = grids[column].to_numpy()[gi[missing]]
    district = (
        grids["district_code"].to_numpy()[np.maximum(gi, 0)]
        if "district_code" in grids
        else np.full(len(gi), None)
    )
    out["district_code"] = np.where(assigned, district, out["community_code"].astype(str).str[:6])
    area = shapely.area(pieces.geometry.to_numpy())
    for column in ("households", "population"):
        values = (
            pd.to_numeric(grids[column], errors="coerce").fillna(0).to_numpy(float)
            if column in grids
            else np.zeros(len(grids))
        )
        out[column] = _split_counts(values, gi, area)
    result = gpd.GeoDataFrame(out, geometry=pieces.geometry.to_numpy(), crs=METRIC).to_crs(WGS84)
    result.geometry = repaired(result.geometry.to_numpy())
    duties = workload(result, items, layers, as_of=as_of, per_grid=False)
    for column in (*DUTIES, "workload"):
        result[column] = duties[column].to_numpy()
    result["area_m2"] = area
    result["unit_id"] = np.arange(len(result))
    result = result[[*COLUMNS, "geometry"]]
    result.attrs["res"] = int(res)
    return result


def _pieces(cells: gpd.GeoDataFrame, grids: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """cell ∩ grid pieces, cell parts no grid covers (gi −1) and grid parts outside every
    cell (cell and community missing), all in the metric CRS, specks dropped."""
    cg, gg = cells.geometry.to_numpy(), grids.geometry.to_numpy()
    ci, gi = shapely.STRtree(gg).query(cg, predicate="intersects")
    shapely.prepare(gg)
    inside = shapely.contains_properly(gg[gi], cg[ci])
    parts = cg[ci].copy()
    parts[~inside] = polygonal(shapely.intersection(cg[ci[~inside]], gg[gi[~inside]]))
    rows = [pd.DataFrame({"ci": ci, "gi": gi})]
    geoms = [parts]
    # cell land outside every grid
    covered = np.zeros(len(cg), dtype=bool)
    covered[ci[inside]] = True
    open_cells = np.flatnonzero(~covered)
    if len(open_cells):
        rows.append(pd.DataFrame({"ci": open_cells, "gi": -1}))
        geoms.append(_uncovered(cg, open_cells, ci, parts))
    # grid land outside every cell (outside the communities)
    all_cells = units.merge(cg) if len(cg) else shapely.Polygon()
    outside = polygonal(shapely.difference(gg, all_cells))
    rows.append(pd.DataFrame({"ci": -1, "gi": np.arange(len(gg))}))
    geoms.append(outside)
    table = pd.concat(rows, ignore_index=True)
    geoms = np.concatenate(geoms)
    # a piece of several parts stays one unit; specks go
    keep = shapely.area(geoms) >= MIN_UNIT_M2
    table, geoms = table[keep].reset_index(drop=True), geoms[keep]
    known = table["ci"].to_numpy() >= 0
    ci_safe = np.maximum(table["ci"].to_numpy(), 0)
    for column in ("cell", "community_code", "town_code"):
        values = (
            cells[column].to_numpy(dtype=object)[ci_safe]
            if len(cells)
            else np.full(len(table), None)
        )
        table[column] = np.where(known, values, None)
    order = np.lexsort((table["gi"].to_numpy(), table["ci"].to_numpy()))
    return gpd.GeoDataFrame(
        table.iloc[order].reset_index(drop=True), geometry=geoms[order], crs=METRIC
    )


def _uncovered(
    cells: np.ndarray, open_cells: np.ndarray, ci: np.ndarray, parts: np.ndarray
) -> np.ndarray:
    """Per cell of `open_cells`, what of it no grid piece covers: the cell less the
    union of its pieces (`parts`, cell `ci` each), the union made as `units.merge_rows`
    makes it, for all cells at once."""
    order = np.argsort(ci, kind="stable")
    starts = np.searchsorted(ci[order], open_cells)
    ends = np.searchsorted(ci[order], open_cells, side="right")
    width = int((ends - starts).max())
    taken = np.full((len(open_cells), max(width, 1)), None, dtype=object)
    for k in range(width):  # the k-th piece of every cell that has one
        has = ends - starts > k
        taken[has, k] = parts[order[starts[has] + k]]
    rest = cells[open_cells].copy()
    some = ends > starts
    if some.any():
        rest[some] = polygonal(
            shapely.difference(cells[open_cells[some]], units.merge_rows(taken[some]))
        )
    return rest


def _split_counts(values: np.ndarray, gi: np.ndarray, area: np.ndarray) -> np.ndarray:
    """Each grid's integer count split over its pieces by area (largest remainder)."""
    out = np.zeros(len(gi), dtype=np.int64)
    for g in np.unique(gi[gi >= 0]):
        idx = np.flatnonzero(gi == g)
        total = int(round(values[g]))
        share = (
            area[idx] / area[idx].sum() if area[idx].sum() > 0 else np.full(len(idx), 1 / len(idx))
        )
        raw = total * share
        q = np.floor(raw).astype(np.int64)
        for i in np.argsort(-(raw - q), kind="stable")[: total - int(q.sum())]:
            q[i] += 1
        out[idx] = q
    return out

"""Small building blocks for redrawing grids: H3 cells clipped to a community.

Each unit carries the households and population of the current grids apportioned by
area, so a redraw keeps the community's totals; point layers are counted per unit by
the caller. Cell corners are snapped to 1 cm in the metric CRS so neighbouring units
share exactly the same edge and their union has no sliver holes.
"""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely

from geo.grids.geometry import METRIC, WGS84, polygonal

SNAP_M = 0.01
#: finest resolution tried (res 11 ≈ 2,150 m² a cell)
FINEST = 11


def cells_covering(geom_wgs84, res: int) -> list[int]:
    """H3 cells (as int) overlapping a polygon given in WGS-84."""
    shape = h3.geo_to_h3shape(shapely.geometry.mapping(geom_wgs84))
    return [
        h3.str_to_int(c) for c in h3.h3shape_to_cells_experimental(shape, res, contain="overlap")
    ]


def resolution(area_m2: float, units_wanted: int, coarsest: int) -> int:
    """The coarsest H3 resolution (not finer than FINEST) giving about `units_wanted` cells."""
    res = coarsest
    while res < FINEST and area_m2 / h3.average_hexagon_area(res, unit="m^2") < units_wanted:
        res += 1
    return res


def clipped_cells(community_wgs84, community_metric, res: int) -> gpd.GeoDataFrame:
    """The H3 cells of `res` covering a community, clipped to it (metric CRS).

    Columns: `cell` (int), `area_m2`, geometry; parts under 1 m² are dropped.
    """
    cells = cells_covering(community_wgs84, res)
    rings = [
        shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(h3.int_to_str(c))])
        for c in cells
    ]
    hexes = gpd.GeoSeries(rings, crs=WGS84).to_crs(METRIC)
    # rounded coordinates, not set_precision: a precision grid would stick to the cells
    # and snap every later overlay result (the community's edges too) to 1 cm
    snapped = shapely.transform(hexes.to_numpy(), lambda xy: np.round(xy / SNAP_M) * SNAP_M)
    shapely.prepare(community_metric)
    inside = shapely.contains_properly(community_metric, snapped)
    parts = snapped.copy()  # only cells on the community's edge need clipping
    parts[~inside] = polygonal(shapely.intersection(snapped[~inside], community_metric))
    # slivers of the community no planar hexagon reached (H3 edges are arcs on the sphere)
    rest = polygonal([community_metric.difference(merge(parts[~shapely.is_empty(parts)]))])[0]
    extra = shapely.get_parts(rest)
    parts = _absorb_crumbs(np.concatenate([parts, extra]), first_crumb=len(parts))[: len(parts)]
    keep = ~shapely.is_empty(parts)
    return gpd.GeoDataFrame(
        {
            "cell": np.array(cells, dtype=np.int64)[keep],
            "area_m2": shapely.area(parts[keep]),
            "cell_area_m2": shapely.area(snapped[keep]),
        },
        geometry=parts[keep],
        crs=METRIC,
    )


def _absorb_crumbs(parts: np.ndarray, first_crumb: int) -> np.ndarray:
    """Merge bits under 1 m² and all parts from `first_crumb` on into the unit they
    touch most, so the units cover the community exactly and none is a speck."""
    parts = parts.copy()
    area = shapely.area(parts)
    position = np.arange(len(parts))
    crumb = ((area < 1.0) | (position >= first_crumb)) & ~shapely.is_empty(parts)
    small, big = np.flatnonzero(crumb), np.flatnonzero(~crumb & (area > 0))
    if not len(small) or not len(big):
        return parts
    tree = shapely.STRtree(parts[big])
    for i in small:
        reach = parts[i].buffer(SNAP_M)
        near = big[tree.query(reach, predicate="intersects")]
        if len(near):
            shared = shapely.length(shapely.intersection(shapely.boundary(parts[near]), reach))
            j = near[int(np.argmax(shared))]
            parts[j] = polygonal([shapely.union(parts[j], parts[i])])[0]
            parts[i] = shapely.MultiPolygon()
    return parts


def apportion(
    units: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    columns: tuple[str, ...] = ("households", "population"),
) -> gpd.GeoDataFrame:
    """Add `columns` to `units`: each grid's count spread over units by area share.

    Both frames in the metric CRS. The community total is kept: whatever falls outside
    every unit (e.g. a grid crossing its community) is spread by area over all units.
    """
    units = units.copy()
    ug, gg = units.geometry.to_numpy(), grids.geometry.to_numpy()
    gi, ui = shapely.STRtree(ug).query(gg, predicate="intersects")
    shapely.prepare(gg)
    within = shapely.contains_properly(gg[gi], ug[ui])  # most units lie inside one grid
    inter = shapely.area(ug[ui])
    inter[~within] = shapely.area(shapely.intersection(ug[ui[~within]], gg[gi[~within]]))
    share = inter / np.maximum(shapely.area(gg[gi]), 1e-9)
    for column in columns:
        values = (
            pd.to_numeric(grids[column], errors="coerce").fillna(0).to_numpy(float)
            if column in grids
            else np.zeros(len(grids))
        )
        spread = np.bincount(ui, weights=values[gi] * share, minlength=len(units))
        lost = values.sum() - spread.sum()
        if len(units) and abs(lost) > 1e-6:
            spread += lost * units["area_m2"].to_numpy() / units["area_m2"].sum()
        units[column] = spread
    return units


def merge(parts: np.ndarray) -> shapely.Geometry:
    """Union of units that share exact edges: the fast coverage union, checked by area."""
    try:
        merged = shapely.coverage_union_all(parts)
    except shapely.errors.GEOSException:  # edges not exactly shared (clipped cells)
        return shapely.union_all(parts)
    if merged.is_valid and np.isclose(merged.area, shapely.area(parts).sum(), rtol=1e-9):
        return merged
    return shapely.union_all(parts)


def adjacency(units: gpd.GeoDataFrame) -> list[set[int]]:
    """Units sharing an edge (rook contiguity: touching at a point is not enough).

    Two whole hexagons that touch always share an edge; only pairs with a clipped
    unit need their common boundary measured.
    """
    geoms = units.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pair = left < right
    left, right = left[pair], right[pair]
    whole = (
        np.isclose(shapely.area(geoms), units["cell_area_m2"].to_numpy(), rtol=1e-6)
        if "cell_area_m2" in units
        else np.zeros(len(geoms), dtype=bool)
    )
    measure = ~(whole[left] & whole[right])
    shared = np.full(len(left), np.inf)
    shared[measure] = shapely.length(
        shapely.intersection(
            shapely.boundary(geoms[left[measure]]), shapely.boundary(geoms[right[measure]])
        )
    )
    neighbours: list[set[int]] = [set() for _ in range(len(units))]
    for a, b in zip(left[shared > SNAP_M], right[shared > SNAP_M], strict=True):
        neighbours[a].add(int(b))
        neighbours[b].add(int(a))
    return neighbours

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


def hexagons(cells: np.ndarray) -> np.ndarray:
    """The planar hexagons of H3 cells (int) in the metric CRS, corners snapped to SNAP_M."""
    corners = [h3.cell_to_boundary(h3.int_to_str(int(c))) for c in cells]
    six = np.array([len(b) == 6 for b in corners], dtype=bool)
    rings = np.empty(len(corners), dtype=object)
    if six.any():  # built as one array; the few pentagons one by one
        latlng = np.array([b for b, s in zip(corners, six, strict=True) if s], dtype=float)
        rings[six] = shapely.polygons(np.concatenate([latlng, latlng[:, :1]], axis=1)[:, :, ::-1])
    for i in np.flatnonzero(~six):
        rings[i] = shapely.Polygon([(lng, lat) for lat, lng in corners[i]])
    hexes = gpd.GeoSeries(rings, crs=WGS84).to_crs(METRIC)
    # rounded coordinates, not set_precision: a precision grid would stick to the cells
    # and snap every later overlay result (the community's edges too) to 1 cm
    return shapely.transform(hexes.to_numpy(), lambda xy: np.round(xy / SNAP_M) * SNAP_M)


def clipped_cells(community_wgs84, community_metric, res: int) -> gpd.GeoDataFrame:
    """The H3 cells of `res` covering a community, clipped to it (metric CRS).

    Columns: `cell` (int), `area_m2`, geometry; parts under 1 m² are dropped.
    """
    cells = cells_covering(community_wgs84, res)
    snapped = hexagons(np.array(cells, dtype=np.int64))
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
    return merge_rows(np.asarray(parts, dtype=object)[None, :])[0]


def merge_rows(rows: np.ndarray) -> np.ndarray:
    """`merge` of each row of a 2-D array of units (None pads a row), at once: the
    coverage union where it is valid and keeps the row's area, else the full union."""
    try:
        merged = shapely.coverage_union_all(rows, axis=1)
    except shapely.errors.GEOSException:  # a row's edges not exactly shared (clipped cells)
        if len(rows) == 1:
            return shapely.union_all(rows, axis=1)
        return np.concatenate([merge_rows(rows[i : i + 1]) for i in range(len(rows))])
    kept = np.nansum(shapely.area(rows), axis=1)  # None pads: no area
    ok = shapely.is_valid(merged) & np.isclose(shapely.area(merged), kept, rtol=1e-9)
    if not ok.all():
        merged[~ok] = shapely.union_all(rows[~ok], axis=1)
    return merged


def adjacency(units: gpd.GeoDataFrame) -> list[set[int]]:
    """Units sharing an edge (rook contiguity: touching at a point is not enough).

    `units` in the metric CRS, with their H3 `cell` (None for land outside every cell).
    A unit that is its cell's whole hexagon (`whole`) shares an edge exactly with the
    whole hexagons of the cell's six H3 neighbours and touches no other whole hexagon,
    so those pairs come from H3 alone; only pairs with a clipped unit are found in a
    spatial index and their common boundary measured (over SNAP_M).
    """
    geoms = units.geometry.to_numpy()
    whole = whole_cells(units)
    neighbours: list[set[int]] = [set() for _ in range(len(units))]
    at = np.flatnonzero(whole)
    cells = units["cell"].to_numpy()[at].astype(np.int64) if len(at) else np.array([], np.int64)
    position = dict(zip(cells.tolist(), at.tolist(), strict=True))
    for a, cell in zip(at.tolist(), cells.tolist(), strict=True):
        for ring_cell in h3.grid_ring(h3.int_to_str(cell), 1):
            b = position.get(h3.str_to_int(ring_cell))
            if b is not None:
                neighbours[a].add(b)
    clipped = np.flatnonzero(~whole)
    if len(clipped):
        found, right = shapely.STRtree(geoms).query(geoms[clipped], predicate="intersects")
        left = clipped[found]
        # each pair once: a clipped unit with a whole one, or two clipped ones in order
        pair = (left != right) & (whole[right] | (left < right))
        left, right = left[pair], right[pair]
        # an edge both units have, corner for corner, is shared for sure; only the pairs
        # without such edges longer than SNAP_M need their boundaries intersected
        shared = _identical_edges(geoms, left, right)
        measure = shared <= SNAP_M
        shared[measure] = shapely.length(
            shapely.intersection(
                shapely.boundary(geoms[left[measure]]), shapely.boundary(geoms[right[measure]])
            )
        )
        for a, b in zip(
            left[shared > SNAP_M].tolist(), right[shared > SNAP_M].tolist(), strict=True
        ):
            neighbours[a].add(b)
            neighbours[b].add(a)
    return neighbours


def _identical_edges(geoms: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per pair (left, right), the length of the boundary segments both polygons have
    with the same two corners: a lower bound of their common boundary (a segment one of
    them only partly shares is not counted)."""
    parts, owner = shapely.get_parts(shapely.boundary(geoms), return_index=True)
    xy, part = shapely.get_coordinates(parts, return_index=True)
    inner = np.flatnonzero(part[1:] == part[:-1])
    p, q = xy[inner], xy[inner + 1]
    flip = (p[:, 0] > q[:, 0]) | ((p[:, 0] == q[:, 0]) & (p[:, 1] > q[:, 1]))
    p[flip], q[flip] = q[flip], p[flip].copy()
    key = np.ascontiguousarray(np.concatenate([p, q], axis=1)).view(np.dtype((np.void, 32)))
    _, group, count = np.unique(key.ravel(), return_inverse=True, return_counts=True)
    group = group.ravel()
    two = count[group] == 2  # an edge of exactly two polygons
    order = np.argsort(group[two], kind="stable")
    seg = np.flatnonzero(two)[order].reshape(-1, 2)
    who = owner[part[inner]]
    a, b = who[seg[:, 0]], who[seg[:, 1]]
    length = np.hypot(*(q[seg[:, 0]] - p[seg[:, 0]]).T)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    n = np.int64(len(geoms))
    keys, where = np.unique(lo * n + hi, return_inverse=True)
    total = np.bincount(where.ravel(), weights=length, minlength=len(keys))
    asked = np.minimum(left, right).astype(np.int64) * n + np.maximum(left, right)
    out = np.zeros(len(asked))
    if len(keys):
        at = np.minimum(np.searchsorted(keys, asked), len(keys) - 1)
        hit = keys[at] == asked
        out[hit] = total[at[hit]]
    return out


def whole_cells(units: gpd.GeoDataFrame) -> np.ndarray:
    """Per unit (metric CRS, `cell`), whether it is exactly its cell's planar hexagon
    (same six corners to 0.1 mm, one part, no hole): not clipped by any boundary."""
    geoms = units.geometry.to_numpy()
    whole = np.zeros(len(geoms), dtype=bool)
    if "cell" not in units or not len(geoms):
        return whole
    cell = pd.to_numeric(units["cell"], errors="coerce").to_numpy(float)
    cand = np.flatnonzero(~np.isnan(cell) & (shapely.get_num_geometries(geoms) == 1))
    part = shapely.get_geometry(geoms[cand], 0)
    six = (
        (shapely.get_type_id(part) == 3)
        & (shapely.get_num_interior_rings(part) == 0)
        & (shapely.get_num_coordinates(part) == 7)
    )
    cand, part = cand[six], part[six]
    cells = units["cell"].to_numpy()[cand].astype(np.int64)
    whole[cand] = shapely.equals_exact(
        shapely.normalize(part), shapely.normalize(hexagons(cells)), tolerance=1e-4
    )
    return whole

"""Which zone (grid, town, district) each point falls in, through a spatial index.

Points are first grouped into small square bins; each bin is tested once, as the box
around its points: a box that no zone touches puts its points outside every zone, a box
that exactly one zone touches and covers puts them all in that zone, and only the points
of the other boxes (those on a zone's edge) get the point-in-polygon test. The answer is
the point test's for every point (a point lies in its box), at a fraction of the work:
the city's million incidents fall in ~10⁵ boxes, most of them well inside one grid.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

#: bins per side of the median zone (a zone's box) at the first pass
BINS_PER_ZONE = 2
#: passes, each over the points still undecided with bins SPLIT times finer per side:
#: only the bins along zone edges are split again, so each pass tests few boxes
PASSES = 4
SPLIT = 4
#: largest bin count kept in a dense array (else the occupied bins are found by sorting)
DENSE_BINS = 1 << 22
#: a bin whose points need the point test
UNDECIDED = -2


def assign_points(points: np.ndarray, zones: np.ndarray) -> np.ndarray:
    """Position in `zones` of the zone holding each point, −1 where none does: the
    point-in-polygon test of every point (shapely geometries, one CRS).

    A point on a shared edge, or inside two overlapping zones, goes to the first of them
    (lowest position) so that each point is counted exactly once.
    """
    out = np.full(len(points), -1, dtype=np.int64)
    if len(points) == 0 or len(zones) == 0:
        return out
    # the tree holds the points and the zones are the queries: GEOS then prepares each
    # zone polygon once (about 20× faster than testing a million points unprepared)
    tree = shapely.STRtree(points)
    zone, pts = tree.query(zones, predicate="intersects")
    if len(pts):
        order = np.lexsort((zone, pts))
        pts, zone = pts[order], zone[order]
        first = np.r_[True, pts[1:] != pts[:-1]]
        out[pts[first]] = zone[first]
    return out


def _bin_size(zones: np.ndarray) -> float:
    """Side of the first, coarsest bins: the median zone box's side over BINS_PER_ZONE
    (0 when the zones have no extent)."""
    bounds = shapely.bounds(zones)
    side = np.sqrt(np.abs((bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1])))
    side = side[np.isfinite(side) & (side > 0)]
    return float(np.median(side)) / BINS_PER_ZONE if len(side) else 0.0


def _bin_boxes(x: np.ndarray, y: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """(box of each occupied bin, bin of each point): square bins of `size` on a side,
    each box widened by a millionth of its side, far beyond any rounding of x / size,
    so that it surely holds its points."""
    x0, y0 = np.floor(x.min() / size), np.floor(y.min() / size)
    kx = (np.floor(x / size) - x0).astype(np.int64)
    ky = (np.floor(y / size) - y0).astype(np.int64)
    rows = int(ky.max()) + 1
    key = kx * rows + ky
    if key.max() < DENSE_BINS:  # count in a dense array: no sort
        occupied = np.flatnonzero(np.bincount(key))
        index = np.zeros(int(key.max()) + 1, dtype=np.int64)
        index[occupied] = np.arange(len(occupied))
        bin_of = index[key]
    else:
        occupied, bin_of = np.unique(key, return_inverse=True)
    bx, by = occupied // rows + x0, occupied % rows + y0
    pad = size * 1e-6
    box = shapely.box(
        bx * size - pad, by * size - pad, (bx + 1) * size + pad, (by + 1) * size + pad
    )
    return box, bin_of


def _bin_zones(
    x: np.ndarray, y: np.ndarray, size: float, zones: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(zone of each bin, bin of each point): bins of `size`, each one's zone decided
    from its box — −1 when no zone touches it, the zone's position when exactly one
    zone touches it and covers it, UNDECIDED otherwise."""
    boxes, bin_of = _bin_boxes(x, y, size)
    tree = shapely.STRtree(boxes)
    touching = np.bincount(tree.query(zones, predicate="intersects")[1], minlength=len(boxes))
    zone_of = np.full(len(boxes), UNDECIDED, dtype=np.int64)
    zone_of[touching == 0] = -1
    zone, box = tree.query(zones, predicate="covers")
    whole = touching[box] == 1
    zone_of[box[whole]] = zone[whole]
    return zone_of, bin_of


def assign(points: gpd.GeoSeries, zones: gpd.GeoSeries) -> np.ndarray:
    """Position in `zones` of the zone holding each point, −1 where none does.

    The same answer as `assign_points` (first zone, lowest position, for a point on a
    shared edge or in two overlapping zones), found bin by bin (module docstring).
    Points are moved into the zones' CRS when both CRSs are known.
    """
    if len(points) == 0:
        return np.empty(0, dtype=np.int64)
    if points.crs is not None and zones.crs is not None and points.crs != zones.crs:
        points = points.to_crs(zones.crs)
    out = np.full(len(points), -1, dtype=np.int64)
    if len(zones) == 0:
        return out
    geoms, shapes = np.asarray(points.values), np.asarray(zones.values)
    # binned: non-empty points; anything else (None, empty, a polygon) gets the point test
    binned = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
    x, y = np.full(len(geoms), np.nan), np.full(len(geoms), np.nan)
    x[binned], y[binned] = shapely.get_x(geoms[binned]), shapely.get_y(geoms[binned])
    binned &= np.isfinite(x) & np.isfinite(y)
    left, todo = np.flatnonzero(~binned), np.flatnonzero(binned)
    size = _bin_size(shapes)
    for _ in range(PASSES if size > 0 else 0):
        if len(todo) == 0:
            break
        zone_of, bin_of = _bin_zones(x[todo], y[todo], size, shapes)
        found = zone_of[bin_of]
        decided = found != UNDECIDED
        out[todo[decided]] = found[decided]
        todo = todo[~decided]
        size /= SPLIT
    left = np.union1d(left, todo)
    if len(left):
        out[left] = assign_points(geoms[left], shapes)
    return out


def codes_of(points: gpd.GeoSeries, zones: gpd.GeoDataFrame, column: str) -> np.ndarray:
    """`zones[column]` of the zone holding each point (None outside every zone)."""
    where = assign(points, zones.geometry)
    values = np.asarray(zones[column].to_numpy(), dtype=object)
    out = np.full(len(points), None, dtype=object)
    hit = where >= 0
    out[hit] = values[where[hit]]
    return out

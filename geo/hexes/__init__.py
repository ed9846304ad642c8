"""H3 hexagons for civicgrid: index points, walk the hierarchy, fill areas, find neighbours.

Cells are H3 v4 indexes as `uint64` NumPy arrays (PostGIS stores them as BIGINT, the same
bits). Index 0 is never a valid cell and stands for "no cell": points with a NaN or
infinite coordinate, a latitude beyond ±90° or a longitude beyond ±180° get 0, and
functions taking cells pass 0 through (or skip it) rather than fail.
The work is done by h3ronpy (the H3 port h3o, in Rust) on whole arrays; many points
at once go through `geo.hexes.lattice` first, which groups them by hexagon so that
h3ronpy indexes one point per occupied cell (same result, a fraction of the work).
"""

from __future__ import annotations

import h3
import h3ronpy
import h3ronpy.vector as h3v
import numpy as np
import pyarrow as pa
import shapely
from numpy.typing import ArrayLike

from geo.hexes import lattice

#: the "no cell" value
NO_CELL = np.uint64(0)
#: fewest points worth grouping by hexagon first (below, h3ronpy alone is as fast,
#: counting the ~0.2 s the lattice tables take to build once per process)
LATTICE_MIN_POINTS = 1_000_000


def _uint64(cells: ArrayLike) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(cells).astype(np.uint64, copy=False).ravel())


def cells(lon: ArrayLike, lat: ArrayLike, res: int) -> np.ndarray:
    """H3 cell (uint64) of each WGS-84 point at resolution `res`; 0 for invalid points.

    Same result as h3ronpy's `coordinates_to_cells` for any number of points, and as
    `h3.latlng_to_cell` except for points exactly on a cell boundary (h3o and the C
    library may break such ties differently). The output has the input's shape.
    """
    _check_res(res)
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    shape = x.shape
    x, y = np.ascontiguousarray(x.ravel()), np.ascontiguousarray(y.ravel())
    ok = np.isfinite(x) & np.isfinite(y) & (np.abs(y) <= 90.0) & (np.abs(x) <= 180.0)
    every = bool(ok.all())
    if not every:
        x, y = x[ok], y[ok]
    if x.size >= LATTICE_MIN_POINTS and _crowded(x, y, res):
        found = lattice.cells(x, y, res)
    elif x.size:
        found = np.asarray(h3v.coordinates_to_cells(y, x, res))
    else:
        found = np.empty(0, dtype=np.uint64)
    if every:
        return found.reshape(shape)
    out = np.zeros(ok.size, dtype=np.uint64)
    out[ok] = found
    return out.reshape(shape)


def _crowded(lon: np.ndarray, lat: np.ndarray, res: int) -> bool:
    """Whether there are over two points per cell of the points' bounding box, so that
    grouping them by hexagon first saves work (box area bounded from above)."""
    south, north = float(lat.min()), float(lat.max())
    nearest_equator = 0.0 if south <= 0.0 <= north else min(abs(south), abs(north))
    width_km = 111.2 * float(lon.max() - lon.min()) * np.cos(np.radians(nearest_equator))
    area_km2 = 111.2 * (north - south) * width_km
    return lon.size > 2.0 * area_km2 / h3.average_hexagon_area(res, "km^2")


def parents(cells: ArrayLike, res: int) -> np.ndarray:
    """Parent of each cell at the coarser resolution `res` (a cell already at `res` is kept).

    0 stays 0; a cell coarser than `res` raises ValueError.
    """
    _check_res(res)
    arr = _uint64(cells)
    out = np.zeros(arr.size, dtype=np.uint64)
    ok = arr != NO_CELL
    if ok.any():
        valid = arr[ok]
        if int(np.asarray(h3ronpy.cells_resolution(valid)).min()) < res:
            raise ValueError(f"parents: some cells are coarser than resolution {res}")
        out[ok] = np.asarray(h3ronpy.change_resolution(valid, res))
    return out.reshape(np.shape(cells))


def children(cells: ArrayLike, res: int) -> np.ndarray:
    """Every child at the finer resolution `res` of the cells (a cell at `res` is kept),
    as one flat array; 0 is skipped."""
    _check_res(res)
    arr = _uint64(cells)
    arr = arr[arr != NO_CELL]
    if not arr.size:
        return np.empty(0, dtype=np.uint64)
    return np.asarray(h3ronpy.change_resolution(arr, res)).astype(np.uint64, copy=False)


def polyfill(geometry: shapely.Geometry, res: int) -> np.ndarray:
    """Sorted unique cells whose centre lies inside a WGS-84 (Multi)Polygon."""
    _check_res(res)
    if geometry is None or geometry.is_empty:
        return np.empty(0, dtype=np.uint64)
    filled = h3v.geometry_to_cells(geometry, res, containment_mode=h3v.ContainmentMode.ContainsCentroid)
    return np.unique(np.asarray(filled).astype(np.uint64, copy=False))


def neighbours(cells: ArrayLike, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (row, col) of positions in `cells` that lie within k grid steps of each other.

    The structure of a binary k-ring weights matrix over `cells` (each cell paired with
    itself too): `cells[row[n]]` and `cells[col[n]]` are neighbours. Only cells present
    in the array count; the cells must be distinct and of one resolution; 0 entries pair
    with nothing. Sorted by row, then col.
    """
    if k < 0:
        raise ValueError("neighbours: k must be >= 0")
    arr = _uint64(cells)
    present = np.flatnonzero(arr != NO_CELL)
    if present.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    order = present[np.argsort(arr[present], kind="stable")]
    sorted_cells = arr[order]
    if np.any(sorted_cells[1:] == sorted_cells[:-1]):
        raise ValueError("neighbours: cells must be distinct")
    disks = pa.array(h3ronpy.grid_disk(arr[present], k))
    lengths = np.asarray(disks.value_lengths())
    ring = np.asarray(disks.flatten()).astype(np.uint64, copy=False)
    row = np.repeat(present, lengths)
    pos = np.minimum(np.searchsorted(sorted_cells, ring), sorted_cells.size - 1)
    hit = sorted_cells[pos] == ring
    row, col = row[hit], order[pos[hit]]
    by = np.lexsort((col, row))
    return row[by].astype(np.int64), col[by].astype(np.int64)


def centroids(cells: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Centre (lon, lat) in degrees of each cell; NaN for 0."""
    arr = _uint64(cells)
    lon = np.full(arr.size, np.nan)
    lat = np.full(arr.size, np.nan)
    ok = arr != NO_CELL
    if ok.any():
        table = pa.record_batch(h3v.cells_to_coordinates(arr[ok]))
        lon[ok] = table.column("lng").to_numpy()
        lat[ok] = table.column("lat").to_numpy()
    return lon.reshape(np.shape(cells)), lat.reshape(np.shape(cells))


def boundaries(cells: ArrayLike) -> np.ndarray:
    """Hexagon (or pentagon) outline of each cell as shapely Polygons in WGS-84; None for 0."""
    arr = _uint64(cells)
    out = np.full(arr.size, None, dtype=object)
    ok = arr != NO_CELL
    if ok.any():
        wkb = pa.array(h3v.cells_to_wkb_polygons(arr[ok])).to_numpy(zero_copy_only=False)
        out[ok] = shapely.from_wkb(wkb)
    return out


def _check_res(res: int) -> None:
    if not 0 <= int(res) <= 15:
        raise ValueError(f"H3 resolution must be 0–15, got {res}")

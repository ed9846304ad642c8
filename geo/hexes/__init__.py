"""H3 hexagons for civicgrid: index points, walk the hierarchy, fill areas, find neighbours.

Cells are H3 v4 indexes as `uint64` NumPy arrays (PostGIS stores them as BIGINT, the same
bits). Index 0 is never a valid cell and stands for "no cell": points with a NaN or
infinite coordinate, a latitude beyond ±90° or a longitude beyond ±180° get 0, and
functions taking cells pass 0 through (or skip it) rather than fail.
The work is done by h3ronpy (the H3 port h3o, in Rust) on whole arrays.
"""

from __future__ import annotations

import h3ronpy
import h3ronpy.vector as h3v
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from numpy.typing import ArrayLike

#: the "no cell" value
NO_CELL = np.uint64(0)


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
    if x.size:
        found = np.asarray(h3v.coordinates_to_cells(y, x, res))
    else:
        found = np.empty(0, dtype=np.uint64)
    if every:
        return found.reshape(shape)
    out = np.zeros(ok.size, dtype=np.uint64)
    out[ok] = found
    return out.reshape(shape)


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
    filled = h3v.geometry_to_cells(
        geometry, res, containment_mode=h3v.ContainmentMode.ContainsCentroid
    )
    return np.unique(np.asarray(filled).astype(np.uint64, copy=False))


def neighbours(cells: ArrayLike, k: int = 1, *, sort: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (row, col) of positions in `cells` that lie within k grid steps of each other.

    The structure of a binary k-ring weights matrix over `cells` (each cell paired with
    itself too): `cells[row[n]]` and `cells[col[n]]` are neighbours. Only cells present
    in the array count; the cells must be distinct and of one resolution; 0 entries pair
    with nothing. Sorted by row, then col; with `sort=False` rows still ascend but the
    columns within a row are unordered — all a CSR matrix needs, at half the cost.
    """
    arr, present = _distinct_present(cells, k)
    if present.size == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    disks = pa.array(h3ronpy.grid_disk(arr[present], k))
    ring = np.asarray(disks.flatten()).astype(np.uint64, copy=False)
    row, col, _ = _present_pairs(arr, present, ring, np.asarray(disks.value_lengths()))
    if sort:
        by = np.lexsort((col, row))
        row, col = row[by], col[by]
    return row, col


def neighbour_distances(cells: ArrayLike, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like `neighbours(cells, k, sort=False)`, with the grid distance (0…k) of each pair.

    One grid_disk_distances call serves every neighbourhood size up to k, which is
    what incremental spatial autocorrelation needs.
    """
    arr, present = _distinct_present(cells, k)
    if present.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.int32)
    disks = pa.record_batch(h3ronpy.grid_disk_distances(arr[present], k, flatten=False))
    lists = disks.column("cell")
    ring = np.asarray(lists.flatten()).astype(np.uint64, copy=False)
    dist = np.asarray(disks.column("k").flatten()).astype(np.int32)
    return _present_pairs(arr, present, ring, np.asarray(lists.value_lengths()), dist)


def _distinct_present(cells: ArrayLike, k: int) -> tuple[np.ndarray, np.ndarray]:
    """`cells` as uint64 and the positions of the non-zero ones, checked to be distinct."""
    if k < 0:
        raise ValueError("neighbours: k must be >= 0")
    arr = _uint64(cells)
    present = np.flatnonzero(arr != NO_CELL)
    valid = np.sort(arr[present])
    if np.any(valid[1:] == valid[:-1]):
        raise ValueError("neighbours: cells must be distinct")
    return arr, present


def _present_pairs(
    arr: np.ndarray,
    present: np.ndarray,
    ring: np.ndarray,
    lengths: np.ndarray,
    extra: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Keep the disk members (`ring`, `lengths` per present cell) that are in `arr`, as
    position pairs; `extra` (one value per member) is filtered alike. Members are looked
    up in a hash index of the present cells (pandas), ~3× a binary search on 10⁷ members."""
    at = pd.Index(arr[present]).get_indexer(ring)
    hit = at >= 0
    row = np.repeat(present, lengths)[hit]
    kept = None if extra is None else extra[hit]
    return row.astype(np.int64, copy=False), present[at[hit]].astype(np.int64), kept


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

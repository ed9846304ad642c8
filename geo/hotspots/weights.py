"""Binary k-ring spatial weights between H3 cells, and their space-time extension.

One vectorised pass: H3's grid_disk over all cells at once (h3ronpy, in Rust), then a
sorted lookup keeping the neighbours present in the analysed set; the pairs come out
grouped by row, so the CSR matrix is assembled directly. `geo.hexes.neighbours`
gives the same pairs but also sorts the columns inside each row, which CSR does not
need and which costs as much as the lookup itself; weights construction is timed in
the benchmark, so this path skips it.
"""

from __future__ import annotations

import h3ronpy
import numpy as np
import pyarrow as pa
from scipy import sparse


def kring_pairs(cells: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions (row, col) with cells[col] within k grid steps of cells[row], self included.

    `cells` must be distinct valid H3 cells of one resolution; only cells in `cells`
    count as neighbours. Rows come out ascending (columns unordered within a row).
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    arr = np.ascontiguousarray(np.asarray(cells).astype(np.uint64, copy=False).ravel())
    if arr.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    order = np.argsort(arr, kind="stable")
    sorted_cells = arr[order]
    if np.any(sorted_cells[1:] == sorted_cells[:-1]):
        raise ValueError("cells must be distinct")
    disks = pa.array(h3ronpy.grid_disk(arr, k))
    ring = np.asarray(disks.flatten()).astype(np.uint64, copy=False)
    rows = np.repeat(np.arange(arr.size, dtype=np.int64), np.asarray(disks.value_lengths()))
    pos = np.minimum(np.searchsorted(sorted_cells, ring), arr.size - 1)
    hit = sorted_cells[pos] == ring
    return rows[hit], order[pos[hit]].astype(np.int64)


def ring_pairs(cells: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like `kring_pairs`, with the grid distance (0…k) of each pair; positions as int32.

    One grid_disk_distances call serves every neighbourhood size up to k, which is
    what incremental spatial autocorrelation needs.
    """
    if k < 0:
        raise ValueError("k must be >= 0")
    arr = np.ascontiguousarray(np.asarray(cells).astype(np.uint64, copy=False).ravel())
    if arr.size == 0:
        empty = np.empty(0, dtype=np.int32)
        return empty, empty, empty
    order = np.argsort(arr, kind="stable").astype(np.int32)
    sorted_cells = arr[order]
    if np.any(sorted_cells[1:] == sorted_cells[:-1]):
        raise ValueError("cells must be distinct")
    disks = pa.record_batch(h3ronpy.grid_disk_distances(arr, k, flatten=False))
    lists = disks.column("cell")
    ring = np.asarray(lists.flatten()).astype(np.uint64, copy=False)
    dist = np.asarray(disks.column("k").flatten()).astype(np.int32)
    rows = np.repeat(np.arange(arr.size, dtype=np.int32), np.asarray(lists.value_lengths()))
    pos = np.minimum(np.searchsorted(sorted_cells, ring), arr.size - 1)
    hit = sorted_cells[pos] == ring
    return rows[hit], order[pos[hit]], dist[hit]


def kring_weights(cells: np.ndarray, k: int, self_weight: bool = True) -> sparse.csr_matrix:
    """Binary k-ring weights as a CSR matrix (rows and columns in the order of `cells`).

    `self_weight=True` gives the Gi* weights (cell itself included); False gives
    those of global Moran's I.
    """
    rows, cols = kring_pairs(cells, k)
    if not self_weight:
        keep = rows != cols
        rows, cols = rows[keep], cols[keep]
    n = len(cells)
    indptr = np.searchsorted(rows, np.arange(n + 1))
    return sparse.csr_matrix((np.ones(len(cols)), cols, indptr), shape=(n, n))


def space_time_weights(spatial: sparse.spmatrix, n_periods: int, time_lag: int = 1) -> sparse.csr_matrix:
    """Space-time weights over a cube ordered period-major (index = t * n_cells + cell).

    A bin's neighbours are its spatial neighbours in the same period and the same
    neighbours in the `time_lag` periods *before* it, never after: ArcGIS Emerging
    Hot Spot Analysis's "Neighborhood Time Step" counts the previous time-step
    intervals only, so a bin's Gi* is known as soon as its period closes and a
    cluster planted in the final period is not smeared into the one before it.
    """
    if time_lag < 0:
        raise ValueError("time_lag must be >= 0")
    lags = [-d for d in range(min(time_lag, n_periods - 1) + 1)]
    band = sparse.diags([np.ones(n_periods - abs(d)) for d in lags], lags,
                        shape=(n_periods, n_periods))
    return sparse.kron(band, spatial, format="csr")

"""Binary k-ring spatial weights between H3 cells, and their space-time extension.

Built in one vectorised pass (H3's grid_disk in Rust via h3ronpy, then a sorted
lookup), never a Python loop per cell: weights construction is part of what the
benchmark times.
"""

from __future__ import annotations

import h3ronpy
import numpy as np
import pyarrow as pa
from scipy import sparse


def kring_pairs(cells: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) with cells[j] in the k-ring of cells[i] (i == j included).

    Only cells present in `cells` are neighbours; `cells` must be unique.
    """
    cells = np.asarray(cells, dtype=np.uint64)
    if k < 0:
        raise ValueError("k must be >= 0")
    if len(cells) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    disks = pa.array(h3ronpy.grid_disk(cells, k, flatten=False))
    lengths = np.diff(np.asarray(disks.offsets, dtype=np.int64))
    flat = np.asarray(disks.flatten(), dtype=np.uint64)
    rows = np.repeat(np.arange(len(cells), dtype=np.int64), lengths)
    order = np.argsort(cells, kind="stable")
    sorted_cells = cells[order]
    pos = np.searchsorted(sorted_cells, flat)
    pos[pos == len(cells)] = 0
    present = sorted_cells[pos] == flat
    return rows[present], order[pos[present]].astype(np.int64)


def kring_weights(cells: np.ndarray, k: int, self_weight: bool = True) -> sparse.csr_matrix:
    """Binary k-ring weights as a CSR matrix (rows and columns in the order of `cells`).

    `self_weight=True` gives the Gi* weights (cell itself included); False gives the
    weights of global Moran's I (diagonal zero).
    """
    rows, cols = kring_pairs(cells, k)
    if not self_weight:
        keep = rows != cols
        rows, cols = rows[keep], cols[keep]
    n = len(cells)
    data = np.ones(len(rows), dtype=np.float64)
    return sparse.csr_matrix((data, (rows, cols)), shape=(n, n))


def space_time_weights(spatial: sparse.spmatrix, n_periods: int, time_lag: int = 1) -> sparse.csr_matrix:
    """Space-time weights over a cube ordered period-major (index = t * n_cells + cell).

    A bin's neighbours are its spatial neighbours in the same period and in the
    `time_lag` periods before and after (ArcGIS Emerging Hot Spot Analysis).
    """
    band = sparse.diags(
        [np.ones(n_periods - abs(d)) for d in range(-time_lag, time_lag + 1)],
        list(range(-time_lag, time_lag + 1)),
        shape=(n_periods, n_periods),
    )
    return sparse.kron(band, spatial, format="csr")

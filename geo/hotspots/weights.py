"""Binary k-ring spatial weights between H3 cells, and their space-time extension.

The neighbour pairs come from `geo.hexes.neighbours` (one vectorised grid_disk over all
cells, then a sorted lookup keeping the neighbours present in the analysed set); they
come grouped by row, so the CSR matrix is assembled directly, without sorting the
columns inside each row (`sort=False`: CSR does not need it).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from geo.hexes import neighbours


def kring_weights(cells: np.ndarray, k: int, self_weight: bool = True) -> sparse.csr_matrix:
    """Binary k-ring weights as a CSR matrix (rows and columns in the order of `cells`).

    `self_weight=True` gives the Gi* weights (cell itself included); False gives
    those of global Moran's I.
    """
    rows, cols = neighbours(cells, k, sort=False)
    if not self_weight:
        keep = rows != cols
        rows, cols = rows[keep], cols[keep]
    n = len(cells)
    indptr = np.searchsorted(rows, np.arange(n + 1))
    return sparse.csr_matrix((np.ones(len(cols)), cols, indptr), shape=(n, n))


def space_time_weights(
    spatial: sparse.spmatrix, n_periods: int, time_lag: int = 1
) -> sparse.csr_matrix:
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
    band = sparse.diags(
        [np.ones(n_periods - abs(d)) for d in lags], lags, shape=(n_periods, n_periods)
    )
    return sparse.kron(band, spatial, format="csr")


def space_time_sums(
    spatial: sparse.spmatrix, values: np.ndarray, time_lag: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(W·y, row sums of W, of W²) for W = space_time_weights(spatial, periods, time_lag)
    and y = values.ravel() (values: periods × cells), without building W.

    W repeats `spatial` once per period looked at, so W·y of a bin is the sum of the
    spatial products of its period and the `time_lag` before, and its row sums are
    the spatial ones times the periods it sees. W at city scale (10⁵ cells × 24 months)
    holds ~10⁸ entries and took longer to build than the whole test to use it; with
    binary weights and counts every sum is an integer, so the results are W's exactly.
    """
    if time_lag < 0:
        raise ValueError("time_lag must be >= 0")
    values = np.asarray(values, dtype=np.float64)
    n_periods = values.shape[0]
    lag = min(time_lag, n_periods - 1) if n_periods else 0
    s = sparse.csr_matrix(spatial)
    per_period = np.asarray(s @ values.T).T  # spatial products, one row per period
    wy = per_period.copy()
    for d in range(1, lag + 1):
        wy[d:] += per_period[:-d]
    seen = (np.minimum(np.arange(n_periods), lag) + 1)[:, None]
    rows = np.asarray(s.sum(axis=1)).ravel()[None, :]
    rows2 = np.asarray(s.multiply(s).sum(axis=1)).ravel()[None, :]
    return wy.ravel(), (seen * rows).ravel(), (seen * rows2).ravel()

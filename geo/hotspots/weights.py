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

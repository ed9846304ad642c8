"""Automatic neighbourhood size: incremental spatial autocorrelation over k-rings.

Like ArcGIS Optimized Hot Spot Analysis: global Moran's I (binary weights, z under
the randomisation assumption) at each k; the first peak of the z-score is the
scale at which clustering is most pronounced; without a peak, the largest z wins.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import sparse, stats

from geo.hotspots.gi_star import study_values
from geo.hotspots.weights import kring_weights


def morans_i(y: np.ndarray, w: sparse.spmatrix) -> tuple[float, float, float]:
    """Global Moran's I, its z-score and two-sided p under randomisation (Cliff & Ord)."""
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    if n < 4:
        return float("nan"), 0.0, 1.0
    w = sparse.csr_matrix(w)
    d = y - y.mean()
    s0 = w.sum()
    m2 = (d * d).sum()
    if s0 == 0 or m2 == 0:
        return float("nan"), 0.0, 1.0
    i_stat = n / s0 * (d @ (w @ d)) / m2
    sym = w + w.T
    s1 = 0.5 * sym.multiply(sym).sum()
    s2 = ((np.asarray(w.sum(axis=1)).ravel() + np.asarray(w.sum(axis=0)).ravel()) ** 2).sum()
    b2 = n * (d**4).sum() / m2**2
    ei = -1.0 / (n - 1)
    num = n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0) - b2 * (
        (n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0
    )
    vi = num / ((n - 1) * (n - 2) * (n - 3) * s0 * s0) - ei * ei
    z = (i_stat - ei) / np.sqrt(vi) if vi > 0 else 0.0
    return float(i_stat), float(z), float(2.0 * stats.norm.sf(abs(z)))


def first_peak(z: np.ndarray) -> int | None:
    """Position of the first local maximum strictly above both neighbours, if any."""
    z = np.asarray(z, dtype=np.float64)
    for i in range(1, len(z) - 1):
        if z[i] > z[i - 1] and z[i] > z[i + 1]:
            return i
    return None


def choose_k(
    counts: pd.Series, area: Iterable[int] | None = None, ks: Iterable[int] = range(1, 8)
) -> tuple[int, pd.DataFrame]:
    """The k-ring size with the first peak of Moran's I z (else the max), and the table.

    The table has one row per k: k, moran_i, z, p, peak (True on the chosen row).
    """
    values = study_values(counts, area)
    cells = values.index.to_numpy(dtype=np.uint64)
    y = values.to_numpy()
    ks = list(ks)
    if not ks:
        raise ValueError("ks is empty")
    rows = [(k, *morans_i(y, kring_weights(cells, k, self_weight=False))) for k in ks]
    table = pd.DataFrame(rows, columns=["k", "moran_i", "z", "p"])
    peak = first_peak(table["z"].to_numpy())
    chosen = peak if peak is not None else int(np.nanargmax(table["z"].to_numpy()))
    table["peak"] = table.index == chosen
    return int(table.loc[chosen, "k"]), table

"""Automatic neighbourhood size: incremental spatial autocorrelation over k-rings.

Like ArcGIS Optimized Hot Spot Analysis: global Moran's I (binary weights, z under
the randomisation assumption) at each k; the first peak of the z-score is the
scale at which clustering is most pronounced; without a peak, the largest z wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import sparse, stats

from geo.hexes import neighbour_distances
from geo.hotspots.gi_star import study_values


def _moran(
    n: int, d: np.ndarray, cross: float, s0: float, s1: float, s2: float
) -> tuple[float, float, float]:
    """I, z and two-sided p from the deviations `d`, Σ w_ij d_i d_j and the weight sums."""
    m2 = (d * d).sum()
    if n < 4 or s0 == 0 or m2 == 0:
        return float("nan"), 0.0, 1.0
    i_stat = n / s0 * cross / m2
    b2 = n * (d**4).sum() / m2**2
    ei = -1.0 / (n - 1)
    num = n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0) - b2 * (
        (n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0
    )
    vi = num / ((n - 1) * (n - 2) * (n - 3) * s0 * s0) - ei * ei
    z = (i_stat - ei) / np.sqrt(vi) if vi > 0 else 0.0
    return float(i_stat), float(z), float(2.0 * stats.norm.sf(abs(z)))


def morans_i(y: np.ndarray, w: sparse.spmatrix) -> tuple[float, float, float]:
    """Global Moran's I, its z-score and two-sided p under randomisation (Cliff & Ord)."""
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    if n == 0:
        return float("nan"), 0.0, 1.0
    w = sparse.csr_matrix(w)
    d = y - y.mean()
    sym = w + w.T
    s1 = 0.5 * sym.multiply(sym).sum()
    s2 = ((np.asarray(w.sum(axis=1)).ravel() + np.asarray(w.sum(axis=0)).ravel()) ** 2).sum()
    return _moran(n, d, float(d @ (w @ d)), float(w.sum()), float(s1), float(s2))


def morans_i_by_k(y: np.ndarray, cells: np.ndarray, ks: Sequence[int]) -> pd.DataFrame:
    """Moran's I (binary k-ring weights, no self) for every k in `ks` from one ring search.

    Pairs are grouped by grid distance, so each k's sums are cumulative sums over rings
    (the weights are symmetric: S1 = 2·S0, S2 = 4·Σ rowsum²).
    """
    y = np.asarray(y, dtype=np.float64)
    n, kmax = len(y), max(ks)
    d = y - y.mean() if n else y
    rows, cols, dist = neighbour_distances(cells, kmax)
    per_ring = np.bincount(dist, weights=d[rows] * d[cols], minlength=kmax + 1)
    degree = np.bincount(
        rows.astype(np.int64) * (kmax + 1) + dist, minlength=n * (kmax + 1)
    ).reshape(n, kmax + 1)
    degree = np.cumsum(degree[:, 1:], axis=1)  # neighbours within 1…kmax steps
    cross = np.cumsum(per_ring[1:])
    out = []
    for k in ks:
        rowsum = degree[:, k - 1].astype(np.float64)
        s0 = rowsum.sum()
        out.append(
            (k, *_moran(n, d, float(cross[k - 1]), s0, 2 * s0, float(4 * (rowsum**2).sum())))
        )
    return pd.DataFrame(out, columns=["k", "moran_i", "z", "p"])


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
    ks = [int(k) for k in ks]
    if not ks or min(ks) < 1:
        raise ValueError("ks must be a non-empty range of k >= 1")
    values = study_values(counts, area)
    table = morans_i_by_k(values.to_numpy(), values.index.to_numpy(dtype=np.uint64), ks)
    peak = first_peak(table["z"].to_numpy())
    chosen = peak if peak is not None else int(np.nanargmax(table["z"].to_numpy()))
    table["peak"] = table.index == chosen
    return int(table.loc[chosen, "k"]), table

"""Getis–Ord local Gi* hot spots on H3 cells (Getis & Ord 1992, Ord & Getis 1995).

The analytic z-score is the one ArcGIS's Hot Spot Analysis reports:

    z_i = (Σ_j w_ij x_j − x̄ Σ_j w_ij) / (S √[(n Σ_j w_ij² − (Σ_j w_ij)²) / (n − 1)])

with x̄ and S the mean and (population) standard deviation of all n values. With
binary weights that include the cell itself it equals PySAL esda's
``G_Local(y, w, transform="B", star=True).Zs``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import sparse, stats

from geo.hotspots.fdr import benjamini_hochberg, confidence_bins
from geo.hotspots.weights import kring_weights


def gi_star_z(y: np.ndarray, w: sparse.spmatrix) -> np.ndarray:
    """Gi* z-scores of values `y` under weights `w` (self-weight on the diagonal).

    Degenerate cases (all values equal, or a neighbourhood spanning every value)
    have no variance to test and get z = 0.
    """
    y = np.asarray(y, dtype=np.float64)
    if len(y) == 0:
        return np.zeros(0)
    w = sparse.csr_matrix(w)
    sw = np.asarray(w.sum(axis=1)).ravel()
    sw2 = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    return gi_star_from(y, w @ y, sw, sw2)


def gi_star_from(y: np.ndarray, wy: np.ndarray, sw: np.ndarray, sw2: np.ndarray) -> np.ndarray:
    """Gi* z-scores from the weighted sums: `wy` = W·y, `sw` and `sw2` the row sums of W
    and of W² (so a caller can get them without building W, as emerging does)."""
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    if n == 0:
        return np.zeros(0)
    mean = y.mean()
    s = np.sqrt(max((y * y).mean() - mean * mean, 0.0))
    num = wy - mean * sw
    den = s * np.sqrt(np.maximum(n * sw2 - sw * sw, 0.0) / max(n - 1, 1))
    z = np.zeros(n)
    ok = den > 0
    z[ok] = num[ok] / den[ok]
    return z


def study_values(counts: pd.Series, area: Iterable[int] | None) -> pd.Series:
    """The values analysed: `counts` on the study area (absent cells count 0).

    Without `area` the study area is the cells of `counts`. Counts outside a given
    area are left out: the study area is what the analyst asked for.
    """
    counts = pd.Series(counts, dtype=np.float64)
    counts.index = counts.index.astype(np.int64)
    counts = counts.groupby(level=0).sum()
    if area is None:
        return counts.sort_index()
    cells = np.unique(np.fromiter((int(c) for c in area), dtype=np.int64))
    return counts.reindex(cells, fill_value=0.0)


def z_table(cells: np.ndarray, values: np.ndarray, z: np.ndarray) -> pd.DataFrame:
    """value, gi_z, two-sided normal p, BH-adjusted p and the Gi_Bin per cell."""
    p = 2.0 * stats.norm.sf(np.abs(z))
    p_fdr = benjamini_hochberg(p)
    return pd.DataFrame(
        {"value": values, "gi_z": z, "p": p, "p_fdr": p_fdr, "bin": confidence_bins(z, p_fdr)},
        index=pd.Index(cells, name="cell"),
    )


def gi_star(counts: pd.Series, k: int = 1, area: Iterable[int] | None = None) -> pd.DataFrame:
    """Gi* hot/cold spots of H3 cell counts with binary k-ring weights (self included).

    `counts`: Series indexed by H3 cell (int); `area`: study-area cells, counted as 0
    where absent. Returns a DataFrame indexed by cell with value, gi_z, p, p_fdr, bin.
    """
    values = study_values(counts, area)
    cells = values.index.to_numpy(dtype=np.int64)
    w = kring_weights(cells.astype(np.uint64), k, self_weight=True)
    y = values.to_numpy()
    return z_table(cells, y, gi_star_z(y, w))

"""Is this period's count in a cell beyond what the cell's own history makes plausible?

Incident counts are overdispersed: cells differ in their rates, and a cell's count
varies from period to period more than a Poisson count would. The test uses a
negative-binomial predictive distribution for each cell's current count:

- **mean** — the cell's rate shrunk toward the rates of all cells (empirical Bayes,
  Gamma–Poisson; Clayton & Kaldor 1987): rates λ_c ~ Gamma(a, b) with a, b fitted by
  the method of moments to the cells' history means, so a cell with a short or empty
  history is judged against the city, not against zero:
  E[λ_c | history] = (a + S_c) / (b + H), with S_c the cell's total over H periods;
- **variance** — Poisson noise, plus the uncertainty of that rate (1 / (a + S_c)), plus
  the pooled period-to-period overdispersion φ of the cells (var = μ + φ μ², fitted by
  the method of moments over cells with counts): var = μ + μ² (1/(a + S_c) + φ);
  the NB size parameter is r = 1 / (1/(a + S_c) + φ).

The upper-tail probability P(X ≥ x) is then corrected for testing many cells at once
with Benjamini–Hochberg (cells with no incident this period cannot surge and are not
tested). Discrete p-values make the correction conservative, never liberal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from geo.hotspots.fdr import benjamini_hochberg


def gamma_prior(history: np.ndarray) -> tuple[float, float]:
    """(shape a, rate b) of the Gamma distribution of cell rates, by the method of moments.

    `history`: cells × periods counts. The between-cell variance of the rates is the
    variance of the cells' means less the Poisson part (mean / H); without any
    heterogeneity the prior is a near point mass at the city's mean rate.
    """
    n_cells, n_periods = history.shape
    means = history.mean(axis=1)
    m = float(means.mean()) if n_cells else 0.0
    if m <= 0:
        return 1e-3, 1.0  # no incident in the history: a vague prior near zero
    between = float(means.var()) - m / n_periods
    if between <= 1e-12:
        return m * 1e6, 1e6
    return m * m / between, m / between


def overdispersion(history: np.ndarray) -> float:
    """Pooled φ ≥ 0 in var = μ + φ μ² of the cells' period-to-period counts."""
    if history.shape[1] < 2:
        return 0.0
    mu = history.mean(axis=1)
    var = history.var(axis=1, ddof=1)
    used = mu > 0
    denom = float((mu[used] ** 2).sum())
    return max(float((var[used] - mu[used]).sum()) / denom, 0.0) if denom > 0 else 0.0


def surge(history: pd.DataFrame, current: pd.Series) -> pd.DataFrame:
    """Upper-tail test of each cell's `current` count against its `history`.

    `history`: DataFrame indexed by cell, one column per past period (zeros where a
    cell had none); `current`: counts this period, indexed by cell (cells absent from
    `history` have an empty history). Returns, indexed by cell: `count`, `expected`
    (the predictive mean), `p` (P(X ≥ count)) and `p_fdr` (BH over cells with count ≥ 1;
    NaN for cells with none).
    """
    cells = history.index.union(current.index)
    hist = history.reindex(cells, fill_value=0).to_numpy(dtype=np.float64)
    if hist.shape[1] == 0:
        raise ValueError("history needs at least one period")
    x = current.reindex(cells, fill_value=0).to_numpy(dtype=np.float64)
    a, b = gamma_prior(hist)
    phi = overdispersion(hist)
    shape = a + hist.sum(axis=1)
    mean = shape / (b + hist.shape[1])
    size = 1.0 / (1.0 / shape + phi)
    p = np.full(len(cells), np.nan)
    tested = x >= 1
    # scipy's nbinom(n, p): mean n (1 - p) / p, so p = size / (size + mean)
    p[tested] = stats.nbinom.sf(
        x[tested] - 1, size[tested], size[tested] / (size[tested] + mean[tested])
    )
    return pd.DataFrame(
        {"count": x.astype(np.int64), "expected": mean, "p": p, "p_fdr": benjamini_hochberg(p)},
        index=pd.Index(cells, name="cell"),
    )

"""Mann–Kendall monotonic trend test, vectorised over many series at once.

S = Σ_{i<j} sign(x_j − x_i); Var(S) = [n(n−1)(2n+5) − Σ_t t(t−1)(2t+5)] / 18 with t
the sizes of tied groups; z = (S − sign S) / √Var(S) (continuity correction);
p two-sided normal. The loops run over time steps, never over series.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def mann_kendall(series: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(S, z, p) for each row of `series` (shape: n_series × n_steps)."""
    x = np.atleast_2d(np.asarray(series, dtype=np.float64))
    m, n = x.shape
    s = np.zeros(m)
    for i in range(n - 1):
        s += np.sign(x[:, i + 1 :] - x[:, i : i + 1]).sum(axis=1)
    # Σ over tied groups of t(t−1)(2t+5) == Σ over elements of (t_e−1)(2t_e+5)
    tie_size = np.zeros((m, n))
    for j in range(n):
        tie_size += x == x[:, j : j + 1]
    ties = ((tie_size - 1) * (2 * tie_size + 5)).sum(axis=1)
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    z = np.zeros(m)
    ok = (var > 0) & (s != 0)
    z[ok] = (s[ok] - np.sign(s[ok])) / np.sqrt(var[ok])
    p = 2.0 * stats.norm.sf(np.abs(z))
    return s, z, p

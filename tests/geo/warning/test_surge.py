"""The surge test: a planted jump is found, a stationary series gives no more alerts than the
false-discovery rate allows, and the p-value is the negative-binomial tail it claims."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from geo.warning.surge import gamma_prior, overdispersion, surge


def _poisson_cells(rng, n_cells=400, n_periods=27, rates=None):
    rates = rng.gamma(2.0, 1.5, n_cells) if rates is None else rates
    counts = rng.poisson(rates[:, None], (n_cells, n_periods))
    cells = pd.Index(np.arange(1, n_cells + 1, dtype=np.int64), name="cell")
    history = pd.DataFrame(counts[:, :-1], index=cells)
    return history, pd.Series(counts[:, -1], index=cells)


def test_a_planted_surge_in_a_quiet_cell_is_the_most_significant():
    rng = np.random.default_rng(7)
    history, current = _poisson_cells(rng)
    quiet = history.sum(axis=1).idxmin()
    current[quiet] = 14
    result = surge(history, current)
    assert result["p_fdr"].idxmin() == quiet
    assert result.loc[quiet, "p_fdr"] < 1e-4
    assert result.loc[quiet, "count"] == 14


def test_stationary_counts_give_no_more_alerts_than_the_fdr_allows():
    # under the complete null, BH at 5 % rejects anything in at most 5 % of the runs
    runs_with_alerts = 0
    for seed in range(40):
        history, current = _poisson_cells(np.random.default_rng(seed))
        runs_with_alerts += bool((surge(history, current)["p_fdr"] < 0.05).any())
    assert runs_with_alerts <= 4


def test_cells_without_history_are_judged_against_the_city_not_zero():
    history = pd.DataFrame([[2, 3, 2, 1], [0, 0, 0, 0]], index=pd.Index([10, 11], name="cell"))
    result = surge(history, pd.Series({12: 1}))
    # the new cell 12 had no incident yet: its expected count is the shrunk city rate, not
    # zero, so one incident there is no surge
    a, b = gamma_prior(history.reindex([10, 11, 12], fill_value=0).to_numpy(float))
    assert np.isclose(result.loc[12, "expected"], a / (b + 4)) and result.loc[12, "expected"] > 0
    assert result.loc[12, "p"] > 0.05
    assert np.isnan(result.loc[11, "p"])  # no incident this period: not tested


def test_p_is_the_negative_binomial_tail_of_the_moment_fit():
    rng = np.random.default_rng(3)
    history, current = _poisson_cells(rng, n_cells=50, n_periods=13)
    result = surge(history, current)
    hist = history.to_numpy(float)
    means = hist.mean(axis=1)
    m = means.mean()
    between = means.var() - m / hist.shape[1]
    a, b = m * m / between, m / between
    mu, var = hist.mean(axis=1), hist.var(axis=1, ddof=1)
    phi = max(((var - mu)[mu > 0]).sum() / (mu[mu > 0] ** 2).sum(), 0.0)
    cell = current.idxmax()
    r = 1 / (1 / (a + history.loc[cell].sum()) + phi)
    mean = (a + history.loc[cell].sum()) / (b + hist.shape[1])
    expected_p = sum(stats.nbinom.pmf(x, r, r / (r + mean)) for x in range(current[cell], 500))
    assert np.isclose(result.loc[cell, "p"], expected_p, rtol=1e-6)
    assert np.isclose(result.loc[cell, "expected"], mean)
    assert (a, b) == gamma_prior(hist)
    assert phi == overdispersion(hist)


def test_overdispersed_history_widens_the_tail():
    idx = pd.Index([1, 2], name="cell")
    steady = pd.DataFrame([[5] * 12, [5] * 12], index=idx)
    bursty = pd.DataFrame([[0, 10] * 6, [10, 0] * 6], index=idx)
    now = pd.Series({1: 12, 2: 12})
    assert surge(bursty, now).loc[1, "p"] > surge(steady, now).loc[1, "p"]

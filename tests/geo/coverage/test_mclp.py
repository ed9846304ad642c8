"""Maximal covering: the exact MCLP (HiGHS) against a known optimum, enumeration and
spopt's own MCLP (CBC), and the greedy against its guarantee."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from scipy import sparse
from shapely.geometry import Point

from geo.coverage.mclp import (
    coverage_matrix,
    dominated,
    exact,
    greedy,
    mclp,
    merge_equivalent,
)

CRS = "EPSG:4549"
X0, Y0 = 500_000.0, 3_460_000.0
RADIUS = 110.0


def _pts(xy) -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(X0 + x, Y0 + y) for x, y in xy], crs=CRS)


# Clients 1–4 on a line 200 m apart (weight 1) and client 5 (weight 0.5) above the middle.
# Site A covers {1, 2}, B covers {3, 4}, C covers {2, 3, 5}: with two sites the optimum is
# {A, B} = 4, while greedy takes C first (2.5) and ends with 3.5.
DEMAND = _pts([(0, 0), (200, 0), (400, 0), (600, 0), (300, 60)])
WEIGHTS = np.array([1, 1, 1, 1, 0.5])
SITES = _pts([(100, 0), (500, 0), (300, 0)])  # A, B, C


def test_coverage_matrix_is_the_designed_sets():
    cover = coverage_matrix(DEMAND, SITES, RADIUS).toarray()
    assert cover.tolist() == [[1, 1, 0, 0, 0], [0, 0, 1, 1, 0], [0, 1, 1, 0, 1]]


def test_exact_finds_the_known_optimum():
    result = mclp(DEMAND, WEIGHTS, SITES, RADIUS, 2, method="exact")
    assert sorted(result.chosen) == [0, 1]
    assert result.covered_weight == pytest.approx(4.0)
    assert result.total_weight == pytest.approx(4.5)
    assert result.upper_bound == pytest.approx(4.0)


def test_greedy_is_worse_here_but_within_its_bound():
    result = mclp(DEMAND, WEIGHTS, SITES, RADIUS, 2, method="greedy")
    assert result.chosen == [2, 0]
    assert result.gains == [2.5, 1.0]
    assert result.covered_weight == pytest.approx(3.5)
    # the (1 − 1/e) guarantee against the known optimum of 4
    assert result.covered_weight >= (1 - 1 / np.e) * 4.0
    # the data-dependent bound really bounds the optimum
    assert result.upper_bound >= 4.0


def test_exact_and_greedy_agree_with_brute_force_on_random_cases():
    from itertools import combinations

    rng = np.random.default_rng(7)
    for _ in range(5):
        demand = _pts(rng.uniform(0, 1000, (30, 2)))
        sites = _pts(rng.uniform(0, 1000, (8, 2)))
        weights = rng.integers(0, 5, 30).astype(float)
        cover = coverage_matrix(demand, sites, 250.0).toarray() > 0
        best = max(weights[cover[list(c)].any(axis=0)].sum() for c in combinations(range(8), 3))
        ex = exact(coverage_matrix(demand, sites, 250.0), weights, 3)
        gr = greedy(coverage_matrix(demand, sites, 250.0), weights, 3)
        assert ex.covered_weight == pytest.approx(best)
        assert (1 - 1 / np.e) * best <= gr.covered_weight <= best + 1e-9
        assert gr.upper_bound >= best - 1e-9


def test_more_sites_than_useful_and_nothing_to_cover():
    result = mclp(DEMAND, WEIGHTS, SITES, RADIUS, 10, method="exact")
    assert result.covered_weight == pytest.approx(4.5)
    assert greedy(
        coverage_matrix(DEMAND, SITES, RADIUS), WEIGHTS, 10
    ).covered_weight == pytest.approx(4.5)
    empty = mclp(DEMAND, np.zeros(5), SITES, RADIUS, 2)
    assert empty.chosen == [] and empty.covered_weight == 0


def test_unknown_method():
    with pytest.raises(ValueError, match="unknown method"):
        mclp(DEMAND, WEIGHTS, SITES, RADIUS, 2, method="best")


def test_auto_keeps_greedy_only_when_its_bound_proves_it_optimal():
    result = mclp(DEMAND, WEIGHTS, SITES, RADIUS, 2)  # greedy 3.5, bound 4.5: solve exactly
    assert result.method == "exact" and result.covered_weight == pytest.approx(4.0)
    result = mclp(DEMAND, WEIGHTS, SITES, RADIUS, 3)  # greedy covers everything: optimal
    assert result.method == "greedy" and result.guarantee == 1.0
    assert result.covered_weight == pytest.approx(4.5)


def test_auto_decides_on_the_time_budget_and_states_the_gap():
    # greedy cannot prove itself optimal here (3.5 against a bound ≥ 4)
    rushed = mclp(DEMAND, WEIGHTS, SITES, RADIUS, 2, method="auto", time_budget=0)
    assert (rushed.method, rushed.optimal, rushed.covered_weight) == ("greedy", False, 3.5)
    assert rushed.gap == pytest.approx(1 - 3.5 / rushed.upper_bound) and rushed.gap > 0
    given = mclp(DEMAND, WEIGHTS, SITES, RADIUS, 2, method="auto", time_budget=30)
    assert (given.method, given.optimal, given.covered_weight, given.gap) == (
        "exact",
        True,
        4.0,
        0.0,
    )


def test_greedy_that_meets_its_bound_is_optimal_with_no_gap():
    result = mclp(DEMAND, WEIGHTS, SITES, RADIUS, 3, method="auto", time_budget=0)
    assert (result.method, result.optimal, result.covered_weight, result.gap) == (
        "greedy",
        True,
        4.5,
        0.0,
    )


def test_equivalent_demand_is_merged_without_changing_any_answer():
    cover = coverage_matrix(DEMAND, SITES, RADIUS)
    doubled = sparse.hstack([cover, cover]).tocsr()
    merged, weights = merge_equivalent(doubled, np.r_[WEIGHTS, WEIGHTS])
    assert merged.shape == (3, 5) and weights.tolist() == (2 * WEIGHTS).tolist()
    assert merged.toarray().tolist() == cover.toarray().tolist()


def test_exact_equals_spopts_mclp_on_random_cases():
    """The reference: spopt.locate.MCLP (Church & ReVelle, solved by CBC) covers the same
    weight as HiGHS on the same matrix; the sites may differ only between equal optima."""
    import pulp
    from spopt.locate import MCLP

    rng = np.random.default_rng(11)
    for _ in range(4):
        demand = _pts(rng.uniform(0, 2000, (120, 2)))
        sites = _pts(rng.uniform(0, 2000, (25, 2)))
        weights = rng.integers(1, 6, 120).astype(float)
        cover = coverage_matrix(demand, sites, 300.0)
        costs = np.where(cover.T.toarray() > 0, 0.0, 2.0)  # within radius 1 ⇔ covered
        model = MCLP.from_cost_matrix(costs, weights, service_radius=1.0, p_facilities=4)
        model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
        chosen = [j for j, v in enumerate(model.fac_vars) if (v.value() or 0) > 0.5]
        reference = weights[cover[chosen].toarray().any(axis=0)].sum()
        ours = exact(cover, weights, 4, None)
        assert ours.optimal and ours.covered_weight == pytest.approx(reference)
        assert ours.covered_weight == pytest.approx(
            weights[cover[ours.chosen].toarray().any(axis=0)].sum()
        )


def test_dominated_candidates_are_the_strict_and_repeated_subsets():
    # sites × demand: 0 ⊂ 1; 2 == 3 (the later one goes); 4 stands alone
    cover = sparse.csr_matrix(
        np.array(
            [
                [1, 0, 0, 0, 0],
                [1, 1, 0, 0, 0],
                [0, 0, 1, 1, 0],
                [0, 0, 1, 1, 0],
                [0, 0, 0, 0, 1],
            ],
            dtype=float,
        )
    )
    assert dominated(cover).tolist() == [True, False, False, True, False]

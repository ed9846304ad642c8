"""Where N new facilities would cover the most demand: the maximal covering location problem.

Demand points carry a weight (e.g. one per incident not yet covered); candidate sites are
points (e.g. H3 cell centres); a site covers the demand within the service radius
(straight line, metric CRS). Demand points that exactly the same candidates reach are
interchangeable, so they are merged into one weighted point before solving: an exact
reduction, nothing is moved. Two solvers:

- `exact`: the MCLP integer programme of Church & ReVelle (1974) via spopt.locate.MCLP and
  the CBC solver bundled with PuLP, optimal when CBC proves it within its time limit.
- `greedy`: add the site with the largest uncovered weight N times. Coverage is monotone
  submodular, so greedy reaches at least 1 − (1 − 1/N)^N > 1 − 1/e ≈ 63.2 % of the optimum
  (Nemhauser, Wolsey & Fisher 1978). Each step also yields a data-dependent upper bound on
  the optimum, OPT ≤ f(S) + the N largest marginal gains, reported as `upper_bound`.

`method="auto"` decides on a time budget, not on the matrix size: greedy first (fast);
when its bound already proves it optimal, that is the answer; otherwise the exact
programme gets what is left of `time_budget` seconds, building included (in a child
process ended at the deadline). If CBC proves optimality in time the answer is exact
(gap 0); if not, the better of CBC's incumbent and greedy is returned with the gap to
the best proven bound; if the programme is not even solved in time, greedy with its
gap. Every result states its method and
`gap` = 1 − covered / upper_bound.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from geo.coverage.facilities import in_metric

#: seconds `method="auto"` may spend in all (greedy, building the programme, CBC)
TIME_BUDGET_S = 30.0


@dataclass(frozen=True)
class Siting:
    """Chosen candidate positions (in choice order for greedy) and what they cover."""

    chosen: list[int]
    covered_weight: float
    total_weight: float
    method: str
    #: a proven upper bound on the optimum (equal to covered_weight when exact)
    upper_bound: float
    #: weight newly covered by each chosen site, in the order of `chosen`
    gains: list[float] = field(default_factory=list)
    #: True when the solution is proven optimal (CBC's proof, or greedy meeting its bound)
    optimal: bool = False

    @property
    def share(self) -> float:
        return self.covered_weight / self.total_weight if self.total_weight > 0 else 0.0

    @property
    def guarantee(self) -> float:
        """covered_weight / upper_bound: the solution is at least this share of optimal."""
        return self.covered_weight / self.upper_bound if self.upper_bound > 0 else 1.0

    @property
    def gap(self) -> float:
        """Optimality gap 1 − covered / upper_bound (0 when proven optimal)."""
        return 0.0 if self.optimal else max(0.0, 1.0 - self.guarantee)


def coverage_matrix(
    demand: gpd.GeoSeries, candidates: gpd.GeoSeries, radius: float
) -> sparse.csr_matrix:
    """Sparse candidates × demand 0/1 matrix: 1 where the distance is ≤ radius metres."""
    tree = shapely.STRtree(np.asarray(in_metric(demand).values))
    cand, dem = tree.query(
        np.asarray(in_metric(candidates).values), predicate="dwithin", distance=radius
    )
    data = np.ones(len(cand), dtype=np.float64)
    return sparse.csr_matrix((data, (cand, dem)), shape=(len(candidates), len(demand)))


def _top_sum(gain: np.ndarray, n: int) -> float:
    return float(np.sort(np.clip(gain, 0, None))[::-1][:n].sum())


def greedy(cover: sparse.csr_matrix, weights: np.ndarray, n: int) -> Siting:
    """Greedy maximal covering on a candidates × demand 0/1 matrix."""
    remaining = np.asarray(weights, dtype=float).copy()
    total = float(remaining.sum())
    chosen: list[int] = []
    gains: list[float] = []
    value, bound = 0.0, total
    for _ in range(min(n, cover.shape[0])):
        gain = cover @ remaining
        bound = min(bound, value + _top_sum(gain, n))
        best = int(np.argmax(gain))
        if gain[best] <= 0:
            break
        chosen.append(best)
        gains.append(float(gain[best]))
        value += float(gain[best])
        remaining[cover[best].indices] = 0.0
    bound = min(bound, value + _top_sum(cover @ remaining, n))
    return Siting(
        chosen, value, total, "greedy", bound, gains, optimal=value >= bound * (1 - 1e-12)
    )


def _useful(cover: sparse.csr_matrix, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidates and demand that matter: weighted, coverable demand; sites covering some."""
    dem = np.flatnonzero((weights > 0) & (np.asarray(cover.sum(axis=0)).ravel() > 0))
    cand = np.flatnonzero(np.asarray(cover[:, dem].sum(axis=1)).ravel() > 0)
    return cand, dem


def exact(
    cover: sparse.csr_matrix, weights: np.ndarray, n: int, time_limit: float | None = 120
) -> Siting:
    """Maximal covering by spopt.locate.MCLP solved with CBC within `time_limit` seconds.

    `optimal` is CBC's proof; without it (time ran out) the incumbent is returned with
    the trivial bound (all coverable weight), which `mclp` tightens with greedy's.
    """
    # imported here: spopt (and pysal under it) takes ~5 s to import, paid only by siting
    import pulp
    from spopt.locate import MCLP

    weights = np.asarray(weights, dtype=float)
    total = float(weights.sum())
    useful_cand, useful_dem = _useful(cover, weights)
    sub = cover[useful_cand][:, useful_dem]
    if sub.shape[0] == 0 or n <= 0:
        return Siting([], 0.0, total, "exact", 0.0, [], optimal=True)
    # spopt takes a clients × facilities cost matrix; 0 inside the radius, 2 outside, radius 1
    costs = np.where(sub.T.toarray() > 0, 0.0, 2.0)
    model = MCLP.from_cost_matrix(
        costs, weights[useful_dem], service_radius=1.0, p_facilities=min(n, sub.shape[0])
    )
    solver = pulp.PULP_CBC_CMD(
        msg=False, timeLimit=None if time_limit is None else max(1, math.ceil(time_limit))
    )
    model.solve(solver, results=False)
    proven = model.problem.sol_status == pulp.LpSolutionOptimal
    todo = [int(useful_cand[j]) for j, var in enumerate(model.fac_vars) if (var.value() or 0) > 0.5]
    order, gains = _in_gain_order(cover, weights, todo)
    value = float(sum(gains))
    bound = value if proven else float(weights[useful_dem].sum())
    return Siting(order, value, total, "exact", bound, gains, optimal=proven)


def _in_gain_order(
    cover: sparse.csr_matrix, weights: np.ndarray, todo: list[int]
) -> tuple[list[int], list[float]]:
    """The chosen sites recounted from the matrix, largest newly covered weight first."""
    remaining = np.asarray(weights, dtype=float).copy()
    order, gains = [], []
    todo = list(todo)
    while todo:
        gain = [float(remaining[cover[c].indices].sum()) for c in todo]
        i = int(np.argmax(gain))
        order.append(todo.pop(i))
        gains.append(gain[i])
        remaining[cover[order[-1]].indices] = 0.0
    return order, gains


def merge_equivalent(
    cover: sparse.csr_matrix, weights: np.ndarray
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Demand columns reached by exactly the same candidates merged (weights summed).

    Such points are covered together or not at all by any choice of sites, so the
    reduced problem has the same optimum and the same covered weight for every choice.
    """
    weights = np.asarray(weights, dtype=float)
    by_demand = sparse.csr_matrix(cover.T)
    by_demand.sort_indices()
    ptr, idx = by_demand.indptr, by_demand.indices
    keys = [idx[ptr[i] : ptr[i + 1]].tobytes() for i in range(by_demand.shape[0])]
    codes, uniques = pd.factorize(pd.Series(keys, dtype=object))
    first = np.unique(codes, return_index=True)[1]  # codes are numbered by first occurrence
    merged = np.bincount(codes, weights=weights, minlength=len(uniques))
    return sparse.csr_matrix(cover[:, first]), merged


def _exact_within(
    cover: sparse.csr_matrix, weights: np.ndarray, n: int, seconds: float
) -> Siting | None:
    """`exact()` in a child process given `seconds` in all, building the programme
    included (spopt builds it with Python loops over a dense matrix, which on a city
    can take longer than solving it); None when it is not done in time (the child is
    ended; CBC's own time limit ends its solver)."""
    context = multiprocessing.get_context("fork")
    with context.Pool(1) as pool:
        job = pool.apply_async(exact, (cover, weights, n, max(1.0, seconds - 1.0)))
        try:
            return job.get(timeout=seconds)
        except multiprocessing.TimeoutError:
            return None


def mclp(
    demand: gpd.GeoSeries,
    weights: np.ndarray,
    candidates: gpd.GeoSeries,
    radius: float,
    n: int,
    method: str = "auto",
    time_budget: float = TIME_BUDGET_S,
) -> Siting:
    """Choose `n` of `candidates` covering the most demand weight within `radius` metres.

    method: "exact" (spopt MCLP + CBC, `time_budget` seconds for CBC), "greedy" (with its
    bound), or "auto" (greedy, then exact with what is left of `time_budget`).
    """
    if method not in ("auto", "exact", "greedy"):
        raise ValueError(f"unknown method {method!r}: auto, exact or greedy")
    started = time.monotonic()
    cover, weights = merge_equivalent(
        coverage_matrix(demand, candidates, radius), np.asarray(weights, dtype=float)
    )
    if method == "exact":
        return exact(cover, weights, n, time_budget)
    quick = greedy(cover, weights, n)
    if method == "greedy" or quick.optimal:
        return quick
    left = time_budget - (time.monotonic() - started)
    found = _exact_within(cover, weights, n, left) if left >= 1 else None
    if found is None:  # the programme could not even be built and solved in time
        return quick
    if found.optimal:
        return found
    best = found if found.covered_weight > quick.covered_weight else quick
    return replace(
        best,
        method=f"{best.method} (time budget {time_budget:g} s)",
        upper_bound=min(quick.upper_bound, found.upper_bound),
    )

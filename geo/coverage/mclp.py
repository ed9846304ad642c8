"""Where N new facilities would cover the most demand: the maximal covering location problem.

Demand points carry a weight (e.g. one per incident not yet covered); candidate sites are
points (e.g. H3 cell centres); a site covers the demand within the service radius
(straight line, metric CRS). Demand points that exactly the same candidates reach are
interchangeable, so they are merged into one weighted point before solving: an exact
reduction, nothing is moved. Two solvers:

- `exact`: the MCLP integer programme of Church & ReVelle (1974), spopt.locate.MCLP's
  model, solved by HiGHS (`scipy.optimize.milp`), optimal when HiGHS proves it within its
  time limit. The tests hold it to spopt's own MCLP and to enumeration.
- `greedy`: add the site with the largest uncovered weight N times. Coverage is monotone
  submodular, so greedy reaches at least 1 − (1 − 1/N)^N > 1 − 1/e ≈ 63.2 % of the optimum
  (Nemhauser, Wolsey & Fisher 1978). Each step also yields a data-dependent upper bound on
  the optimum, OPT ≤ f(S) + the N largest marginal gains, reported as `upper_bound`.

`method="auto"` decides on a time budget, not on the matrix size: greedy first (fast);
when its bound already proves it optimal, that is the answer; otherwise the exact
programme gets what is left of `time_budget` seconds (HiGHS' own time limit). If HiGHS
proves optimality in time the answer is exact (gap 0); if not, the better of its
incumbent and greedy is returned with the gap to the best proven bound; if it finds no
solution in time, greedy with its gap. Every result states its method and
`gap` = 1 − covered / upper_bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import optimize, sparse

from geo.coverage.facilities import in_metric

#: seconds `method="auto"` may spend in all (greedy, then HiGHS)
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
    #: True when the solution is proven optimal (HiGHS' proof, or greedy meeting its bound)
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
    """Maximal covering solved as Church & ReVelle's integer programme by HiGHS
    (`scipy.optimize.milp`) within `time_limit` seconds.

    Variables: x_i (site i open, binary) and y_j (demand j covered, 0–1); maximise
    Σ w_j y_j subject to y_j ≤ Σ_i a_ij x_i and Σ x_i = n — spopt.locate.MCLP's model,
    built here straight from the sparse matrix (spopt builds it with Python loops over a
    dense one, which took longer than solving it). `optimal` is HiGHS' proof; when time
    runs out the incumbent comes with HiGHS' proven bound (or the trivial one, all
    coverable weight, when it has none), which `mclp` tightens with greedy's.
    """
    weights = np.asarray(weights, dtype=float)
    total = float(weights.sum())
    useful_cand, useful_dem = _useful(cover, weights)
    sub = cover[useful_cand][:, useful_dem]
    if sub.shape[0] == 0 or n <= 0:
        return Siting([], 0.0, total, "exact", 0.0, [], optimal=True)
    coverable = float(weights[useful_dem].sum())
    undominated = ~dominated(sub)
    kept = useful_cand[undominated]
    sub, reduced = merge_equivalent(sub[undominated], weights[useful_dem])
    found = _solve(sub, reduced, min(n, sub.shape[0]), time_limit)
    if found.x is None:  # no incumbent in time: nothing chosen, nothing proven
        return Siting([], 0.0, total, "exact", coverable, [])
    todo = [int(c) for c in kept[found.x[: sub.shape[0]] > 0.5]]
    order, gains = _in_gain_order(cover, weights, todo)
    value = float(sum(gains))
    proven = found.status == 0
    bound = getattr(found, "mip_dual_bound", None)
    bound = value if proven else (coverable if bound is None else -float(bound))
    return Siting(order, value, total, "exact", bound, gains, optimal=proven)


def dominated(cover: sparse.csr_matrix) -> np.ndarray:
    """Candidates whose covered demand is a subset of another candidate's (of equal sets,
    all but the first): swapping one for its dominator never covers less, so an optimum
    exists without them and the rest still reach all coverable demand."""
    linked = (cover > 0).astype(np.float64).tocsr()
    size = np.asarray(linked.sum(axis=1)).ravel()
    shared = (linked @ linked.T).tocoo()
    a, b = shared.row, shared.col  # |a ∩ b| == |a|: a ⊆ b
    inside = (a != b) & (shared.data == size[a])
    inside &= (size[b] > size[a]) | (b < a)
    out = np.zeros(cover.shape[0], dtype=bool)
    out[a[inside]] = True
    return out


def _solve(
    cover: sparse.csr_matrix, weights: np.ndarray, n: int, time_limit: float | None
) -> optimize.OptimizeResult:
    """HiGHS on the MCLP of a sites × demand 0/1 matrix (x first, then y)."""
    sites, demand = cover.shape
    linked = sparse.hstack([-cover.T, sparse.identity(demand)], format="csr")  # y − Aᵀx ≤ 0
    count = sparse.hstack([np.ones((1, sites)), sparse.csr_matrix((1, demand))], format="csr")
    options = {} if time_limit is None else {"time_limit": max(0.0, float(time_limit))}
    return optimize.milp(
        np.concatenate([np.zeros(sites), -weights]),
        constraints=[
            optimize.LinearConstraint(linked, -np.inf, 0.0),
            optimize.LinearConstraint(count, n, n),
        ],
        integrality=np.concatenate([np.ones(sites), np.zeros(demand)]),
        bounds=optimize.Bounds(0.0, 1.0),
        options=options,
    )


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

    method: "exact" (HiGHS, `time_budget` seconds), "greedy" (with its
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
    found = exact(cover, weights, n, left) if left > 0 else None
    if found is None or not found.chosen:  # no time left, or HiGHS found nothing in time
        return quick
    if found.optimal:
        return found
    best = found if found.covered_weight > quick.covered_weight else quick
    return replace(
        best,
        method=f"{best.method} (time budget {time_budget:g} s)",
        upper_bound=min(quick.upper_bound, found.upper_bound),
    )

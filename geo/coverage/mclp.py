"""Where N new facilities would cover the most demand: the maximal covering location problem.

Demand points carry a weight (e.g. incidents in an uncovered H3 cell); candidate sites are
points (e.g. H3 cell centres); a site covers the demand within the service radius
(straight line, metric CRS). Two solvers:

- `exact`: the MCLP integer programme of Church & ReVelle (1974) via spopt.locate.MCLP and
  the CBC solver bundled with PuLP — optimal, for instances of modest size.
- `greedy`: add the site with the largest uncovered weight N times. Coverage is monotone
  submodular, so greedy reaches at least 1 − (1 − 1/N)^N > 1 − 1/e ≈ 63.2 % of the optimum
  (Nemhauser, Wolsey & Fisher 1978). Each step also yields a data-dependent upper bound on
  the optimum, OPT ≤ f(S) + the N largest marginal gains, reported as `upper_bound`.

`method="auto"` runs greedy first; when its bound already proves it optimal, that is the
answer (method "greedy", guarantee 1); otherwise exact when the reduced demand ×
candidates ≤ EXACT_LIMIT (spopt builds the model with a Python loop over that matrix),
greedy with its bound beyond.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pulp
import shapely
from scipy import sparse
from spopt.locate import MCLP

from geo.coverage.facilities import in_metric

#: largest demand × candidate matrix handed to the integer programme by method="auto"
EXACT_LIMIT = 500_000


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

    @property
    def share(self) -> float:
        return self.covered_weight / self.total_weight if self.total_weight > 0 else 0.0

    @property
    def guarantee(self) -> float:
        """covered_weight / upper_bound: the solution is at least this share of optimal."""
        return self.covered_weight / self.upper_bound if self.upper_bound > 0 else 1.0


def coverage_matrix(demand: gpd.GeoSeries, candidates: gpd.GeoSeries, radius: float) -> sparse.csr_matrix:
    """Sparse candidates × demand 0/1 matrix: 1 where the distance is ≤ radius metres."""
    tree = shapely.STRtree(np.asarray(in_metric(demand).values))
    cand, dem = tree.query(np.asarray(in_metric(candidates).values), predicate="dwithin",
                           distance=radius)
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
    return Siting(chosen, value, total, "greedy", bound, gains)


def _useful(cover: sparse.csr_matrix, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidates and demand that matter: weighted, coverable demand; sites covering some."""
    dem = np.flatnonzero((weights > 0) & (np.asarray(cover.sum(axis=0)).ravel() > 0))
    cand = np.flatnonzero(np.asarray(cover[:, dem].sum(axis=1)).ravel() > 0)
    return cand, dem


def exact(cover: sparse.csr_matrix, weights: np.ndarray, n: int, time_limit: float | None = 120
          ) -> Siting:
    """Optimal maximal covering by spopt.locate.MCLP solved with CBC."""
    weights = np.asarray(weights, dtype=float)
    total = float(weights.sum())
    useful_cand, useful_dem = _useful(cover, weights)
    sub = cover[useful_cand][:, useful_dem]
    if sub.shape[0] == 0 or n <= 0:
        return Siting([], 0.0, total, "exact", 0.0, [])
    # spopt takes a clients × facilities cost matrix; 0 inside the radius, 2 outside, radius 1
    costs = np.where(sub.T.toarray() > 0, 0.0, 2.0)
    model = MCLP.from_cost_matrix(costs, weights[useful_dem], service_radius=1.0,
                                  p_facilities=min(n, sub.shape[0]))
    model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit))
    todo = [int(useful_cand[j]) for j, var in enumerate(model.fac_vars) if (var.value() or 0) > 0.5]
    # recount the weight per site from the matrix, largest gain first
    remaining = weights.copy()
    order, gains = [], []
    while todo:
        gain = [float(remaining[cover[c].indices].sum()) for c in todo]
        i = int(np.argmax(gain))
        order.append(todo.pop(i))
        gains.append(gain[i])
        remaining[cover[order[-1]].indices] = 0.0
    value = float(sum(gains))
    return Siting(order, value, total, "exact", value, gains)


def mclp(demand: gpd.GeoSeries, weights: np.ndarray, candidates: gpd.GeoSeries, radius: float,
         n: int, method: str = "auto") -> Siting:
    """Choose `n` of `candidates` covering the most demand weight within `radius` metres.

    method: "exact" (spopt MCLP + CBC), "greedy" (with the 1 − 1/e bound), or "auto".
    """
    if method not in ("auto", "exact", "greedy"):
        raise ValueError(f"unknown method {method!r}: auto, exact or greedy")
    cover = coverage_matrix(demand, candidates, radius)
    weights = np.asarray(weights, dtype=float)
    if method == "exact":
        return exact(cover, weights, n)
    quick = greedy(cover, weights, n)
    if method == "greedy" or quick.covered_weight >= quick.upper_bound * (1 - 1e-12):
        return quick
    cand, dem = _useful(cover, weights)
    return exact(cover, weights, n) if len(cand) * len(dem) <= EXACT_LIMIT else quick

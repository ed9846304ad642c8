"""Contiguous regions of small units with balanced households: greedy growth + local moves.

A spatially constrained regionalization in the spirit of AZP: k seeds spread by a
weighted k-means, regions grown one unit at a time (the lightest region takes its
nearest free neighbour), then boundary units move between neighbouring regions while
that lowers the cost and keeps the donor contiguous. The cost counts, per region, the
households outside the band (heavily), workload outside its band, the spread of
households around the mean, and the normalised moment of inertia (compactness).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

BAND_WEIGHT = 1000.0
WORKLOAD_WEIGHT = 10.0
BALANCE_WEIGHT = 1.0
COMPACT_WEIGHT = 2.0
MAX_PASSES = 25
#: a pass gaining less than this in total ends the local search
MIN_PASS_GAIN = 1e-3


@dataclass
class Problem:
    """The units of one connected piece of a community and the bands to meet."""

    neighbours: list[set[int]]
    households: np.ndarray
    workload: np.ndarray
    xy: np.ndarray  # unit centroids, metres
    area: np.ndarray  # m²
    band: tuple[float, float]
    workload_band: tuple[float, float] | None = None


def choose_k(total: float, band: tuple[float, float]) -> tuple[int, bool]:
    """Number of regions for `total` households, and whether it can meet the band."""
    lo, hi = band
    k_min, k_max = max(1, int(np.ceil(total / hi))), int(np.floor(total / lo))
    target = round(total / ((lo + hi) / 2)) if total > 0 else 1
    if k_min <= k_max:
        return int(min(max(target, k_min), k_max)), True
    # no k fits: the one whose mean strays least from the band
    candidates = [k for k in (k_max, k_min) if k >= 1] or [1]
    return min(candidates, key=lambda k: _violation(total / k, band)), False


def _violation(value: float, band: tuple[float, float]) -> float:
    return max(0.0, band[0] - value) + max(0.0, value - band[1])


def connected_pieces(neighbours: list[set[int]]) -> list[list[int]]:
    """Connected components of the unit graph (each a list of unit positions)."""
    seen = np.zeros(len(neighbours), dtype=bool)
    pieces = []
    for start in range(len(neighbours)):
        if seen[start]:
            continue
        seen[start] = True
        piece, queue = [], deque([start])
        while queue:
            u = queue.popleft()
            piece.append(u)
            for v in neighbours[u]:
                if not seen[v]:
                    seen[v] = True
                    queue.append(v)
        pieces.append(piece)
    return pieces


def partition(p: Problem, k: int, seed: int = 0) -> np.ndarray:
    """Label (0…k−1) of each unit; every region contiguous (the graph must be connected)."""
    n = len(p.households)
    if k <= 1 or n <= 1:
        return np.zeros(n, dtype=int)
    k = min(k, n)
    labels = _grow(p, _seeds(p, k, seed))
    return _refine(p, labels, k)


def _seeds(p: Problem, k: int, seed: int) -> list[int]:
    """k distinct seed units near the centres of a household-weighted k-means."""
    # households, plus a little weight for land so empty blocks still attract a seed
    w = p.households + p.area / p.area.sum() * max(p.households.sum(), 1.0)
    rng = np.random.default_rng(seed)
    centres = [p.xy[int(np.argmax(w))]]
    for _ in range(1, k):  # farthest-point start
        d = np.min([((p.xy - c) ** 2).sum(axis=1) for c in centres], axis=0)
        centres.append(p.xy[int(np.argmax(d * w + rng.random(len(d)) * 1e-9))])
    centres = np.array(centres)
    for _ in range(15):  # weighted Lloyd iterations
        nearest = np.argmin(((p.xy[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
        for r in range(k):
            mine = nearest == r
            if mine.any():
                centres[r] = np.average(p.xy[mine], axis=0, weights=w[mine])
    seeds: list[int] = []
    for c in centres:
        order = np.argsort(((p.xy - c) ** 2).sum(axis=1))
        seeds.append(int(next(u for u in order if u not in seeds)))
    return seeds


def _grow(p: Problem, seeds: list[int]) -> np.ndarray:
    """Grow the regions from their seeds; the lightest region with room moves first."""
    labels = np.full(len(p.households), -1)
    load = np.zeros(len(seeds))
    frontier: list[set[int]] = [set() for _ in seeds]
    for r, s in enumerate(seeds):
        labels[s] = r
        load[r] = p.households[s]
    for r, s in enumerate(seeds):
        frontier[r] |= {v for v in p.neighbours[s] if labels[v] < 0}
    centre = p.xy[seeds].copy()
    while (labels < 0).any():
        open_regions = [r for r in range(len(seeds)) if frontier[r]]
        if not open_regions:
            break
        r = min(open_regions, key=lambda q: load[q])
        cand = np.fromiter(frontier[r], dtype=int)
        u = int(cand[np.argmin(((p.xy[cand] - centre[r]) ** 2).sum(axis=1))])
        labels[u] = r
        load[r] += p.households[u]
        for q in range(len(seeds)):
            frontier[q].discard(u)
        frontier[r] |= {v for v in p.neighbours[u] if labels[v] < 0}
    return labels


class _Stats:
    """Per-region sums kept up to date as units move, so a move is costed in O(1).

    Plain Python floats and tuples: this runs ~10⁵ times per community, where numpy
    scalars would cost several times more.
    """

    def __init__(self, p: Problem, labels: np.ndarray, k: int) -> None:
        x, y = p.xy[:, 0] - p.xy[:, 0].mean(), p.xy[:, 1] - p.xy[:, 1].mean()
        a = p.area
        columns = (p.households, p.workload, a, a * x, a * y, a * (x * x + y * y))
        self.units = list(zip(*(c.astype(float).tolist() for c in columns), strict=True))
        self.regions = [
            list(r)
            for r in zip(*(np.bincount(labels, c, k).tolist() for c in columns), strict=True)
        ]
        self.mean = float(p.households.sum()) / k
        self.target = (p.band[0] + p.band[1]) / 2
        self.band = (float(p.band[0]), float(p.band[1]))
        self.wband = (
            None
            if p.workload_band is None
            else (
                float(p.workload_band[0]),
                float(p.workload_band[1]),
                max(abs(float(p.workload_band[1])), 1.0),
            )
        )

    def cost(self, hh, wl, a, ax, ay, ar2) -> float:
        lo, hi = self.band
        out = lo - hh if hh < lo else (hh - hi if hh > hi else 0.0)
        # the household band comes first: any miss costs more than any workload miss
        c = BAND_WEIGHT * ((out > 0) + (out / self.target) ** 2)
        c += BALANCE_WEIGHT * ((hh - self.mean) / self.target) ** 2
        if self.wband is not None:
            wlo, whi, scale = self.wband
            out = wlo - wl if wl < wlo else (wl - whi if wl > whi else 0.0)
            c += WORKLOAD_WEIGHT * (out / scale) ** 2
        if a > 0:
            c += COMPACT_WEIGHT * (ar2 - (ax * ax + ay * ay) / a) / (a * a)
        return c

    def region(self, r: int) -> list[float]:
        return self.regions[r]

    def unit(self, u: int) -> tuple[float, ...]:
        return self.units[u]

    def move(self, u: int, src: int, dst: int) -> None:
        d = self.units[u]
        self.regions[src] = [a - b for a, b in zip(self.regions[src], d, strict=True)]
        self.regions[dst] = [a + b for a, b in zip(self.regions[dst], d, strict=True)]


def _refine(p: Problem, labels: np.ndarray, k: int) -> np.ndarray:
    stats = _Stats(p, labels, k)
    members = [set(np.flatnonzero(labels == r).tolist()) for r in range(k)]
    for _ in range(MAX_PASSES):
        gained = 0.0
        for u in range(len(labels)):
            src = labels[u]
            targets = {labels[v] for v in p.neighbours[u]} - {src}
            if not targets or len(members[src]) == 1:
                continue
            d = stats.unit(u)
            rs = stats.region(src)
            without = tuple(a - b for a, b in zip(rs, d, strict=True))
            base_src = stats.cost(*rs)
            best, best_gain = None, 1e-9
            for dst in targets:
                rd = stats.region(dst)
                with_u = tuple(a + b for a, b in zip(rd, d, strict=True))
                gain = base_src + stats.cost(*rd) - stats.cost(*without) - stats.cost(*with_u)
                if gain > best_gain:
                    best, best_gain = dst, gain
            if best is not None and _stays_connected(p.neighbours, members[src], u):
                stats.move(u, src, best)
                members[src].discard(u)
                members[best].add(u)
                labels[u] = best
                gained += best_gain
        if gained < MIN_PASS_GAIN:
            break
    return labels


def _stays_connected(neighbours: list[set[int]], region: set[int], removed: int) -> bool:
    """Whether `region` minus `removed` is still one connected piece."""
    rest = region - {removed}
    start = next(iter(rest))
    seen, queue = {start}, deque([start])
    while queue:
        u = queue.popleft()
        for v in neighbours[u]:
            if v in rest and v not in seen:
                seen.add(v)
                queue.append(v)
    return len(seen) == len(rest)

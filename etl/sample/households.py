"""Households and population per community, and their split among grids.

Urban communities (社区) hold more households than villages (村), and the core districts
are denser still; grids get 300–500 households each, with a few deliberately out of band
so that workload checks and grid proposals have something to find.
"""

from __future__ import annotations

import numpy as np

#: median households of a community: core urban, other urban, village
MEDIAN_HOUSEHOLDS = {"core": 1650.0, "urban": 2300.0, "rural": 900.0}
PERSONS_PER_HOUSEHOLD = {"core": (2.3, 2.8), "urban": (2.5, 3.0), "rural": (2.9, 3.5)}
#: target households per grid and the share of grids drawn out of the 300–500 band
GRID_HOUSEHOLDS = 400
OUT_OF_BAND_SHARE = 0.08


def community_households(
    kind: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Households and population of communities of kind 'core' / 'urban' / 'rural'."""
    median = np.array([MEDIAN_HOUSEHOLDS[k] for k in kind])
    households = np.round(median * rng.lognormal(0.0, 0.35, len(kind))).astype(np.int64)
    low = np.array([PERSONS_PER_HOUSEHOLD[k][0] for k in kind])
    high = np.array([PERSONS_PER_HOUSEHOLD[k][1] for k in kind])
    population = np.round(households * rng.uniform(low, high)).astype(np.int64)
    return households, population


def grid_count(households: int) -> int:
    """How many grids a community of `households` households is split into."""
    return max(1, int(round(households / GRID_HOUSEHOLDS)))


def split_households(total: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """`total` households split into `n` grids: mostly 300–500, ~8 % deliberately outside."""
    weights = rng.normal(1.0, 0.08, n).clip(0.8, 1.2)
    odd = rng.random(n) < OUT_OF_BAND_SHARE
    weights[odd] *= rng.choice([0.45, 1.7], size=int(odd.sum()))
    share = weights / weights.sum() * total
    counts = np.floor(share).astype(np.int64)
    rest = total - counts.sum()
    counts[np.argsort(-(share - counts), kind="stable")[:rest]] += 1
    return counts

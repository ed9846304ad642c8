"""The Knox near-repeat table: a planted near-repeat pattern is found in its band, a shuffled
one is not, and the first band agrees with PySAL pointpats' Knox statistic."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from pointpats.spacetime import Knox

from geo.warning.knox import near_repeat, reading

DIST = [0, 200, 400, 600, 800, 1000]
DAYS = [0, 7, 14, 21, 28]


def _background(rng, n=1500):
    return rng.uniform(0, 20_000, (n, 2)), rng.uniform(0, 365, n)


def _with_repeats(rng, n_seeds=300):
    xy, t = _background(rng)
    seeds = rng.integers(0, len(xy), n_seeds)
    angle = rng.uniform(0, 2 * np.pi, n_seeds)
    r = rng.uniform(0, 180, n_seeds)
    near = xy[seeds] + np.column_stack([r * np.cos(angle), r * np.sin(angle)])
    later = t[seeds] + rng.uniform(0, 6.5, n_seeds)
    return np.vstack([xy, near]), np.concatenate([t, later])


def test_a_planted_near_repeat_is_found_at_its_distance_and_time_band():
    xy, t = _with_repeats(np.random.default_rng(0))
    result = near_repeat(xy, t, DIST, DAYS, permutations=99, seed=1)
    assert result.strongest() == (0, 0)
    assert result.p[0, 0] == pytest.approx(0.01)
    assert result.ratio[0, 0] > 2
    # bands the plant did not touch show no excess
    assert (result.p[2:, 1:] > 0.01).all()
    assert reading(result, "en").startswith("within 200 m and 7 days,")
    assert reading(result, "zh").startswith("200 米、7 天内")


def test_shuffled_times_show_no_pattern():
    rng = np.random.default_rng(0)
    xy, t = _with_repeats(rng)
    result = near_repeat(xy, rng.permutation(t), DIST, DAYS, permutations=99, seed=1)
    assert result.p[0, 0] > 0.05
    # 20 bands at 5 %: about one falls below by chance, never the pattern's many
    assert (result.p <= 0.05).sum() <= 3
    assert np.nanmax(np.abs(result.ratio - 1)) < 0.5


def test_first_band_is_pointpats_knox_statistic():
    rng = np.random.default_rng(5)
    xy, t = _with_repeats(rng, n_seeds=100)
    ours = near_repeat(xy, t, DIST, DAYS, permutations=1, seed=0)
    peer = Knox(xy, t.reshape(-1, 1), delta=200, tau=7, permutations=0)
    assert ours.observed[0, 0] == peer.statistic_
    # cumulative bands are Knox at wider thresholds
    wide = Knox(xy, t.reshape(-1, 1), delta=600, tau=14, permutations=0)
    assert ours.observed[:3, :2].sum() == wide.statistic_


@pytest.mark.parametrize("shuffled", [False, True], ids=["planted", "shuffled"])
def test_shuffles_and_p_value_are_pointpats_for_the_same_seed(shuffled):
    rng = np.random.default_rng(5)
    xy, t = _with_repeats(rng, n_seeds=100)
    if shuffled:
        t = rng.permutation(t)
    ours = near_repeat(xy, t, DIST, DAYS, permutations=99, seed=7)
    for delta, tau, d, b in [(200, 7, 1, 1), (600, 14, 3, 2)]:
        np.random.seed(7)
        peer = Knox(xy, t.reshape(-1, 1), delta=delta, tau=tau, permutations=99, keep=True)
        simulated = ours.simulated[:, :d, :b].sum(axis=(1, 2))
        assert simulated.tolist() == peer.sim.tolist()
        if (d, b) == (1, 1):
            assert ours.p[0, 0] == peer.p_sim
            assert ours.expected[0, 0] == peer.sim.mean()
    # the planted pattern beats every shuffle; the shuffled times do not
    assert (ours.p[0, 0] == 0.01) is not shuffled


def test_uneven_bands_count_every_pair_once_by_brute_force():
    rng = np.random.default_rng(9)
    xy, t = rng.uniform(0, 3000, (400, 2)), rng.uniform(0, 60, 400)
    dist_edges, day_edges = [0, 50, 300, 1000], [0, 1, 3, 10, 30]
    ours = near_repeat(xy, t, dist_edges, day_edges, permutations=1)
    i, j = np.triu_indices(len(xy), 1)
    d = np.hypot(*(xy[i] - xy[j]).T)
    dt = np.abs(t[i] - t[j])
    brute = np.array(
        [
            [
                np.sum(
                    (d > d0 if a else d >= 0) & (d <= d1) & (dt > t0 if b else dt >= 0) & (dt <= t1)
                )
                for b, (t0, t1) in enumerate(itertools.pairwise(day_edges))
            ]
            for a, (d0, d1) in enumerate(itertools.pairwise(dist_edges))
        ]
    )
    assert (ours.observed == brute).all()


def test_bands_must_start_at_zero_and_increase():
    with pytest.raises(ValueError, match="distance_edges"):
        near_repeat(np.zeros((2, 2)), np.zeros(2), [100, 200], DAYS)
    with pytest.raises(ValueError, match="time_edges"):
        near_repeat(np.zeros((2, 2)), np.zeros(2), DIST, [0, 7, 7])

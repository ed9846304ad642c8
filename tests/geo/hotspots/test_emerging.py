"""Emerging hot spots: Mann–Kendall by hand, each ArcGIS category on constructed series, end to end."""

from __future__ import annotations

import itertools

import h3
import numpy as np
import pandas as pd
import pytest

from geo.hotspots import emerging
from geo.hotspots.emerging import CATEGORIES, classify, cube
from geo.hotspots.mann_kendall import mann_kendall
from geo.hotspots.weights import kring_weights, space_time_weights

CENTRE = h3.latlng_to_cell(31.30, 120.62, 9)
UP = (3.0, 0.001)  # a significant rising trend (trend_z, trend_p)
DOWN = (-3.0, 0.001)
FLAT = (0.2, 0.8)


def brute_mk(x):
    n = len(x)
    s = sum(np.sign(x[j] - x[i]) for i, j in itertools.combinations(range(n), 2))
    _, counts = np.unique(x, return_counts=True)
    var = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in counts)) / 18
    return s, (s - np.sign(s)) / np.sqrt(var) if s else 0.0


def test_mann_kendall_matches_the_definition():
    rng = np.random.default_rng(0)
    series = rng.integers(0, 5, size=(50, 9)).astype(float)  # many ties
    series[0] = np.arange(9)
    s, z, p = mann_kendall(series)
    for row, si, zi in zip(series, s, z, strict=True):
        bs, bz = brute_mk(row)
        assert si == bs
        assert zi == pytest.approx(bz, abs=1e-12)
    # a strictly rising series of 9: S = 36, Var = 9·8·23/18 = 92, z = 35/√92
    assert s[0] == 36 and z[0] == pytest.approx(35 / np.sqrt(92))
    assert p[0] == pytest.approx(0.000263, abs=1e-5)
    assert mann_kendall(np.zeros((1, 5)))[1][0] == 0.0


def case(bins, trend=FLAT):
    return classify(np.array([bins]), np.array([trend[0]]), np.array([trend[1]]))[0]


@pytest.mark.parametrize(
    ("bins", "trend", "category"),
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 2], FLAT, "new_hot_spot"),
        ([0, 0, -1, 0, 0, 0, 0, 0, 0, 3], FLAT, "new_hot_spot"),  # cold before: still never hot
        ([0, 0, 0, 0, 0, 0, 0, 1, 2, 3], UP, "consecutive_hot_spot"),
        ([3, 3, 3, 3, 3, 3, 3, 3, 3, 3], UP, "intensifying_hot_spot"),
        ([2, 0, 3, 3, 3, 3, 3, 3, 3, 3], UP, "intensifying_hot_spot"),  # 90 % hot incl. final
        ([3, 3, 3, 3, 3, 3, 3, 3, 3, 3], FLAT, "persistent_hot_spot"),
        ([3, 3, 3, 3, 3, 3, 3, 3, 3, 1], DOWN, "diminishing_hot_spot"),
        ([0, 2, 0, 0, 1, 1, 0, 0, 0, 2], FLAT, "sporadic_hot_spot"),
        ([2, 2, 2, 0, 0, 0, 0, 2, 2, 2], FLAT, "sporadic_hot_spot"),  # hot before the final run
        ([0, -2, -2, 0, 1, 0, 0, 0, 0, 2], FLAT, "oscillating_hot_spot"),
        ([3, 3, 3, 3, 3, 3, 3, 3, 3, 0], DOWN, "historical_hot_spot"),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, -2], FLAT, "new_cold_spot"),
        ([0, 0, 0, 0, 0, 0, 0, -1, -2, -3], DOWN, "consecutive_cold_spot"),
        ([-3] * 10, DOWN, "intensifying_cold_spot"),  # falling z: colder and colder
        ([-3] * 10, FLAT, "persistent_cold_spot"),
        ([-3] * 10, UP, "diminishing_cold_spot"),
        ([0, -2, 0, 0, -1, 0, 0, 0, 0, -2], FLAT, "sporadic_cold_spot"),
        ([0, 2, 0, 0, -1, 0, 0, 0, 0, -2], FLAT, "oscillating_cold_spot"),
        ([-3, -3, -3, -3, -3, -3, -3, -3, -3, 0], FLAT, "historical_cold_spot"),
        ([0] * 10, FLAT, "no_pattern"),
        ([0, 0, 2, 2, 0, 0, 0, 0, 0, 0], FLAT, "no_pattern"),  # hot once, not lately, not 90 %
        ([3, 3, 3, 3, 3, 3, 3, 3, 0, 0], FLAT, "no_pattern"),  # 80 % hot, final not hot
        ([3, 3, 3, 3, 3, 3, 3, 3, 3, -2], FLAT, "new_cold_spot"),  # final period wins over historical
    ],
)
def test_each_category(bins, trend, category):
    assert category in CATEGORIES
    assert case(bins, trend) == category


def test_classify_is_vectorised_over_cells():
    bins = np.array([[0, 0, 0, 2], [3, 3, 3, 3], [0, 0, 0, 0]])
    got = classify(bins, np.array([0.0, 4.0, 0.0]), np.array([1.0, 0.001, 1.0]))
    assert got.tolist() == ["new_hot_spot", "intensifying_hot_spot", "no_pattern"]


def test_space_time_weights_link_adjacent_periods_only():
    cells = np.array(sorted(h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 2)), dtype=np.uint64)
    ws = kring_weights(cells, 1)
    wst = space_time_weights(ws, 4).tocsr()
    n = len(cells)
    assert wst.shape == (4 * n, 4 * n)
    i = 1 * n + 3  # cell 3 in period 1
    cols = set(wst[i].indices.tolist())
    want = {t * n + j for t in (0, 1, 2) for j in ws[3].indices.tolist()}
    assert cols == want


def test_cube_fills_zeros_for_area_and_given_periods():
    area = [10, 20, 30]
    counts = pd.DataFrame({"cell": [10, 10, 30], "period": ["a", "c", "c"], "count": [1, 2, 3]})
    cells, periods, values = cube(counts, area, periods=["a", "b", "c"])
    assert cells.tolist() == area and periods == ["a", "b", "c"]
    assert values.tolist() == [[1, 0, 0], [0, 0, 0], [2, 0, 3]]


def synthetic(T, clusters, time_lag=1, seed=0):
    area = np.array(sorted(h3.str_to_int(x) for x in h3.grid_disk(CENTRE, 12)), dtype=np.int64)
    rng = np.random.default_rng(seed)
    frames = [pd.DataFrame({"cell": area, "period": t, "count": rng.poisson(1.0, len(area))})
              for t in range(T)]
    for centre, level in clusters:
        cells = [h3.str_to_int(x) for x in h3.grid_disk(centre, 1)]
        frames += [pd.DataFrame({"cell": cells, "period": t, "count": level(t)}) for t in range(T)]
    out = emerging(pd.concat(frames), k=1, area=area, time_lag=time_lag)
    return {centre: out.loc[h3.str_to_int(centre)] for centre, _ in clusters}, out


def test_end_to_end_trends():
    ring = h3.grid_ring(CENTRE, 8)
    got, out = synthetic(12, [
        (ring[0], lambda t: 8),
        (ring[12], lambda t: 3 + 2 * t),
        (ring[24], lambda t: 25 - 2 * t),
        (CENTRE, lambda t: 12 if t >= 9 else 0),
    ])
    assert got[ring[0]]["category"] == "persistent_hot_spot"
    assert got[ring[12]]["category"] == "intensifying_hot_spot"
    assert got[ring[12]]["trend_z"] > 0 and got[ring[12]]["trend_p"] < 0.05
    assert got[ring[24]]["category"] == "diminishing_hot_spot"
    # the ±1 period neighbourhood makes the period before the run hot too
    assert got[CENTRE]["category"] == "consecutive_hot_spot"
    assert got[CENTRE]["n_hot"] == 4
    assert set(out.columns) >= {"category", "trend_z", "trend_p"}
    far = h3.str_to_int(h3.grid_ring(CENTRE, 12)[30])
    assert out.loc[far, "category"] == "no_pattern"


def test_end_to_end_new_hot_spot_without_time_neighbours():
    ring = h3.grid_ring(CENTRE, 8)
    got, _ = synthetic(8, [(ring[36], lambda t: 15 if t == 7 else 0)], time_lag=0)
    assert got[ring[36]]["category"] == "new_hot_spot"

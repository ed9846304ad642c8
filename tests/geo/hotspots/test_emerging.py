"""Emerging hot spots: Mann–Kendall by hand, each ArcGIS category on constructed series, end to end."""

from __future__ import annotations

import itertools

import h3
import numpy as np
import pandas as pd
import pytest
from esda.getisord import G_Local
from libpysal.weights import W

from geo.hotspots import emerging
from geo.hotspots.emerging import CATEGORIES, classify, cube
from geo.hotspots.fdr import benjamini_hochberg, confidence_bins
from geo.hotspots.gi_star import gi_star_from, gi_star_z
from geo.hotspots.mann_kendall import mann_kendall
from geo.hotspots.weights import kring_weights, space_time_sums, space_time_weights

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
        ([0, 0, -1, 0, 0, 0, 0, 0, 0, 3], FLAT, "oscillating_hot_spot"),  # cold before
        ([0, 0, -1, 0, 0, 0, 0, 0, 2, 3], FLAT, "oscillating_hot_spot"),  # cold before a run
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
        (
            [3, 3, 3, 3, 3, 3, 3, 3, 3, -2],
            FLAT,
            "oscillating_cold_spot",
        ),  # final wins over historical
    ],
)
def test_each_category(bins, trend, category):
    assert category in CATEGORIES
    assert case(bins, trend) == category


def test_classify_is_vectorised_over_cells():
    bins = np.array([[0, 0, 0, 2], [3, 3, 3, 3], [0, 0, 0, 0]])
    got = classify(bins, np.array([0.0, 4.0, 0.0]), np.array([1.0, 0.001, 1.0]))
    assert got.tolist() == ["new_hot_spot", "intensifying_hot_spot", "no_pattern"]


def test_space_time_weights_look_back_only():
    cells = np.array(sorted(h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 2)), dtype=np.uint64)
    ws = kring_weights(cells, 1)
    n = len(cells)
    for lag, periods in ((1, (0, 1)), (2, (0, 1)), (0, (1,))):
        wst = space_time_weights(ws, 4, lag).tocsr()
        assert wst.shape == (4 * n, 4 * n)
        i = 1 * n + 3  # cell 3 in period 1: never period 2 or 3
        want = {t * n + j for t in periods for j in ws[3].indices.tolist()}
        assert set(wst[i].indices.tolist()) == want
    wst = space_time_weights(ws, 4, 2).tocsr()
    i = 3 * n + 3  # the final period sees periods 1, 2 and 3
    assert set(wst[i].indices.tolist()) == {t * n + j for t in (1, 2, 3) for j in ws[3].indices}


@pytest.mark.parametrize(("k", "lag"), [(1, 0), (1, 1), (2, 1), (3, 2), (1, 9)])
def test_space_time_sums_give_the_z_of_the_full_matrix(k, lag):
    """emerging's sums without the space-time matrix: on counts, the very z-scores
    (bit for bit) of Gi* under the matrix itself; on fractional values, to rounding."""
    cells = np.array(sorted(h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 6)), dtype=np.uint64)
    n_periods = 8
    rng = np.random.default_rng(k * 10 + lag)
    spatial = kring_weights(cells, k)
    matrix = space_time_weights(spatial, n_periods, lag)
    counts = rng.poisson(1.5, (n_periods, len(cells))).astype(float)
    counts[-1, :5] += 12
    z = gi_star_from(counts.ravel(), *space_time_sums(spatial, counts, lag))
    assert np.array_equal(z, gi_star_z(counts.ravel(), matrix))
    assert (np.abs(z) > 1.96).sum() > 5
    fractions = rng.gamma(2.0, 0.7, (n_periods, len(cells)))
    np.testing.assert_allclose(
        gi_star_from(fractions.ravel(), *space_time_sums(spatial, fractions, lag)),
        gi_star_z(fractions.ravel(), matrix),
        rtol=0,
        atol=1e-12,
    )


def space_time_w(cells: np.ndarray, n_periods: int, k: int, lag: int) -> W:
    """The space-time neighbours as ESRI defines them, one bin at a time with h3: the
    k-ring in the same period and in the `lag` periods before (self left to esda)."""
    n = len(cells)
    index = {int(c): i for i, c in enumerate(cells)}
    neighbours = {}
    for t in range(n_periods):
        for i, c in enumerate(cells):
            ring = [
                index[h3.str_to_int(x)]
                for x in h3.grid_disk(h3.int_to_str(int(c)), k)
                if h3.str_to_int(x) in index
            ]
            neighbours[t * n + i] = sorted(
                s * n + j for s in range(max(t - lag, 0), t + 1) for j in ring if (s, j) != (t, i)
            )
    return W(neighbours, silence_warnings=True)


@pytest.mark.parametrize(("k", "lag"), [(1, 1), (2, 1), (1, 2)])
def test_space_time_gi_star_equals_esda(k, lag):
    """Oracle: esda's G_Local (binary, star) on a libpysal W of the same space-time
    neighbours gives every bin's z; `emerging` reports it for the final period, and
    its hot/cold counts are those of the esda z after BH."""
    cells = np.array(sorted(h3.str_to_int(c) for c in h3.grid_disk(CENTRE, 4)), dtype=np.int64)
    n_periods = 6
    rng = np.random.default_rng(k * 10 + lag)
    values = rng.poisson(1.2, (n_periods, len(cells))).astype(float)
    values[n_periods - 1, :7] += 9  # something to find in the final period
    counts = pd.DataFrame(
        {
            "cell": np.tile(cells, n_periods),
            "period": np.repeat(np.arange(n_periods), len(cells)),
            "count": values.ravel(),
        }
    )
    ref = G_Local(
        values.ravel(),
        space_time_w(cells, n_periods, k, lag),
        transform="B",
        star=True,
        permutations=0,
    )
    ours = gi_star_z(
        values.ravel(),
        space_time_weights(kring_weights(cells.astype(np.uint64), k), n_periods, lag),
    )
    np.testing.assert_allclose(ours, ref.Zs, rtol=0, atol=1e-9)
    out = emerging(counts, k=k, area=cells, time_lag=lag)
    ref_z = ref.Zs.reshape(n_periods, len(cells))
    np.testing.assert_allclose(out["final_z"].to_numpy(), ref_z[-1], rtol=0, atol=1e-9)
    ref_bins = confidence_bins(ref.Zs, benjamini_hochberg(2 * ref.p_norm))
    ref_bins = ref_bins.reshape(n_periods, len(cells))
    assert out["n_hot"].tolist() == (ref_bins > 0).sum(axis=0).tolist()
    assert out["n_cold"].tolist() == (ref_bins < 0).sum(axis=0).tolist()


def test_cube_fills_zeros_for_area_and_given_periods():
    area = [10, 20, 30]
    counts = pd.DataFrame({"cell": [10, 10, 30], "period": ["a", "c", "c"], "count": [1, 2, 3]})
    cells, periods, values = cube(counts, area, periods=["a", "b", "c"])
    assert cells.tolist() == area and periods == ["a", "b", "c"]
    assert values.tolist() == [[1, 0, 0], [0, 0, 0], [2, 0, 3]]


def synthetic(T, clusters, time_lag=1, seed=0, exact=False):
    """Poisson(1) noise over a disk with `clusters` (centre, level(t)) added on each
    centre's ring; `exact` puts the level in place of the noise there, so the
    centre's own space-time neighbourhood holds the planted counts alone."""
    area = np.array(sorted(h3.str_to_int(x) for x in h3.grid_disk(CENTRE, 12)), dtype=np.int64)
    rng = np.random.default_rng(seed)
    planted = [h3.str_to_int(x) for centre, _ in clusters for x in h3.grid_disk(centre, 1)]
    noisy = area[~np.isin(area, planted)] if exact else area
    frames = [
        pd.DataFrame({"cell": noisy, "period": t, "count": rng.poisson(1.0, len(noisy))})
        for t in range(T)
    ]
    for centre, level in clusters:
        cells = [h3.str_to_int(x) for x in h3.grid_disk(centre, 1)]
        frames += [pd.DataFrame({"cell": cells, "period": t, "count": level(t)}) for t in range(T)]
    out = emerging(pd.concat(frames), k=1, area=area, time_lag=time_lag)
    return {centre: out.loc[h3.str_to_int(centre)] for centre, _ in clusters}, out


def test_end_to_end_trends():
    ring = h3.grid_ring(CENTRE, 8)
    got, out = synthetic(
        12,
        [
            (ring[0], lambda t: 8),
            (ring[12], lambda t: 3 + 2 * t),
            (ring[24], lambda t: 25 - 2 * t),
            (CENTRE, lambda t: 12 if t >= 9 else 0),
        ],
    )
    assert got[ring[0]]["category"] == "persistent_hot_spot"
    assert got[ring[12]]["category"] == "intensifying_hot_spot"
    assert got[ring[12]]["trend_z"] > 0 and got[ring[12]]["trend_p"] < 0.05
    assert got[ring[24]]["category"] == "diminishing_hot_spot"
    # planted in periods 9-11; looking back only, period 8 does not see it
    assert got[CENTRE]["category"] == "consecutive_hot_spot"
    assert got[CENTRE]["n_hot"] == 3
    assert set(out.columns) >= {"category", "trend_z", "trend_p"}
    far = h3.str_to_int(h3.grid_ring(CENTRE, 12)[30])
    assert out.loc[far, "category"] == "no_pattern"


# Planted clusters (a cell and its ring, exact counts) in Poisson(1) noise, with the
# default one-step look-back: a period is hot when it or the period before holds the
# plant. The first period has no period before it, so its neighbourhood is half as
# large and a level plant's z is lower there; with exact counts that one step gives
# S = 11 of a possible 66 on a 12-period series — no significant trend.
PLANTED = [
    # only in the final period: the one alert an analyst needs ("new this period")
    ("new_hot_spot", 10, lambda t: 15 if t == 9 else 0, 1),
    # the final three periods, never before
    ("consecutive_hot_spot", 10, lambda t: 15 if t >= 7 else 0, 3),
    # every period, rising from a level already hot on a half neighbourhood
    ("intensifying_hot_spot", 12, lambda t: 6 + 2 * t, 12),
    # every period, level
    ("persistent_hot_spot", 12, lambda t: 8, 12),
    # on and off: planted in 1, 5, 9 → hot in 1, 2, 5, 6, 9 (final run of one)
    ("sporadic_hot_spot", 10, lambda t: 15 if t in (1, 5, 9) else 0, 5),
    # periods 0-17 of 20, then the background's mean: hot through 18 (look-back),
    # not in 19; 19/20 ≥ 90 %
    ("historical_hot_spot", 20, lambda t: 8 if t <= 17 else 1, 19),
]


@pytest.mark.parametrize(
    ("category", "n_periods", "level", "n_hot"), PLANTED, ids=[p[0] for p in PLANTED]
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_pattern_is_labelled_as_defined(category, n_periods, level, n_hot, seed):
    ring = h3.grid_ring(CENTRE, 6)
    got, out = synthetic(n_periods, [(ring[7], level)], seed=seed, exact=True)
    cell = got[ring[7]]
    assert (cell["category"], cell["n_hot"], cell["n_cold"]) == (category, n_hot, 0)
    assert (out["category"] == category).sum() >= 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_oscillating_hot_spot(seed):
    """Cold (zeros amid Poisson(5)) in periods 2-3, hot in the final period only."""
    area = np.array(sorted(h3.str_to_int(x) for x in h3.grid_disk(CENTRE, 10)), dtype=np.int64)
    target = h3.grid_ring(CENTRE, 5)[4]
    plant = np.isin(area, [h3.str_to_int(x) for x in h3.grid_disk(target, 1)])
    rng = np.random.default_rng(seed)
    values = rng.poisson(5.0, (10, len(area))).astype(float)
    values[2:4, plant] = 0
    values[9, plant] = 40
    counts = pd.DataFrame(
        {
            "cell": np.tile(area, 10),
            "period": np.repeat(np.arange(10), len(area)),
            "count": values.ravel(),
        }
    )
    cell = emerging(counts, k=1, area=area).loc[h3.str_to_int(target)]
    assert cell["category"] == "oscillating_hot_spot"
    assert cell["n_hot"] == 1 and cell["n_cold"] >= 2


def test_end_to_end_new_hot_spot_without_time_neighbours():
    ring = h3.grid_ring(CENTRE, 8)
    got, _ = synthetic(8, [(ring[36], lambda t: 15 if t == 7 else 0)], time_lag=0)
    assert got[ring[36]]["category"] == "new_hot_spot"

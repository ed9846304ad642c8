"""Gi* against PySAL esda as the oracle, BH FDR by hand, bins on a planted cluster."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest
from esda.getisord import G_Local
from libpysal.weights import W

from geo import hexes
from geo.hotspots import gi_star
from geo.hotspots.fdr import benjamini_hochberg, confidence_bins
from geo.hotspots.weights import kring_weights

CENTRE = h3.latlng_to_cell(31.30, 120.62, 9)


def disk(cell: str, k: int) -> np.ndarray:
    return np.array(sorted(h3.str_to_int(c) for c in h3.grid_disk(cell, k)), dtype=np.int64)


def libpysal_w(cells: np.ndarray, k: int) -> W:
    """The same binary k-ring neighbours as a libpysal W, built with h3 one cell at a time."""
    index = {int(c): i for i, c in enumerate(cells)}
    neighbours = {}
    for i, c in enumerate(cells):
        ring = (h3.str_to_int(x) for x in h3.grid_disk(h3.int_to_str(int(c)), k))
        neighbours[i] = sorted(index[x] for x in ring if x in index and x != int(c))
    return W(neighbours, silence_warnings=True)


def test_kring_weights_match_h3_grid_disk():
    cells = disk(CENTRE, 4)[::2]  # a holey set: neighbours must stay inside it
    w = kring_weights(cells.astype(np.uint64), 2).tocoo()
    assert (w.data == 1).all()
    got = {(int(cells[i]), int(cells[j])) for i, j in zip(w.row, w.col, strict=True)}
    present = set(cells.tolist())
    want = {
        (int(c), h3.str_to_int(x))
        for c in cells
        for x in h3.grid_disk(h3.int_to_str(int(c)), 2)
        if h3.str_to_int(x) in present
    }
    assert got == want
    assert all((int(c), int(c)) in got for c in cells)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_z_equals_esda_g_local_star(k):
    cells = disk(CENTRE, 12)
    rng = np.random.default_rng(k)
    y = rng.poisson(1.5, len(cells)).astype(float)
    y[:30] += rng.poisson(6, 30)  # some structure, many ties and zeros
    ours = gi_star(pd.Series(y, index=cells), k=k)
    # esda adds the self-weight 1 itself when star=True and the W has no diagonal
    ref = G_Local(y, libpysal_w(cells, k), transform="B", star=True, permutations=0)
    assert ours.index.tolist() == cells.tolist()
    np.testing.assert_allclose(ours["gi_z"].to_numpy(), ref.Zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours["p"].to_numpy(), 2 * ref.p_norm, rtol=0, atol=1e-12)


def test_area_cells_without_counts_are_zero():
    area = disk(CENTRE, 3)
    counts = pd.Series({int(area[0]): 5, int(area[5]): 2})
    out = gi_star(counts, k=1, area=area)
    assert len(out) == len(area)
    assert out["value"].sum() == 7
    assert (out.loc[np.setdiff1d(area, area[[0, 5]]), "value"] == 0).all()
    # counts outside the study area are left out
    outside = gi_star(pd.Series({int(area[0]): 5, 123: 9}), area=area)
    assert 123 not in outside.index


def test_benjamini_hochberg_by_hand():
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.2])
    # sorted: 0.005 0.01 0.03 0.04 0.2 → p·m/rank: 0.025 0.025 0.05 0.05 0.2
    # running minimum from the top keeps them; back in input order:
    np.testing.assert_allclose(benjamini_hochberg(p), [0.025, 0.05, 0.05, 0.025, 0.2])
    with_nan = benjamini_hochberg(np.array([0.01, np.nan, 0.02]))
    assert np.isnan(with_nan[1])
    np.testing.assert_allclose(with_nan[[0, 2]], [0.02, 0.02])


def test_confidence_bins():
    z = np.array([3.0, 2.0, 1.7, 0.5, -1.7, -2.0, -3.0, 2.5])
    p = np.array([0.001, 0.03, 0.08, 0.6, 0.08, 0.03, 0.001, 0.10])
    assert confidence_bins(z, p).tolist() == [3, 2, 1, 0, -1, -2, -3, 0]


def test_planted_cluster_is_hot_and_background_is_not():
    area = disk(CENTRE, 15)
    rng = np.random.default_rng(7)
    counts = pd.Series(rng.poisson(1.0, len(area)), index=area)
    hot_centre = h3.grid_disk(CENTRE, 10)[-1]  # a cell on the ring at distance 10
    cluster = disk(hot_centre, 1)
    counts[cluster] += 12
    out = gi_star(counts, k=1, area=area)
    assert (out.loc[cluster, "bin"] == 3).all()
    assert out.loc[h3.str_to_int(hot_centre), "p_fdr"] < 0.01
    far = np.setdiff1d(area, disk(hot_centre, 3))
    assert (out.loc[far, "bin"] <= 0).all()
    assert set(out.columns) == {"value", "gi_z", "p", "p_fdr", "bin"}


def test_cold_spot_in_a_busy_area():
    area = disk(CENTRE, 10)
    counts = pd.Series(8, index=area)
    hole = disk(CENTRE, 2)
    counts[hole] = 0
    out = gi_star(counts, k=1, area=area)
    assert out.loc[h3.str_to_int(CENTRE), "bin"] == -3


def test_empty_and_single_cell():
    assert gi_star(pd.Series([], dtype=float)).empty
    one = gi_star(pd.Series({h3.str_to_int(CENTRE): 4}))
    assert one["gi_z"].tolist() == [0.0] and one["bin"].tolist() == [0]


def test_constant_counts_have_no_hot_spots():
    area = disk(CENTRE, 3)
    out = gi_star(pd.Series(0, index=area), k=1, area=area)
    assert (out["gi_z"] == 0).all() and (out["bin"] == 0).all()


def test_unsorted_neighbours_are_the_sorted_pairs_grouped_by_row():
    cells = disk(CENTRE, 6)[::3][::-1].astype(np.uint64)  # holey and not sorted
    rows, cols = hexes.neighbours(cells, 2, sort=False)
    assert np.all(np.diff(rows) >= 0)
    got = sorted(zip(rows.tolist(), cols.tolist(), strict=True))
    want = list(zip(*(a.tolist() for a in hexes.neighbours(cells, 2)), strict=True))
    assert got == want
    with pytest.raises(ValueError, match="distinct"):
        hexes.neighbours(np.r_[cells, cells[:1]], 1, sort=False)


def test_weights_are_symmetric_with_self():
    cells = disk(CENTRE, 5).astype(np.uint64)
    w = kring_weights(cells, 2)
    assert (w != w.T).nnz == 0
    assert (w.diagonal() == 1).all()
    assert w.sum(axis=1).max() == 19  # 1 + 6 + 12

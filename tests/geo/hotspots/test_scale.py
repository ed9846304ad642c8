"""Scale choice: Moran's I against esda, first peak at the planted cluster radius."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest
from esda.moran import Moran
from libpysal.weights import WSP

from geo.hexes import neighbour_distances
from geo.hotspots import choose_k
from geo.hotspots.scale import first_peak, morans_i, morans_i_by_k
from geo.hotspots.weights import kring_weights

CENTRE = h3.latlng_to_cell(31.30, 120.62, 9)
RADIUS = 24
AREA = np.array(sorted(h3.str_to_int(x) for x in h3.grid_disk(CENTRE, RADIUS)), dtype=np.int64)


def blobs(r: int, seed: int, n: int = 15) -> pd.Series:
    """Separate discs of radius r (value 5) on a sparse Poisson background."""
    rng = np.random.default_rng(seed)
    centres: list[str] = []
    for cell in rng.permutation(AREA):
        s = h3.int_to_str(int(cell))
        if h3.grid_distance(CENTRE, s) <= RADIUS - r and all(
            h3.grid_distance(s, o) > 2 * r + 4 for o in centres
        ):
            centres.append(s)
        if len(centres) == n:
            break
    y = pd.Series(rng.poisson(0.2, len(AREA)).astype(float), index=AREA)
    for s in centres:
        y[[h3.str_to_int(x) for x in h3.grid_disk(s, r)]] += 5
    return y


def test_morans_i_equals_esda_randomisation_z():
    y = blobs(2, 0).to_numpy()
    w = kring_weights(AREA.astype(np.uint64), 2, self_weight=False)
    ref = Moran(y, WSP(w).to_W(silence_warnings=True), transformation="B", permutations=0)
    i_stat, z, p = morans_i(y, w)
    assert i_stat == pytest.approx(ref.I, abs=1e-12)
    assert z == pytest.approx(ref.z_rand, abs=1e-9)
    assert p == pytest.approx(2 * ref.p_rand, abs=1e-12)


def test_moran_by_ring_equals_one_matrix_per_k():
    cells = AREA[np.random.default_rng(5).random(len(AREA)) < 0.8]  # holes: rings skip absent cells
    y = blobs(2, 1).reindex(cells).to_numpy()
    table = morans_i_by_k(y, cells.astype(np.uint64), [1, 2, 3, 4])
    for k, i_stat, z, p in table.itertuples(index=False):
        w = kring_weights(cells.astype(np.uint64), k, self_weight=False)
        assert (i_stat, z, p) == pytest.approx(morans_i(y, w), abs=1e-10)


def test_neighbour_distances_carry_grid_distances():
    cells = AREA[:400].astype(np.uint64)
    rows, cols, dist = neighbour_distances(cells, 3)
    for i in np.random.default_rng(0).choice(len(rows), 200, replace=False):
        a, b = h3.int_to_str(int(cells[rows[i]])), h3.int_to_str(int(cells[cols[i]]))
        assert h3.grid_distance(a, b) == dist[i]
    w3 = kring_weights(cells, 3).tocoo()
    assert len(rows) == w3.nnz


@pytest.mark.parametrize("r", [1, 2, 3])
def test_first_peak_is_the_cluster_radius(r):
    k, table = choose_k(blobs(r, seed=r), AREA, ks=range(1, 7))
    assert k == r
    assert table.loc[table["peak"], "k"].tolist() == [r]
    assert list(table.columns) == ["k", "moran_i", "z", "p", "peak"]


def test_without_a_peak_the_largest_z_wins():
    assert first_peak(np.array([1.0, 2.0, 3.0])) is None
    assert first_peak(np.array([1.0, 3.0, 2.0, 4.0, 1.0])) == 1
    ramp = pd.Series(np.arange(len(AREA), dtype=float), index=AREA)  # smooth gradient-ish
    k, table = choose_k(ramp, AREA, ks=[1, 2])
    assert k == int(table.loc[table["z"].idxmax(), "k"])

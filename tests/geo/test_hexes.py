"""geo.hexes against the reference H3 library (h3-py, the C core) point by point."""

from __future__ import annotations

import h3
import numpy as np
import pyproj
import pytest
import shapely
from h3.api import basic_int as h3int
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import hexes

SUZHOU = (119.9, 30.75, 121.35, 32.05)  # lon/lat bbox


def ref_cells(lon, lat, res) -> np.ndarray:
    pairs = zip(np.asarray(lon).tolist(), np.asarray(lat).tolist(), strict=True)
    return np.array([h3int.latlng_to_cell(b, a, res) for a, b in pairs], dtype=np.uint64)


def suzhou_points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(SUZHOU[0], SUZHOU[2], n), rng.uniform(SUZHOU[1], SUZHOU[3], n)


@pytest.mark.parametrize("res", [0, 5, 7, 9, 10, 12, 15])
def test_cells_equal_h3_on_random_points(res):
    lon, lat = suzhou_points(5000, seed=res)
    got = hexes.cells(lon, lat, res)
    assert got.dtype == np.uint64
    np.testing.assert_array_equal(got, ref_cells(lon, lat, res))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-180, 180), st.floats(-90, 90)), min_size=1, max_size=20),
    st.integers(0, 15),
)
def test_cells_equal_h3_anywhere_on_earth(points, res):
    lon, lat = np.array(points).T
    np.testing.assert_array_equal(hexes.cells(lon, lat, res), ref_cells(lon, lat, res))


def test_invalid_points_get_zero_and_shape_is_kept():
    lon = np.array([[np.nan, 120.6, 200.0], [120.6, np.inf, 120.6]])
    lat = np.array([[31.3, 31.3, 31.3], [95.0, 31.3, 31.3]])
    got = hexes.cells(lon, lat, 10)
    assert got.shape == (2, 3)
    expected = np.zeros((2, 3), dtype=np.uint64)
    expected[0, 1] = expected[1, 2] = h3.str_to_int(h3.latlng_to_cell(31.3, 120.6, 10))
    np.testing.assert_array_equal(got, expected)
    assert hexes.cells([], [], 10).size == 0
    with pytest.raises(ValueError):
        hexes.cells(120.6, 31.3, 16)


def test_parents_equal_h3():
    cells = hexes.cells(*suzhou_points(2000), 10)
    for res in (10, 9, 7, 0):
        expected = [h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(c)), res)) for c in cells]
        np.testing.assert_array_equal(
            hexes.parents(cells, res), np.array(expected, dtype=np.uint64)
        )
    with_gap = np.array([cells[0], 0], dtype=np.uint64)
    assert hexes.parents(with_gap, 8)[1] == 0
    with pytest.raises(ValueError, match="coarser"):
        hexes.parents(cells, 11)


def test_polyfill_equals_h3_and_covers_the_area():
    shell = shapely.Polygon([(120.55, 31.25), (120.70, 31.27), (120.66, 31.38), (120.52, 31.33)])
    hole = shapely.box(120.60, 31.29, 120.63, 31.32)
    poly = shapely.Polygon(shell.exterior, [hole.exterior])
    filled = hexes.polyfill(poly, 9)
    assert filled.dtype == np.uint64 and np.all(np.diff(filled.astype(np.int64)) > 0)
    expected = sorted(h3.str_to_int(c) for c in h3.geo_to_cells(poly.__geo_interface__, 9))
    np.testing.assert_array_equal(filled, np.array(expected, dtype=np.uint64))
    # every cell's centre is inside, and the cells' area matches the polygon's within 3 %
    lon, lat = hexes.centroids(filled)
    assert shapely.contains_xy(poly, lon, lat).all()
    geod = pyproj.Geod(ellps="WGS84")
    cell_area = sum(h3.cell_area(h3.int_to_str(int(c)), "m^2") for c in filled)
    area = geod.geometry_area_perimeter(shapely.geometry.polygon.orient(poly))[0]
    assert cell_area == pytest.approx(area, rel=0.03)
    # points well inside (half a kilometre from the edge) all fall in filled cells
    inner = poly.buffer(-0.005)
    rng = np.random.default_rng(3)
    x, y = rng.uniform(120.5, 120.72, 4000), rng.uniform(31.24, 31.4, 4000)
    inside = shapely.contains_xy(inner, x, y)
    assert np.isin(hexes.cells(x[inside], y[inside], 9), filled).all()


def test_polyfill_multipolygon_and_empty():
    a, b = shapely.box(120.50, 31.20, 120.52, 31.22), shapely.box(120.60, 31.30, 120.62, 31.32)
    both = hexes.polyfill(shapely.MultiPolygon([a, b]), 10)
    np.testing.assert_array_equal(both, np.union1d(hexes.polyfill(a, 10), hexes.polyfill(b, 10)))
    assert hexes.polyfill(shapely.Polygon(), 10).size == 0


def test_neighbours_match_a_brute_force_k_ring():
    rng = np.random.default_rng(5)
    area = hexes.polyfill(shapely.box(120.60, 31.30, 120.64, 31.33), 9)
    cells = rng.permutation(area)[: int(area.size * 0.7)]  # holes, shuffled order
    cells = np.append(cells, np.uint64(0))  # a "no cell" entry pairs with nothing
    index = {int(c): i for i, c in enumerate(cells) if c}
    for k in (1, 2):
        row, col = hexes.neighbours(cells, k)
        expected = sorted(
            (i, index[h3.str_to_int(n)])
            for c, i in index.items()
            for n in h3.grid_disk(h3.int_to_str(c), k)
            if h3.str_to_int(n) in index
        )
        assert list(zip(row.tolist(), col.tolist(), strict=True)) == expected
        assert (row == col).sum() == len(index)  # each cell is its own neighbour


def test_neighbours_reject_duplicates_and_handle_empty():
    cell = hexes.cells(120.6, 31.3, 9).reshape(1)
    with pytest.raises(ValueError, match="distinct"):
        hexes.neighbours(np.concatenate([cell, cell]))
    row, col = hexes.neighbours(np.empty(0, dtype=np.uint64))
    assert row.size == col.size == 0


def test_centroids_and_boundaries_match_h3():
    cells = hexes.cells(*suzhou_points(50, seed=9), 8)
    lon, lat = hexes.centroids(cells)
    expected = np.array([h3.cell_to_latlng(h3.int_to_str(int(c))) for c in cells])
    np.testing.assert_allclose(lat, expected[:, 0], atol=1e-9)
    np.testing.assert_allclose(lon, expected[:, 1], atol=1e-9)
    polys = hexes.boundaries(np.append(cells, np.uint64(0)))
    assert polys[-1] is None
    for c, poly in zip(cells, polys[:-1], strict=True):
        ring = np.array(h3.cell_to_boundary(h3.int_to_str(int(c))))[:, ::-1]  # to lon, lat
        assert shapely.equals_exact(
            shapely.normalize(poly), shapely.normalize(shapely.Polygon(ring)), tolerance=1e-9
        )
    np.testing.assert_array_equal(hexes.cells(lon, lat, 8), cells)  # centre lies in its cell


# --- crowded points: many points per cell, everywhere on Earth --------------------------


def clusters(res: int, seed: int, n_centres: int = 60, per: int = 80):
    """Points in tight clusters (a few cells wide) around random places on Earth."""
    rng = np.random.default_rng(seed)
    spread = 3 * h3.average_hexagon_edge_length(res, "km") / 111.0
    lon = np.repeat(rng.uniform(-180, 180, n_centres), per)
    lat = np.repeat(np.degrees(np.arcsin(rng.uniform(-0.99, 0.99, n_centres))), per)
    lon = (lon + rng.uniform(-spread, spread, lon.size) + 180) % 360 - 180
    lat = np.clip(lat + rng.uniform(-spread, spread, lat.size), -89.9, 89.9)
    return lon, lat


@pytest.mark.parametrize("res", range(16))
def test_cells_equal_h3_on_crowded_points(res):
    lon, lat = clusters(res, seed=100 + res)
    np.testing.assert_array_equal(hexes.cells(lon, lat, res), ref_cells(lon, lat, res))


def test_cells_near_edges_and_pentagons_equal_h3():
    # edge midpoints (in lon/lat) lie within a millimetre of an edge; pentagons and face
    # edges are where the icosahedron folds
    base = hexes.cells(*suzhou_points(40, seed=11), 9)
    rings = [np.array(h3.cell_to_boundary(h3.int_to_str(int(c)))) for c in base]
    midpoints = np.concatenate([(r + np.roll(r, 1, axis=0)) / 2 for r in rings])
    pent = np.array([h3.cell_to_latlng(p) for p in h3.get_pentagons(0)])
    rng = np.random.default_rng(12)
    near_pent = np.repeat(pent, 400, axis=0) + rng.normal(0, 0.05, (pent.shape[0] * 400, 2))
    lat, lon = np.concatenate([midpoints, near_pent]).T
    for res in (9, 5):
        np.testing.assert_array_equal(hexes.cells(lon, lat, res), ref_cells(lon, lat, res))


def test_cells_on_many_points_with_gaps_equal_h3():
    lon, lat = suzhou_points(30_000, seed=15)
    lon[::97] = np.nan
    got = hexes.cells(lon, lat, 8)
    ok = np.isfinite(lon)
    assert (got[~ok] == 0).all()
    np.testing.assert_array_equal(got[ok], ref_cells(lon[ok], lat[ok], 8))

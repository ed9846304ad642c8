"""`geo.zones.assign` decides most points bin by bin; it must give every point exactly
the zone the point-in-polygon test (`assign_points`) gives: the sample city's towns,
communities and grids, points inside, outside, on shared edges and on vertices, in
overlapping zones, and points that are missing or not points at all."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from etl.sample.polygons import build_city
from etl.sample.scale import SCALES
from geo.zones import assign, assign_points, codes_of

WGS84 = "EPSG:4326"


@pytest.fixture(scope="module")
def city():
    return build_city(SCALES["small"], np.random.default_rng([42, 0]))


def _points(zones: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Random points over the zones' box (clustered and uniform), every vertex of every
    zone, and the midpoint of each of their edges: the hard cases, on shared edges."""
    rng = np.random.default_rng(seed)
    w, s, e, north = shapely.total_bounds(zones)
    uniform = np.column_stack([rng.uniform(w, e, n), rng.uniform(s, north, n)])
    centres = uniform[: max(n // 50, 1)]
    clustered = centres[rng.integers(0, len(centres), n)] + rng.normal(0, (e - w) / 200, (n, 2))
    rings = shapely.get_coordinates(shapely.boundary(zones))
    mids = (rings[1:] + rings[:-1]) / 2
    xy = np.vstack([uniform, clustered, rings, mids])
    return shapely.points(xy)


@pytest.mark.parametrize("layer", ["towns", "communities", "grids"])
def test_same_zone_as_the_point_test_on_the_sample_city(city, layer):
    zones = np.asarray(getattr(city, layer).geometry.values)
    points = _points(zones, 20_000, seed=len(zones))
    expected = assign_points(points, zones)
    got = assign(gpd.GeoSeries(points, crs=WGS84), gpd.GeoSeries(zones, crs=WGS84))
    assert np.array_equal(got, expected)
    # the sample really holds every case: points outside, inside, and on edges where
    # two zones meet (the first zone wins there)
    assert (expected == -1).any() and (expected >= 0).sum() > 10_000
    on_edge = shapely.STRtree(zones).query(points, predicate="intersects")[0]
    assert (np.bincount(on_edge, minlength=len(points)) >= 2).sum() > 100


def test_overlapping_zones_give_the_first_one(city):
    towns = np.asarray(city.towns.geometry.values)
    # each town again, moved a little: every point of an overlap is in two zones
    shifted = shapely.transform(towns, lambda xy: xy + [0.003, 0.002])
    zones = np.concatenate([shifted[::2], towns, shifted[1::2]])
    points = _points(zones, 20_000, seed=7)
    expected = assign_points(points, zones)
    got = assign(gpd.GeoSeries(points, crs=WGS84), gpd.GeoSeries(zones, crs=WGS84))
    assert np.array_equal(got, expected)
    assert len(np.unique(expected)) > len(towns)  # both copies hold points


def test_missing_and_non_point_geometries(city):
    zones = gpd.GeoSeries(city.communities.geometry.values, crs=WGS84)
    inside = shapely.point_on_surface(zones.values[:3])
    odd = np.array(
        [inside[0], None, shapely.Point(), shapely.buffer(inside[1], 1e-4), inside[2]], dtype=object
    )
    got = assign(gpd.GeoSeries(odd, crs=WGS84), zones)
    assert np.array_equal(got, assign_points(odd, np.asarray(zones.values)))
    assert got[1] == got[2] == -1 and got[0] == 0 and got[4] == 2 and got[3] >= 0


def test_points_in_another_crs_are_moved_first(city):
    zones = gpd.GeoSeries(city.towns.geometry.values, crs=WGS84)
    points = gpd.GeoSeries(_points(np.asarray(zones.values), 2_000, seed=3), crs=WGS84)
    metric = points.to_crs("EPSG:4549")
    expected = assign_points(np.asarray(metric.to_crs(WGS84).values), np.asarray(zones.values))
    assert np.array_equal(assign(metric, zones), expected)
    expected = assign(points, zones)
    codes = codes_of(points, city.towns.set_crs(WGS84, allow_override=True), "code")
    assert [c is None for c in codes] == list(expected == -1)
    assert list(codes[expected >= 0]) == list(
        city.towns["code"].to_numpy()[expected[expected >= 0]]
    )


def test_empty_inputs():
    none = gpd.GeoSeries([], crs=WGS84)
    assert assign(none, gpd.GeoSeries([shapely.box(0, 0, 1, 1)], crs=WGS84)).tolist() == []
    assert assign(gpd.GeoSeries([shapely.Point(0.5, 0.5)], crs=WGS84), none).tolist() == [-1]

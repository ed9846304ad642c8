"""Facility coverage on constructed points at known distances and towns with known shares."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from geo.coverage.facilities import coverage_shares, covered, nearest_distance

CRS = "EPSG:4549"
X0, Y0 = 500_000.0, 3_460_000.0  # near 120°E, 31.3°N (Suzhou)


def _pts(xy, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=CRS)


def _units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "level": ["district", "town", "town"],
            "code": ["D1", "T1", "T2"],
            "name": ["一区", "甲街道", "乙街道"],
            "parent_code": [None, "D1", "D1"],
        },
        geometry=[
            box(X0, Y0, X0 + 2000, Y0 + 1000),
            box(X0, Y0, X0 + 1000, Y0 + 1000),
            box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000),
        ],
        crs=CRS,
    )


CAMERA = _pts([(500, 500)], kind=["camera"])
# 148 m and 152 m straight up; 149.9 m and 151.3 m along the diagonal
NEAR_FAR = [(500, 648), (500, 652), (606, 606), (607, 607)]


@pytest.mark.parametrize("crs", [CRS, "EPSG:4326"])
def test_inside_and_outside_the_radius_by_a_few_metres(crs):
    points = _pts(NEAR_FAR).to_crs(crs).geometry
    sites = CAMERA.to_crs(crs).geometry
    assert covered(points, sites, 150.0).tolist() == [True, False, True, False]
    expected = [148.0, 152.0, np.hypot(106, 106), np.hypot(107, 107)]
    assert nearest_distance(points, sites) == pytest.approx(expected, abs=1e-3)


def test_radius_is_inclusive_and_no_site_means_uncovered():
    points = _pts([(500, 650)]).geometry
    assert covered(points, CAMERA.geometry, 150.0).tolist() == [True]
    assert covered(points, CAMERA.geometry.iloc[0:0], 150.0).tolist() == [False]
    assert np.isinf(nearest_distance(points, CAMERA.geometry, max_distance=100.0)).all()


def test_nearest_of_many_sites():
    sites = _pts([(0, 0), (1000, 0), (300, 400)]).geometry
    assert nearest_distance(
        _pts([(0, 10), (990, 0), (300, 0)]).geometry, sites
    ).tolist() == pytest.approx([10.0, 10.0, 300.0])


def test_shares_per_town_district_and_city():
    # T1: three incidents near the camera, one far; T2: two uncovered; one outside every unit
    incidents = _pts(
        [(500, 600), (550, 500), (400, 420), (900, 900), (1500, 500), (1900, 100), (3000, 500)]
    )
    facilities = pd.concat(
        [CAMERA, _pts([(1500, 900)], kind=["police_station"])], ignore_index=True
    )
    radii = {"camera": 150.0, "police_station": 450.0}

    table, masks = coverage_shares({"incidents": incidents}, facilities, radii, _units())

    cam = table[table["kind"] == "camera"].set_index(["level", "code"], drop=False)
    assert cam.loc[("town", "T1"), ["total", "covered"]].tolist() == [4, 3]
    assert cam.loc[("town", "T1"), "share"] == pytest.approx(0.75)
    assert cam.loc[("town", "T1"), "name"] == "甲街道"
    assert cam.loc[("town", "T2"), "share"] == 0
    assert cam.loc[("district", "D1"), ["total", "covered"]].tolist() == [6, 3]
    city = cam[cam["level"] == "city"].iloc[0]
    assert (city["total"], city["covered"]) == (7, 3)
    assert city["share"] == pytest.approx(3 / 7)
    assert masks["camera/incidents"].tolist() == [True, True, True, False, False, False, False]

    police = table[table["kind"] == "police_station"].set_index(["level", "code"])
    # (1500, 500) is 400 m from the station at (1500, 900); (1900, 100) is 894 m away
    assert police.loc[("town", "T2"), ["total", "covered"]].tolist() == [2, 1]
    assert police.loc[("town", "T1"), "covered"] == 0
    assert set(table["radius_m"]) == {150.0, 450.0}


def test_several_layers_and_kind_filter():
    rentals = _pts([(500, 500), (1800, 800)])
    hazards = _pts([(520, 520)])
    table, _ = coverage_shares(
        {"rentals": rentals, "hazards": hazards},
        CAMERA,
        {"camera": 150.0, "shelter": 1000.0},
        _units(),
        kinds=["camera"],
    )
    city = table[table["level"] == "city"].set_index("layer")
    assert set(table["kind"]) == {"camera"}
    assert city.loc["rentals", "share"] == 0.5
    assert city.loc["hazards", "share"] == 1.0


def test_without_units_only_the_city_row():
    table, _ = coverage_shares({"incidents": _pts(NEAR_FAR)}, CAMERA, {"camera": 150.0})
    assert table["level"].tolist() == ["city"]
    assert table["share"].iloc[0] == 0.5


def _geos_nearest(points: gpd.GeoSeries, sites: gpd.GeoSeries, max_distance=None) -> np.ndarray:
    """The former search, as the reference: GEOS' STRtree nearest over the sites."""
    out = np.full(len(points), np.inf)
    tree = shapely.STRtree(np.asarray(sites.values))
    (idx, _), dist = tree.query_nearest(
        np.asarray(points.values), max_distance=max_distance, return_distance=True
    )
    out[idx] = dist
    return out


@pytest.mark.parametrize("radius", [None, 150.0, 1500.0])
def test_kd_tree_gives_the_distances_of_geos_nearest_search(radius):
    rng = np.random.default_rng(5)
    sites = _pts(rng.uniform(0, 5000, (400, 2)).round()).geometry  # whole metres: exact
    # random points, points exactly `radius` away from a site (3-4-5 triangles) and
    # points on a site
    xy = [*rng.uniform(-500, 5500, (20_000, 2))]
    corners = np.array([[s.x - X0, s.y - Y0] for s in sites.iloc[:50]])
    r = radius or 150.0
    xy += [*(corners + [0.6 * r, 0.8 * r]), *corners]
    points = _pts(xy).geometry
    got = nearest_distance(points, sites, max_distance=radius)
    assert np.array_equal(got, _geos_nearest(points, sites, radius))
    if radius is not None:
        assert np.isinf(got).any() == (radius == 150.0) and np.isfinite(got).any()
    if radius == 150.0:  # points on a site's circle with no nearer site: covered, as in GEOS
        assert (got == radius).sum() >= 10
        assert np.array_equal(covered(points, sites, radius), got <= radius)


def test_missing_points_are_never_covered():
    points = gpd.GeoSeries([Point(X0 + 500, Y0 + 600), None, Point()], crs=CRS)
    assert nearest_distance(points, CAMERA.geometry).tolist() == [100.0, np.inf, np.inf]

"""geo.crs: GCJ-02/BD-09 against published reference values, exact round trips, EPSG, names."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import crs
from geo.errors import InputError

# the published test point of the widely used coordTransform library (wandergis) and
# its printed results for the forward formulas and the one-step inverses
REF = (128.543, 37.065)
REF_WGS_TO_GCJ = (128.54820547949757, 37.065651049489816)
REF_GCJ_TO_BD = (128.54944656269413, 37.07113427883019)
REF_WGS_TO_BD = (128.55468192918485, 37.07168344938498)
REF_GCJ_TO_WGS_ONE_STEP = (128.53779452050244, 37.06434895051018)
REF_BD_TO_GCJ_ONE_STEP = (128.5365893261212, 37.058754503281534)


def metres(lon0, lat0, lon1, lat1) -> np.ndarray:
    """Ground distance in metres between two point sets (geodesic on WGS-84)."""
    _, _, dist = pyproj.Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)
    return np.asarray(dist)


# lon/lat inside the published China rectangle, away from its edge where GCJ-02 jumps
china_lon = st.floats(72.2, 137.6)
china_lat = st.floats(1.0, 55.6)


def test_gcj02_forward_matches_published_values():
    lon, lat = crs.from_wgs84(*REF, "gcj02")
    assert lon == pytest.approx(REF_WGS_TO_GCJ[0], abs=1e-12)
    assert lat == pytest.approx(REF_WGS_TO_GCJ[1], abs=1e-12)


def _published_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """The published forward algorithm, transcribed as it is usually written (scalars)."""
    x, y = lon - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlon += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlon += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    a, ee = 6378245.0, 0.00669342162296594323
    radlat = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(radlat) ** 2
    dlat = (dlat * 180.0) / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    dlon = (dlon * 180.0) / (a / math.sqrt(magic) * math.cos(radlat) * math.pi)
    return lon + dlon, lat + dlat


def test_gcj02_forward_is_the_published_formula_all_over_china():
    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(73.0, 135.0, 2000), rng.uniform(18.0, 54.0, 2000)
    got_lon, got_lat = crs.from_wgs84(lon, lat, "gcj02")
    want = np.array([_published_gcj02(a, b) for a, b in zip(lon, lat, strict=True)])
    assert np.abs(got_lon - want[:, 0]).max() < 1e-12 and np.abs(got_lat - want[:, 1]).max() < 1e-12


def _published_bd09(lon: float, lat: float) -> tuple[float, float]:
    """The published GCJ-02 → BD-09 step, transcribed as it is usually written (scalars)."""
    x_pi = 3.14159265358979324 * 3000.0 / 180.0
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * x_pi)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def test_bd09_forward_is_the_published_formula_all_over_china():
    from geo.crs.bd09 import gcj02_to_bd09

    rng = np.random.default_rng(9)
    lon, lat = rng.uniform(73.0, 135.0, 2000), rng.uniform(18.0, 54.0, 2000)
    got_lon, got_lat = crs.from_wgs84(lon, lat, "bd09")
    want = np.array(
        [_published_bd09(*_published_gcj02(a, b)) for a, b in zip(lon, lat, strict=True)]
    )
    assert np.abs(got_lon - want[:, 0]).max() < 1e-12 and np.abs(got_lat - want[:, 1]).max() < 1e-12
    # the BD-09 step alone, on GCJ-02 input
    step_lon, step_lat = gcj02_to_bd09(lon, lat)
    want = np.array([_published_bd09(a, b) for a, b in zip(lon, lat, strict=True)])
    assert (
        np.abs(step_lon - want[:, 0]).max() < 1e-12 and np.abs(step_lat - want[:, 1]).max() < 1e-12
    )


def test_bd09_forward_matches_published_values():
    lon, lat = crs.from_wgs84(*REF, "bd09")
    assert (float(lon), float(lat)) == pytest.approx(REF_WGS_TO_BD, abs=1e-12)
    # GCJ-02 → BD-09 alone: WGS-84 input taken through gcj02 first must give the same
    from geo.crs.bd09 import gcj02_to_bd09

    bd = gcj02_to_bd09(np.array([REF[0]]), np.array([REF[1]]))
    assert (bd[0][0], bd[1][0]) == pytest.approx(REF_GCJ_TO_BD, abs=1e-12)


def test_gcj02_inverse_is_exact_not_one_step():
    lon, lat = crs.to_wgs84(*REF, "gcj02")
    # the exact inverse maps back onto the input ...
    back = crs.from_wgs84(lon, lat, "gcj02")
    assert metres(*back, *REF) < 1e-4
    # ... while the one-step approximation is off by metres; ours differs from it by that much
    one_step_error = metres(*crs.from_wgs84(*REF_GCJ_TO_WGS_ONE_STEP, "gcj02"), *REF)
    assert one_step_error > 0.5
    assert metres(lon, lat, *REF_GCJ_TO_WGS_ONE_STEP) == pytest.approx(one_step_error, rel=0.05)


def test_bd09_inverse_is_exact():
    from geo.crs.bd09 import bd09_to_gcj02, gcj02_to_bd09

    x, y = np.array([REF[0]]), np.array([REF[1]])
    gx, gy = bd09_to_gcj02(x, y)
    assert metres(gx[0], gy[0], *REF_BD_TO_GCJ_ONE_STEP) < 1.0  # near the published one-step
    bx, by = gcj02_to_bd09(gx, gy)
    assert metres(bx[0], by[0], *REF) < 1e-4


def test_suzhou_offset_is_a_few_hundred_metres():
    # Suzhou old town: GCJ-02 shifts WGS-84 by roughly 450 m, to the east and south
    lon, lat = crs.from_wgs84(120.62, 31.31, "gcj02")
    shift = metres(lon, lat, 120.62, 31.31)
    assert 300 < shift < 700
    assert lon > 120.62 and lat < 31.31


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_gcj02_round_trips_within_a_centimetre(lon, lat):
    assert metres(*crs.to_wgs84(*crs.from_wgs84(lon, lat, "gcj02"), "gcj02"), lon, lat) < 0.01
    assert metres(*crs.from_wgs84(*crs.to_wgs84(lon, lat, "gcj02"), "gcj02"), lon, lat) < 0.01


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_bd09_round_trips_within_a_centimetre(lon, lat):
    assert metres(*crs.to_wgs84(*crs.from_wgs84(lon, lat, "bd09"), "bd09"), lon, lat) < 0.01
    assert metres(*crs.from_wgs84(*crs.to_wgs84(lon, lat, "bd09"), "bd09"), lon, lat) < 0.01


def test_round_trips_on_a_dense_grid_over_china():
    lon, lat = np.meshgrid(np.linspace(72.2, 137.6, 300), np.linspace(1.0, 55.6, 300))
    for name in ("gcj02", "bd09"):
        back = crs.to_wgs84(*crs.from_wgs84(lon, lat, name), name)
        assert back[0].shape == lon.shape
        assert metres(*back, lon, lat).max() < 0.01, name


def test_outside_china_passes_through_gcj02():
    lon = np.array([2.35, -74.0, 139.69, 100.0])  # Paris, New York, Tokyo, below 0.8293°N
    lat = np.array([48.86, 40.71, 35.69, 0.5])
    for fn in (crs.from_wgs84, crs.to_wgs84):
        out = fn(lon, lat, "gcj02")
        np.testing.assert_array_equal(out[0], lon)
        np.testing.assert_array_equal(out[1], lat)


def test_nan_in_nan_out_for_every_system():
    # rows: NaN lon, NaN lat, a good point, infinite lon
    lon = np.array([np.nan, 120.6, 120.6, np.inf])
    lat = np.array([31.3, np.nan, 31.3, 31.3])
    east = np.array([np.nan, 557_000.0, 557_000.0, np.inf])
    north = np.array([3_464_000.0, np.nan, 3_464_000.0, 3_464_000.0])
    cases = [
        (fn, name, lon, lat)
        for fn in (crs.to_wgs84, crs.from_wgs84)
        for name in ("wgs84", "gcj02", "bd09", "cgcs2000")
    ]
    cases += [(crs.from_wgs84, "EPSG:4549", lon, lat), (crs.to_wgs84, "EPSG:4549", east, north)]
    for fn, name, x, y in cases:
        out_x, out_y = fn(x, y, name)
        assert np.isnan(out_x[[0, 1, 3]]).all() and np.isnan(out_y[[0, 1, 3]]).all(), name
        assert np.isfinite(out_x[2]) and np.isfinite(out_y[2]), name


def test_scalars_and_lists_give_float64_arrays():
    x, y = crs.to_wgs84(120.6, 31.3, "gcj02")
    assert isinstance(x, np.ndarray) and x.dtype == np.float64 and x.shape == ()
    x, y = crs.from_wgs84([120, 121], [31, 32], "bd09")
    assert x.dtype == np.float64 and x.shape == (2,)


def test_cgcs2000_is_treated_as_wgs84():
    lon, lat = np.array([120.6]), np.array([31.3])
    np.testing.assert_array_equal(crs.to_wgs84(lon, lat, "cgcs2000")[0], lon)
    np.testing.assert_array_equal(crs.from_wgs84(lon, lat, "EPSG:4490")[1], lat)


def test_epsg4549_is_gauss_kruger_cm120_without_zone_prefix():
    assert "CM 120E" in pyproj.CRS.from_epsg(4549).name
    x, y = crs.from_wgs84(120.0, 31.3, "EPSG:4549")
    assert float(x) == pytest.approx(500_000.0, abs=0.01)  # central meridian → false easting
    x, y = crs.from_wgs84(120.62, 31.31, "EPSG:4549")
    assert 550_000 < float(x) < 570_000 and 3_450_000 < float(y) < 3_480_000
    lon, lat = crs.to_wgs84(x, y, "epsg:4549")
    assert metres(lon, lat, 120.62, 31.31) < 1e-3


def test_any_epsg_via_pyproj_and_transform_between_two_systems():
    x, y = crs.transform(120.62, 31.31, "gcj02", "EPSG:3857")
    ex, ey = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(
        *crs.to_wgs84(120.62, 31.31, "gcj02")
    )
    assert (float(x), float(y)) == pytest.approx((ex, ey), abs=1e-6)


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("WGS84", "wgs84"),
        ("wgs-84", "wgs84"),
        ("GCJ-02", "gcj02"),
        ("Baidu", "bd09"),
        ("BD09", "bd09"),
        ("CGCS2000", "cgcs2000"),
        ("EPSG:4490", "cgcs2000"),
        ("epsg:4326", "wgs84"),
        ("epsg:4549", "EPSG:4549"),
        (" EPSG 4528 ", "EPSG:4528"),
        (3857, "EPSG:3857"),
    ],
)
def test_normalise_name(alias, name):
    assert crs.normalise_name(alias) == name


@pytest.mark.parametrize("bad", ["mercator", "", "EPSG:99999", "gcj03"])
def test_unknown_name_is_a_clear_input_error(bad):
    with pytest.raises(InputError, match="coordinate system"):
        crs.normalise_name(bad)
    with pytest.raises(InputError):
        crs.to_wgs84(120.0, 31.0, bad)


@pytest.mark.parametrize(
    ("code", "name"), [(4490, "cgcs2000"), (4326, "wgs84"), (4549, "EPSG:4549")]
)
def test_from_prj_reads_esri_and_ogc_wkt(code, name):
    c = pyproj.CRS.from_epsg(code)
    assert crs.from_prj(c.to_wkt(pyproj.enums.WktVersion.WKT1_ESRI)) == name
    assert crs.from_prj(c.to_wkt()) == name
    assert crs.from_prj(c) == name


def test_from_prj_reads_a_prj_file_and_pyproj_crs_names(tmp_path):
    prj = tmp_path / "grids.prj"
    prj.write_text(pyproj.CRS.from_epsg(4549).to_wkt(pyproj.enums.WktVersion.WKT1_ESRI))
    assert crs.from_prj(prj) == "EPSG:4549"
    assert crs.from_prj(str(prj)) == "EPSG:4549"
    assert crs.normalise_name(pyproj.CRS.from_epsg(4490)) == "cgcs2000"
    with pytest.raises(InputError, match="missing.prj"):
        crs.from_prj(tmp_path / "missing.prj")


def test_from_prj_rejects_garbage():
    with pytest.raises(InputError):
        crs.from_prj("PROJCS[nonsense")
    with pytest.raises(InputError):
        crs.from_prj("")


def test_transform_geometries_moves_polygons_and_keeps_the_index():
    square = shapely.box(120.60, 31.30, 120.62, 31.32)
    hole = shapely.Polygon(square.exterior, [shapely.box(120.605, 31.305, 120.61, 31.31).exterior])
    series = gpd.GeoSeries([hole, shapely.Point(120.6, 31.3), None], index=[7, 8, 9], crs=4326)
    gcj = crs.transform_geometries(series, "wgs84", "gcj02")
    assert gcj.crs is None and list(gcj.index) == [7, 8, 9] and gcj.iloc[2] is None
    back = crs.transform_geometries(gcj, "gcj02", "wgs84")
    assert back.crs.to_epsg() == 4326
    # every vertex of the polygon (exterior and hole) comes back within a centimetre
    before = shapely.get_coordinates(series.iloc[0])
    after = shapely.get_coordinates(back.iloc[0])
    assert metres(before[:, 0], before[:, 1], after[:, 0], after[:, 1]).max() < 0.01
    # and it really moved in between, by the GCJ-02 offset
    moved = shapely.get_coordinates(gcj.iloc[1])[0]
    assert 300 < metres(moved[0], moved[1], 120.6, 31.3) < 700
    # a plain array of shapely geometries also works, from Gauss-Kruger metres
    gk = np.array([shapely.Point(500_000.0, 3_464_000.0)], dtype=object)
    (pt,) = crs.transform_geometries(gk, "EPSG:4549")
    assert pt.x == pytest.approx(120.0, abs=1e-9)


def test_metric_projects_to_the_city_crs_for_areas():
    # a 0.01° square near Suzhou is about 951 m × 1112 m
    series = gpd.GeoSeries([shapely.box(120.60, 31.30, 120.61, 31.31)])
    projected = crs.metric(series)
    assert projected.crs.to_epsg() == 4549
    assert projected.area.iloc[0] == pytest.approx(951.6 * 1108.9, rel=0.01)

"""Shapefiles through real GDAL readers: .prj, .cpg, Chinese bytes, 10-byte names, types, split."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely
from shapely.geometry import GeometryCollection, Point, Polygon

from geo.crs import from_wgs84
from geo.errors import InputError
from geo.export import write
from tests.geo.export.export_helpers import (
    H3_CELLS,
    LONG_A,
    LONG_B,
    NAMES,
    dbf_field_names,
    local_iso,
    mixed,
    ogrinfo,
    sample,
)


def _field_map(path) -> dict[str, str]:
    with path.open(encoding="utf-8-sig" if "utf" in path.name else "gbk") as fh:
        return {r["original"]: r["short"] for r in csv.DictReader(fh)}


def _same(a, b, tolerance: float) -> bool:
    return bool(shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance).all())


@pytest.mark.parametrize("encoding, cpg", [("utf-8", "UTF-8"), ("gbk", "GBK")])
def test_shapefile_round_trip(tmp_path, encoding, cpg):
    gdf = sample()
    files = write(gdf, tmp_path / f"grids_{encoding}.shp", "shp", encoding=encoding)
    stem = tmp_path / f"grids_{encoding}"
    names = {f.name for f in files}
    assert {f"{stem.name}{e}" for e in (".shp", ".shx", ".dbf", ".prj", ".cpg")} <= names
    assert f"{stem.name}_fields.csv" in names
    assert all(f.exists() for f in files)
    assert stem.with_suffix(".cpg").read_text() == cpg

    # .prj: GDAL identifies CGCS2000 / EPSG:4490
    summary = ogrinfo("-al", "-so", stem.with_suffix(".shp"))
    assert b"China Geodetic Coordinate System 2000" in summary
    assert b'ID["EPSG",4490]' in summary
    assert pyproj.CRS(stem.with_suffix(".prj").read_text()).to_epsg() == 4490

    # field names: at most 10 bytes in the target encoding, unique, mapped
    raw_names = dbf_field_names(stem.with_suffix(".dbf"))
    assert all(len(n) <= 10 for n in raw_names)
    assert len({n.lower() for n in raw_names}) == len(raw_names)
    fmap = _field_map(tmp_path / f"{stem.name}_fields.csv")
    assert fmap[LONG_A] != fmap[LONG_B]
    assert {fmap[LONG_A].encode(encoding), fmap[LONG_B].encode(encoding)} <= set(raw_names)
    assert "reporter_phone" not in fmap

    # Chinese values: the .dbf holds exactly the bytes of the target encoding
    dbf = stem.with_suffix(".dbf").read_bytes()
    for value in NAMES:
        assert value.encode(encoding) in dbf
    if encoding == "gbk":
        assert NAMES[0].encode("utf-8") not in dbf
    # …and GDAL's ogrinfo, recoding by the .cpg, prints them as UTF-8 byte for byte
    listing = ogrinfo("-al", stem.with_suffix(".shp"))
    for value in NAMES:
        assert value.encode("utf-8") in listing
    assert b"13800138000" not in dbf and b"reporter" not in listing
    assert b"grid_code: Integer64" in summary
    assert b"inspected: Date" in summary

    # pyogrio reads everything back exactly (names restored through the map)
    back = pyogrio.read_dataframe(stem.with_suffix(".shp"), use_arrow=True)
    back = back.rename(columns={v: k for k, v in fmap.items()})
    assert list(back["name"]) == NAMES
    assert list(back[LONG_A]) == list(gdf[LONG_A])
    assert list(back[LONG_B]) == list(gdf[LONG_B])
    assert list(back["grid_code"]) == list(gdf["grid_code"])
    assert back["grid_code"].dtype == "int64"
    assert list(back["cell"]) == [str(c) for c in H3_CELLS]  # beyond 2**53: text, exact
    assert list(back["inspected"]) == list(gdf["inspected"])  # Date field, read as dates
    assert list(back["occurred_at"]) == local_iso(gdf["occurred_at"])
    assert back["risk"].iloc[0] == 1 and pd.isna(back["risk"].iloc[1])
    assert back["area_m2"].iloc[0] == pytest.approx(12345.678, abs=1e-9)
    # shapefile rings are clockwise: compare in normal form
    assert _same(back.geometry.values, gdf.geometry.values, 1e-9)


def test_field_names_that_fit_are_not_renamed_and_no_map_written(tmp_path):
    gdf = sample()[["name", "grid_code", "geometry"]]
    files = write(gdf, tmp_path / "short.shp", "shp", encoding="gbk")
    assert not any(f.name.endswith("_fields.csv") for f in files)
    assert dbf_field_names(tmp_path / "short.dbf") == [b"name", b"grid_code"]


def test_mixed_geometries_split_into_one_shapefile_per_kind(tmp_path):
    gdf = mixed()
    gdf.loc[len(gdf)] = gdf.iloc[0]
    gdf.loc[len(gdf) - 1, "geometry"] = None  # a row without geometry: a table of its own
    files = write(gdf, tmp_path / "mixed.shp", "shp", encoding="gbk")
    assert pyogrio.read_dataframe(tmp_path / "mixed_nogeom.dbf")["name"].tolist() == [NAMES[0]]
    assert (tmp_path / "mixed_nogeom.cpg").read_text() == "GBK"
    shps = sorted(f.name for f in files if f.suffix == ".shp")
    assert shps == ["mixed_line.shp", "mixed_point.shp", "mixed_polygon.shp"]
    counts = {name: pyogrio.read_info(tmp_path / name)["features"] for name in shps}
    assert counts == {"mixed_line.shp": 1, "mixed_point.shp": 2, "mixed_polygon.shp": 1}
    assert b"Geometry: Point" in ogrinfo("-al", "-so", tmp_path / "mixed_point.shp")
    assert b"Geometry: Polygon" in ogrinfo("-al", "-so", tmp_path / "mixed_polygon.shp")
    assert b"Geometry: Line String" in ogrinfo("-al", "-so", tmp_path / "mixed_line.shp")


def test_a_geometry_collection_goes_to_each_kind_it_holds(tmp_path):
    collection = GeometryCollection(
        [
            Point(120.6, 31.3),
            Point(120.61, 31.31),
            Polygon([(120.6, 31.3), (120.7, 31.3), (120.7, 31.4)]),
        ]
    )
    gdf = sample([collection, Point(120.62, 31.32)])
    write(gdf, tmp_path / "gc.shp", "shp")
    points = pyogrio.read_dataframe(tmp_path / "gc_point.shp")
    polygons = pyogrio.read_dataframe(tmp_path / "gc_polygon.shp")
    assert list(points["name"]) == NAMES and list(polygons["name"]) == [NAMES[0]]
    assert shapely.get_num_geometries(points.geometry.values).tolist() == [2, 1]


def test_gcj02_coordinates_converted_and_declared_as_wgs84(tmp_path):
    gdf = sample([Point(120.6, 31.3), Point(120.7, 31.1)])
    write(gdf, tmp_path / "g.shp", "shp", crs="gcj02")
    back = pyogrio.read_dataframe(tmp_path / "g.shp")
    x, y = shapely.get_coordinates(gdf.geometry.values).T
    gx, gy = from_wgs84(x, y, "gcj02")
    bx, by = shapely.get_coordinates(back.geometry.values).T
    assert np.allclose(bx, gx, atol=1e-9) and np.allclose(by, gy, atol=1e-9)
    assert np.abs(bx - x).max() > 1e-3  # really moved (~500 m)
    assert pyproj.CRS((tmp_path / "g.prj").read_text()).to_epsg() == 4326


def test_projected_crs(tmp_path):
    gdf = sample()
    write(gdf, tmp_path / "m.shp", "shp", crs="EPSG:4549")
    assert pyproj.CRS((tmp_path / "m.prj").read_text()).to_epsg() == 4549
    back = pyogrio.read_dataframe(tmp_path / "m.shp")
    expected = gdf.to_crs(4549).geometry.values
    assert _same(back.geometry.values, expected, 1e-6)


def test_text_gbk_cannot_hold_is_refused_with_row_and_field(tmp_path):
    gdf = sample()
    gdf.loc[1, "name"] = "网格😀"
    with pytest.raises(InputError, match=r"row 2.*field name.*GBK"):
        write(gdf, tmp_path / "bad.shp", "shp", encoding="gbk")
    assert not list(tmp_path.iterdir())


def test_text_longer_than_a_dbase_field_is_refused(tmp_path):
    gdf = sample()
    gdf.loc[1, LONG_A] = "长" * 100  # 300 bytes in UTF-8
    with pytest.raises(InputError, match=rf"row 2.*field {LONG_A}.*GeoPackage"):
        write(gdf, tmp_path / "long.shp", "shp")
    gdf.loc[1, LONG_A] = "长" * 100 + "😀"
    with pytest.raises(InputError, match=rf"row 2.*field {LONG_A}.*GBK"):
        write(gdf, tmp_path / "long.shp", "shp", encoding="gbk")


def test_3d_geometries_are_written_2d(tmp_path):
    gdf = sample([Point(120.6, 31.3, 12.5), Point(120.7, 31.1, 3.0)])
    write(gdf, tmp_path / "z.shp", "shp")
    assert b"Geometry: Point\n" in ogrinfo("-al", "-so", tmp_path / "z.shp")
    assert not pyogrio.read_dataframe(tmp_path / "z.shp").geometry.has_z.any()

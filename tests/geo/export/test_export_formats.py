"""GeoPackage, GeoJSON and CSV through pyogrio and GDAL's ogrinfo."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pyogrio
import pytest
import shapely

from geo.errors import InputError
from geo.export import write
from tests.geo.export.export_helpers import H3_CELLS, LONG_A, NAMES, local_iso, ogrinfo, sample


def _check_values(back: pd.DataFrame, gdf: pd.DataFrame) -> None:
    assert list(back["name"]) == NAMES
    assert list(back[LONG_A]) == list(gdf[LONG_A])  # long names kept outside shapefiles
    assert list(back["grid_code"]) == list(gdf["grid_code"])
    assert list(back["cell"]) == H3_CELLS  # int64 beyond 2**53, exact
    assert "reporter_phone" not in back.columns


@pytest.mark.parametrize("fmt", ["gpkg", "geojson"])
def test_gpkg_and_geojson_round_trip(tmp_path, fmt):
    gdf = sample()
    [path] = write(gdf, tmp_path / "grids", fmt)
    assert path.suffix == f".{fmt}"
    back = pyogrio.read_dataframe(path, use_arrow=True)
    _check_values(back, gdf)
    assert list(back["inspected"]) == [dt.date(2026, 3, 1), None]
    stamps = pd.to_datetime(back["occurred_at"], utc=True)
    assert list(stamps) == list(gdf["occurred_at"])  # same instants
    assert shapely.equals_exact(back.geometry.values, gdf.geometry.values, 1e-12).all()

    summary = ogrinfo("-al", "-so", path)
    assert b"China Geodetic Coordinate System 2000" in summary
    assert b"grid_code: Integer64" in summary and b"inspected: Date" in summary
    listing = ogrinfo("-al", path)
    for value in NAMES + [LONG_A]:
        assert value.encode("utf-8") in listing
    assert str(H3_CELLS[0]).encode() in listing
    assert b"13800138000" not in path.read_bytes()
    assert b"partially supported" not in listing  # GeoPackage 1.2, readable by GDAL 3.6


def test_geojson_is_plain_utf8_with_the_crs_member(tmp_path):
    [path] = write(sample(), tmp_path / "g.geojson", "geojson")
    doc = json.loads(path.read_bytes().decode("utf-8"))
    assert doc["crs"]["properties"]["name"].endswith("EPSG::4490")
    assert doc["features"][0]["properties"]["name"] == NAMES[0]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_csv_round_trip(tmp_path, encoding):
    gdf = sample()
    files = write(gdf, tmp_path / "grids.csv", "csv", encoding=encoding)
    assert sorted(f.suffix for f in files) == [".csv", ".csvt", ".prj"]
    raw = (tmp_path / "grids.csv").read_bytes()
    for value in NAMES:
        assert value.encode(encoding) in raw
    assert raw.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8")  # BOM for spreadsheets
    assert b"13800138000" not in raw

    # pyogrio decodes with the encoding; .csvt gives GDAL the types
    back = pyogrio.read_dataframe(tmp_path / "grids.csv", encoding=encoding)
    _check_values(back, gdf)
    assert list(back["occurred_at"].astype(str).str[:19]) == [
        s[:19].replace("T", " ") for s in local_iso(gdf["occurred_at"])
    ]

    # GDAL's ogrinfo: geometry from the WKT column, CRS from the .prj, types from .csvt,
    # and the raw text bytes of the file's encoding
    summary = ogrinfo("-al", "-so", tmp_path / "grids.csv")
    assert b"China Geodetic Coordinate System 2000" in summary
    assert b"grid_code: Integer64" in summary and b"inspected: Date" in summary
    listing = ogrinfo("-al", tmp_path / "grids.csv")
    assert b"POLYGON ((120.6 31.3" in listing
    for value in NAMES:
        assert value.encode(encoding) in listing


@pytest.mark.parametrize("fmt", ["gpkg", "geojson"])
def test_utf8_only_formats_refuse_gbk(tmp_path, fmt):
    with pytest.raises(InputError, match="always UTF-8"):
        write(sample(), tmp_path / "x", fmt, encoding="gbk")


def test_unknown_format_and_crs_are_refused(tmp_path):
    with pytest.raises(InputError, match="format"):
        write(sample(), tmp_path / "x", "kml")
    with pytest.raises(InputError, match="coordinate system"):
        write(sample(), tmp_path / "x", "gpkg", crs="mars-2")

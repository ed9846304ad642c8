"""The shapefile size estimate (exact on real files) and the 2 GB refusal."""

from __future__ import annotations

import pandas as pd
import pytest
from shapely.geometry import MultiPoint, MultiPolygon, Point, Polygon

from geo.errors import InputError
from geo.export.prepare import coerce
from geo.export.shapefile import (
    MAX_FILE_BYTES,
    check_size,
    estimate,
    estimate_layer,
    write_shapefile,
)
from tests.geo.export.export_helpers import mixed, sample

HOLE = Polygon(
    [(0, 0), (10, 0), (10, 10), (0, 10)], [[(2, 2), (3, 2), (3, 3)], [(5, 5), (6, 5), (6, 6)]]
)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
@pytest.mark.parametrize(
    "geoms",
    [
        [Polygon([(0, 0), (1, 0), (1, 1)]), HOLE],
        [MultiPolygon([HOLE, Polygon([(20, 20), (21, 20), (21, 21)])]), None],
        [Point(1, 2), Point(3, 4)],
        [MultiPoint([(1, 2), (3, 4), (5, 6)]), Point(0, 0)],
    ],
    ids=["polygons", "multipolygon+null", "points", "multipoints"],
)
def test_estimate_equals_the_files_gdal_writes(tmp_path, encoding, geoms):
    gdf = sample(geoms).drop(columns="reporter_phone")
    gdf["ok"] = pd.array([True, None], dtype="boolean")
    gdf["empty"] = [None, None]
    gdf["delta"] = pd.array([-5, 12345], dtype="Int64")
    files = write_shapefile(gdf, tmp_path / "s.shp", encoding)
    [sizes] = estimate_layer(gdf, encoding).values()
    actual = {f.suffix: f.stat().st_size for f in files if f.suffix in (".shp", ".shx", ".dbf")}
    assert sizes == actual


def test_estimate_per_kind_of_a_mixed_layer(tmp_path):
    gdf = mixed().drop(columns="reporter_phone")
    files = write_shapefile(gdf, tmp_path / "m.shp", "gbk")
    for kind, sizes in estimate_layer(gdf, "gbk").items():
        actual = {
            f.suffix: f.stat().st_size
            for f in files
            if f.stem == f"m_{kind}" and f.suffix in (".shp", ".shx", ".dbf")
        }
        assert sizes == actual


def test_estimate_scales_to_a_row_count():
    prepared = coerce(sample([Point(1, 2), Point(3, 4)]), "shp")
    header = estimate(prepared, "utf-8", rows=0)
    one = estimate(prepared, "utf-8")
    many = estimate(prepared, "utf-8", rows=2_000_000)
    for ext in (".shp", ".shx", ".dbf"):
        assert many[ext] - header[ext] == (one[ext] - header[ext]) * 1_000_000


def test_refuses_over_2_gb_suggesting_geopackage(tmp_path):
    prepared = coerce(sample(), "shp")
    per_row = (
        estimate(prepared, "utf-8", rows=2)[".dbf"] - estimate(prepared, "utf-8", rows=1)[".dbf"]
    )
    rows = MAX_FILE_BYTES // per_row + 10  # a layer just past the limit (by its .dbf)
    with pytest.raises(InputError, match=r"2 GB.*GeoPackage.*--format gpkg"):
        check_size(estimate(prepared, "utf-8", rows=rows), "grids")
    check_size(estimate(prepared, "utf-8", rows=1000), "grids")  # small: fine

    # the writer checks before writing anything
    with pytest.raises(InputError, match="GeoPackage"):
        write_shapefile(mixed(), tmp_path / "big.shp", rows_hint=40_000_000)
    assert not list(tmp_path.iterdir())

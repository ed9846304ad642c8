"""etl.readers: every format read whole, or refused with one reason — never half-read."""

from __future__ import annotations

import json
import zipfile

import pandas as pd
import pytest

from etl.readers import read
from geo.errors import InputError
from tests.etl.builders import boundaries, incidents, points_gdf, write_shp


def test_gbk_shapefile_with_cpg(tmp_path):
    src = read(write_shp(boundaries("community"), tmp_path / "c.shp"))
    assert src.format == "shapefile" and src.encoding == "gbk" and src.encoding_source == "cpg"
    assert src.crs == "cgcs2000"
    assert src.frame["名称"].tolist()[0] == "定慧寺巷社区"
    assert len(src.geometry) == 4


def test_gbk_shapefile_without_cpg_is_detected(tmp_path):
    path = write_shp(boundaries("town"), tmp_path / "t.shp")
    path.with_suffix(".cpg").unlink()
    src = read(path)
    assert (src.encoding, src.encoding_source) == ("gbk", "detected")
    assert src.frame["名称"].tolist() == ["双塔街道", "平江街道"]


def test_zipped_shapefile(tmp_path):
    write_shp(boundaries("town"), tmp_path / "t.shp")
    archive = tmp_path / "towns.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("t.*"):
            z.write(part, f"folder/{part.name}")
    src = read(archive)
    assert src.path == archive and src.frame["名称"].tolist() == ["双塔街道", "平江街道"]


def test_gpkg_and_geojson(tmp_path):
    gdf = points_gdf(incidents(5))
    gdf.to_file(tmp_path / "a.gpkg", driver="GPKG")
    gdf.to_file(tmp_path / "a.geojson", driver="GeoJSON")
    for name in ("a.gpkg", "a.geojson"):
        src = read(tmp_path / name)
        assert src.rows == 5 and src.crs == "wgs84"
        assert src.frame["警情类别"].tolist() == gdf["警情类别"].tolist()
    assert read(tmp_path / "a.geojson").crs_is_default


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_each_encoding_reads_all_columns_as_text(tmp_path, codec):
    df = incidents(20)
    df.to_csv(tmp_path / "i.csv", index=False, encoding=codec)
    src = read(tmp_path / "i.csv")
    assert src.encoding == ("gbk" if codec == "gbk" else "utf-8")
    assert list(src.frame.columns) == list(df.columns)
    assert src.frame["警情类别"].tolist() == df["警情类别"].tolist()
    assert src.frame["经度"].tolist() == [repr(x) for x in df["经度"]]


def test_csv_gbk_after_the_detection_sample_is_still_read(tmp_path):
    df = pd.DataFrame({"编号": [f"S{i}" for i in range(60_000)], "名称": "abc"})
    df.loc[59_999, "名称"] = "派出所"
    df.to_csv(tmp_path / "late.csv", index=False, encoding="gbk")
    src = read(tmp_path / "late.csv")
    assert src.encoding == "gbk" and src.frame["名称"].iloc[-1] == "派出所"


def test_xlsx(tmp_path):
    df = incidents(6)
    df.to_excel(tmp_path / "r.xlsx", sheet_name="出租房屋", index=False)
    src = read(tmp_path / "r.xlsx")
    assert src.rows == 6 and src.frame["警情编号"].tolist() == df["警情编号"].tolist()
    assert src.frame["经度"].astype(float).tolist() == df["经度"].tolist()


def _cut(path, fraction=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])


def test_truncated_shp_dbf_and_missing_dbf(tmp_path):
    for part in (".shp", ".dbf"):
        path = write_shp(boundaries("community"), tmp_path / f"c{part[1:]}.shp")
        _cut(path.with_suffix(part))
        with pytest.raises(InputError, match="truncated"):
            read(path)
    path = write_shp(boundaries("town"), tmp_path / "nodbf.shp")
    path.with_suffix(".dbf").unlink()
    with pytest.raises(InputError, match="without its .dbf"):
        read(path)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("junk.csv", b"\x00\x01\x02garbage\xff\xfe" * 50, "binary data"),
        ("fake.zip", b"PK not really a zip", "not a zip"),
        ("fake.gpkg", b"hello", "not a GeoPackage"),
        ("fake.xlsx", b"hello", "not an .xlsx"),
        ("bad.geojson", b'{"type": "FeatureCollection", "features": [', "not valid JSON"),
        ("empty.csv", b"", "empty file"),
        ("ragged.csv", "编号,名称\n1,a,b,c\n".encode(), "not a readable CSV"),
    ],
)
def test_garbled_files_are_refused_with_one_reason(tmp_path, name, content, reason):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError, match=reason) as info:
        read(tmp_path / name)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_unknown_suffix(tmp_path):
    (tmp_path / "a.dwg").write_text("x")
    with pytest.raises(InputError, match="unsupported file type"):
        read(tmp_path / "a.dwg")


def test_geojson_declared_crs_is_not_default(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"编号": "H1"},
                "geometry": {"type": "Point", "coordinates": [120.6, 31.3]},
            }
        ],
    }
    (tmp_path / "h.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    src = read(tmp_path / "h.geojson")
    assert src.crs == "cgcs2000" and not src.crs_is_default

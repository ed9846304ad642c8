"""etl.load end to end on the real database: every format and CRS, reasons, personal data."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity
from sqlalchemy import text

from etl.load import load
from geo.crs import from_wgs84
from tests.etl.builders import (
    DISTRICT,
    boundaries,
    facilities,
    grids,
    in_crs,
    incidents,
    points_gdf,
    write_shp,
)


def _stored(engine, table: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(
            text(f"SELECT *, ST_X(geom) AS x, ST_Y(geom) AS y FROM {table} ORDER BY source_key"),
            conn,
        )


def _balanced(result: dict) -> None:
    assert result["read"] == result["loaded"] + result["rejected"] + result["duplicates"]


def test_gbk_boundaries_keep_chinese_names_levels_and_parents(city):
    with city.connect() as conn:
        units = conn.execute(
            text(
                "SELECT code, name, level, parent_code, households, "
                "ST_Area(geom) FROM admin_units ORDER BY code"
            )
        ).all()
    assert [u.level for u in units] == [
        "district",
        "town",
        "community",
        "community",
        "town",
        "community",
        "community",
    ]
    by_code = {u.code: u for u in units}
    assert by_code["320508"].name == "姑苏区" and by_code["320508001002"].name == "南园社区"
    assert by_code["320508002001"].parent_code == "320508002"
    assert by_code["320508"].households == 400
    assert by_code["320508"][5] == pytest.approx(DISTRICT.area)


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09", "cgcs2000", "EPSG:4549"])
def test_csv_points_in_each_crs_are_stored_in_wgs84(city, db_url, tmp_path, crs):
    truth = incidents(30)
    in_crs(truth, crs).to_csv(tmp_path / "i.csv", index=False)
    result = load("incidents", tmp_path / "i.csv", crs=crs, url=db_url)
    assert (result["loaded"], result["rejected"], result["crs"]) == (
        30,
        0,
        crs.lower() if crs != "EPSG:4549" else crs,
    )
    stored = _stored(city, "incidents")
    assert np.allclose(stored["x"], truth["经度"], atol=1e-7)  # ≈ 1 cm
    assert np.allclose(stored["y"], truth["纬度"], atol=1e-7)


@pytest.mark.parametrize("crs", ["cgcs2000", "EPSG:4549"])
def test_shapefile_points_use_their_prj(city, db_url, tmp_path, crs):
    truth = facilities()
    gdf = points_gdf(in_crs(truth, crs))
    path = write_shp(gdf, tmp_path / "f.shp", crs=crs, encoding="UTF-8")
    result = load("facilities", path, crs="EPSG:3857", url=db_url)  # the .prj wins over --crs
    assert result["crs"] == crs and result["loaded"] == len(truth)
    assert any("ignored" in w for w in result["warnings"])
    stored = _stored(city, "facilities")
    assert np.allclose(stored["x"], truth["经度"], atol=1e-7)
    assert stored["kind"].tolist()[:4] == ["police_station", "shelter", "mediation_room", "camera"]


@pytest.mark.parametrize("fmt", ["xlsx", "geojson", "gpkg", "zip"])
def test_each_format_loads_the_same_rows(city, db_url, tmp_path, fmt):
    truth = facilities()
    if fmt == "xlsx":
        path = tmp_path / "f.xlsx"
        in_crs(truth, "bd09").to_excel(path, index=False)
        result = load("facilities", path, crs="bd09", url=db_url)
    elif fmt == "zip":
        write_shp(points_gdf(truth), tmp_path / "f.shp", crs="cgcs2000")
        path = tmp_path / "f.zip"
        with zipfile.ZipFile(path, "w") as z:
            for part in tmp_path.glob("f.*"):
                if part.suffix != ".zip":
                    z.write(part, part.name)
        result = load("facilities", path, url=db_url)
    else:
        path = tmp_path / f"f.{fmt}"
        points_gdf(truth).to_file(path)
        result = load("facilities", path, url=db_url)
    assert result["loaded"] == len(truth) and result["rejected"] == 0
    stored = _stored(city, "facilities")
    assert stored["name"].tolist() == truth["名称"].tolist()
    assert np.allclose(stored["x"], truth["经度"], atol=1e-7)


def test_hazards_geojson_risk_levels_and_dates(city, db_url, tmp_path):
    gdf = points_gdf(facilities(4).rename(columns={"类型": "类别"}))
    gdf["类别"] = ["燃气", "危险化学品", "建筑工地", "燃气"]
    gdf["风险等级"] = ["重大", "较大", "一般", "低"]
    gdf["最近检查日期"] = ["2025-06-01", "", "2025-07-15", "2025-02-30"]
    gdf.to_file(tmp_path / "h.geojson")
    result = load("hazards", tmp_path / "h.geojson", url=db_url)
    assert (result["loaded"], result["reasons"]) == (3, {"bad_time": 1})
    stored = _stored(city, "hazards")
    assert stored["risk_level"].tolist() == [4, 3, 2]
    assert (
        str(stored["last_inspected_at"][0]) == "2025-06-01"
        and stored["last_inspected_at"].isna()[1]
    )


def test_every_point_reason_is_recorded_once(city, db_url, tmp_path):
    df = incidents(14).astype({"经度": object, "纬度": object})
    df.loc[0, "警情编号"] = None  # missing_key
    df.loc[1, "经度"] = None  # missing_coordinates
    df.loc[2, "经度"] = "120.62E"  # bad_coordinates
    df.loc[3, ["经度", "纬度"]] = [df.loc[3, "纬度"], df.loc[3, "经度"]]  # swapped_coordinates
    df.loc[4, ["经度", "纬度"]] = [118.78, 32.04]  # Nanjing: outside_city
    df.loc[5, "报警时间"] = "昨天晚上"  # bad_time
    df.loc[6, "警情类别"] = "外星人"  # outside the vocabulary: loaded as 未分类
    df.loc[7, "警情类别"] = None  # missing_value
    df.loc[8] = df.loc[9]  # 9 repeats 8 exactly: duplicate_row
    df.loc[11] = df.loc[10]
    df.loc[11, "发生地址"] = "别处"  # same key, other content: duplicate_key
    df.to_csv(tmp_path / "bad.csv", index=False)
    result = load("incidents", tmp_path / "bad.csv", crs="wgs84", url=db_url)
    _balanced(result)
    assert result["reasons"] == {
        r: 1
        for r in (
            "missing_key",
            "missing_coordinates",
            "bad_coordinates",
            "swapped_coordinates",
            "outside_city",
            "bad_time",
            "missing_value",
            "duplicate_row",
            "duplicate_key",
        )
    }
    assert (result["loaded"], result["rejected"], result["duplicates"]) == (5, 8, 1)
    assert [(u["value"], u["count"]) for u in result["unclassified"]] == [("外星人", 1)]
    with city.connect() as conn:
        rejects = conn.execute(
            text("SELECT row_number, reason, field, raw FROM load_rejects ORDER BY row_number")
        ).all()
    assert [(r.row_number, r.reason) for r in rejects][:3] == [
        (1, "missing_key"),
        (2, "missing_coordinates"),
        (3, "bad_coordinates"),
    ]
    assert rejects[2].raw["经度"] == "120.62E" and rejects[2].field == "lon"
    csv = pd.read_csv(result["rejects_csv"], encoding="utf-8-sig")
    assert csv["reason"].tolist() == [r.reason for r in rejects]


def test_personal_columns_are_never_stored_in_clear(city, db_url, tmp_path):
    df = incidents(10)
    df["租客姓名"] = [f"王{i}" for i in range(10)]  # unknown column, personal by its header
    df.loc[3, ["经度", "纬度"]] = [118.78, 32.04]  # one reject, so raw rows are kept too
    df.to_csv(tmp_path / "i.csv", index=False)
    result = load("incidents", tmp_path / "i.csv", crs="wgs84", url=db_url)
    assert result["personal_columns"] == ["reporter", "reporter_phone", "租客姓名"]
    with city.connect() as conn:
        dump = conn.execute(text("SELECT string_agg(t::text, ' ') FROM incidents t")).scalar()
        dump += conn.execute(text("SELECT string_agg(t::text, ' ') FROM load_rejects t")).scalar()
    for clear in [*df["报警人"], *df["联系电话"], *df["租客姓名"]]:
        assert clear not in dump
    assert "hmac:" in dump
    stored = _stored(city, "incidents")
    assert stored["attributes"][0]["租客姓名"].startswith("hmac:")
    assert (stored["h3"] != 0).all()


def test_personal_columns_dropped_on_request(city, db_url, tmp_path):
    incidents(5).to_csv(tmp_path / "i.csv", index=False)
    load("incidents", tmp_path / "i.csv", crs="wgs84", personal_mode="drop", url=db_url)
    stored = _stored(city, "incidents")
    assert stored["reporter"].isna().all() and stored["reporter_phone"].isna().all()


def test_gcj02_file_declared_wgs84_gets_a_warning(city, db_url, tmp_path):
    df = incidents(400)
    rng = np.random.default_rng(5)
    xmin, ymin, xmax, ymax = DISTRICT.bounds
    df["经度"], df["纬度"] = rng.uniform(xmin, xmax, 400), rng.uniform(ymin, ymax, 400)
    in_crs(df, "gcj02").to_csv(tmp_path / "i.csv", index=False)
    result = load("incidents", tmp_path / "i.csv", crs="wgs84", url=db_url)
    assert any("GCJ-02" in w for w in result["warnings"])


def test_whole_file_with_swapped_columns_is_read_exchanged(city, db_url, tmp_path):
    df = incidents(20).rename(columns={"经度": "纬度", "纬度": "经度"})
    df.to_csv(tmp_path / "i.csv", index=False)
    result = load("incidents", tmp_path / "i.csv", crs="wgs84", url=db_url)
    assert result["loaded"] == 20 and any("other way" in w for w in result["warnings"])


def test_without_boundaries_outside_city_is_a_china_check(clean_db, db_url, tmp_path):
    df = incidents(3)
    df.loc[0, ["经度", "纬度"]] = [118.78, 32.04]  # Nanjing is in China
    df.loc[1, ["经度", "纬度"]] = [2.35, 48.85]  # Paris is not
    df.to_csv(tmp_path / "i.csv", index=False)
    result = load("incidents", tmp_path / "i.csv", crs="wgs84", url=db_url)
    assert result["reasons"] == {"outside_city": 1}
    assert any("China" in w for w in result["warnings"])


def test_grids_create_versions_repair_and_check_parents(city, db_url, tmp_path):
    gdf = grids()
    bow = shapely.Polygon([(120.57, 31.29), (120.58, 31.30), (120.58, 31.29), (120.57, 31.30)])
    gdf.loc[0, "geometry"] = bow  # self-intersecting: repaired
    gdf.loc[1, "社区代码"] = "320508009009"  # unknown_parent
    gdf.loc[2, "网格类型"] = "外太空"  # unknown_category
    gdf["户数"] = gdf["户数"].astype(str)
    gdf.loc[3, "户数"] = "-5"  # bad_value
    path = write_shp(gdf, tmp_path / "g.shp")
    first = load("grids", path, grid_version="2025", url=db_url)
    _balanced(first)
    assert first["repaired"] == 1 and first["loaded"] == 5
    assert first["reasons"] == {"unknown_parent": 1, "unknown_category": 1, "bad_value": 1}
    second = load("grids", path, grid_version="2026", url=db_url)
    assert second["batch_id"] != first["batch_id"] and second["loaded"] == 5
    with city.connect() as conn:
        versions = dict(conn.execute(text("SELECT name, status FROM grid_versions")).all())
        rows = conn.execute(
            text(
                "SELECT g.grid_code, g.kind, g.town_code, g.district_code, GeometryType(g.geom), "
                "ST_IsValid(g.geom) FROM grids g JOIN grid_versions v ON v.id = g.version_id "
                "WHERE v.name = '2025' ORDER BY grid_code"
            )
        ).all()
    assert versions == {"2025": "active", "2026": "draft"}
    assert rows[0][1:] == ("urban", "320508001", "320508", "MULTIPOLYGON", True)


def test_loading_a_version_while_one_is_filed_makes_a_draft(city, db_url, tmp_path):
    path = write_shp(grids(), tmp_path / "g.shp")
    load("grids", path, grid_version="2025", url=db_url)
    with city.begin() as conn:
        conn.execute(
            text("UPDATE grid_versions SET status = 'filed', filed_at = now() WHERE name = '2025'")
        )
    second = load("grids", path, grid_version="2026", url=db_url)
    assert second["loaded"] == len(grids())
    with city.connect() as conn:
        versions = dict(conn.execute(text("SELECT name, status FROM grid_versions")).all())
    assert versions == {"2025": "filed", "2026": "draft"}  # one version in force


def test_repaired_count_and_warning_agree(city, db_url, tmp_path):
    gdf = grids()
    bow = shapely.Polygon([(120.57, 31.29), (120.58, 31.30), (120.58, 31.29), (120.57, 31.30)])
    gdf.loc[0, "geometry"] = bow  # repaired and loaded
    gdf.loc[1, "geometry"] = shapely.affinity.translate(bow, 0.001)  # repaired, then rejected
    gdf.loc[1, "社区代码"] = "320508009009"  # unknown_parent
    result = load("grids", write_shp(gdf, tmp_path / "g.shp"), grid_version="2025", url=db_url)
    assert result["repaired"] == 1 and result["reasons"] == {"unknown_parent": 1}
    repaired = [w for w in result["warnings"] if "repaired" in w]
    assert repaired == ["1 invalid polygon(s) repaired with make_valid (rows 1)"]


def test_polygon_reasons_missing_and_invalid_geometry(city, db_url, tmp_path):
    gdf = boundaries("community")
    gdf.loc[0, "geometry"] = None
    gdf.loc[1, "geometry"] = shapely.LineString([(120.57, 31.29), (120.58, 31.30)])
    gdf.to_file(tmp_path / "c.geojson")
    result = load("boundaries", tmp_path / "c.geojson", url=db_url)
    assert result["reasons"] == {"missing_geometry": 1, "invalid_geometry": 1}
    assert result["updated"] == 0 and result["unchanged"] == 2


def test_unknown_parent_for_boundaries(city, db_url, tmp_path):
    gdf = boundaries("community")
    gdf.loc[0, "上级代码"] = "320508777"
    gdf.loc[0, "代码"] = "320508777001"
    result = load("boundaries", write_shp(gdf, tmp_path / "c.shp"), url=db_url)
    assert result["reasons"] == {"unknown_parent": 1}


def test_rentals_xlsx_bad_value_and_personal(city, db_url, tmp_path):
    df = (
        in_crs(facilities(4), "bd09")
        .rename(columns={"编号": "房屋编号"})
        .drop(columns=["名称", "类型"])
    )
    df["房间数"] = ["2", "三间", "1", "4"]
    df["房东姓名"], df["房东电话"] = "赵六", "13912345678"
    df["房东身份证号"] = "320508199001011234"
    df.to_excel(tmp_path / "r.xlsx", sheet_name="出租房屋", index=False)
    result = load("rentals", tmp_path / "r.xlsx", crs="bd09", url=db_url)
    assert result["reasons"] == {"bad_value": 1}
    assert result["personal_columns"] == ["landlord", "landlord_phone", "landlord_id_no"]
    stored = _stored(city, "rentals")
    assert stored["rooms"].tolist() == [2, 1, 4]
    assert all(v.startswith("hmac:") for v in stored["landlord_id_no"])


def test_gauss_kruger_polygons_land_where_they_belong(city, db_url, tmp_path):
    gdf = boundaries("community")
    projected = gdf.to_crs("EPSG:4549")
    path = write_shp(projected, tmp_path / "c4549.shp", crs="EPSG:4549")
    result = load("boundaries", path, url=db_url)
    assert result["crs"] == "EPSG:4549" and result["unchanged"] + result["updated"] == 4
    with city.connect() as conn:
        stored = conn.execute(
            text(
                "SELECT code, ST_AsBinary(geom) FROM admin_units "
                "WHERE level = 'community' ORDER BY code"
            )
        ).all()
    for (code, wkb), truth in zip(stored, gdf.sort_values("代码").geometry, strict=True):
        assert shapely.from_wkb(bytes(wkb)).symmetric_difference(truth).area < 1e-12, code


def test_gbk_csv_with_encoding_option(city, db_url, tmp_path):
    facilities().to_csv(tmp_path / "f.csv", index=False, encoding="gbk")
    result = load("facilities", tmp_path / "f.csv", crs="wgs84", encoding="gbk", url=db_url)
    assert (result["encoding"], result["encoding_source"], result["loaded"]) == ("gbk", "option", 8)
    assert _stored(city, "facilities")["name"].tolist()[0] == "设施0"


def test_gcj02_grids_declared_cgcs2000_get_a_warning(city, db_url, tmp_path):
    gdf = grids()
    shifted = gdf.set_geometry(
        gdf.geometry.apply(
            lambda g: shapely.transform(
                g, lambda xy: np.column_stack(from_wgs84(xy[:, 0], xy[:, 1], "gcj02"))
            )
        )
    )
    result = load("grids", write_shp(shifted, tmp_path / "g.shp"), grid_version="x", url=db_url)
    assert any("GCJ-02" in w for w in result["warnings"])
    clean = load("grids", write_shp(gdf, tmp_path / "ok.shp"), grid_version="y", url=db_url)
    assert not any("GCJ-02" in w for w in clean["warnings"])

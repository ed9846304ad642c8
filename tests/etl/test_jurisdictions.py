"""Departments' units (KIND jurisdictions) from a GBK shapefile, GeoJSON and Gauss-Kruger,
then `grids align` on them through the CLI."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import text

from etl.load import load
from tests.etl.builders import COMMUNITIES, grids, write_shp

WEST, EAST = shapely.box(120.56, 31.28, 120.61, 31.36), shapely.box(120.61, 31.28, 120.68, 31.36)


def police() -> gpd.GeoDataFrame:
    """Two police-station areas split at 120.61°E: the toy grids of the west town's east
    halves (120.59–120.62) straddle them."""
    return gpd.GeoDataFrame(
        {
            "辖区代码": ["P01", "P02"],
            "辖区名称": ["双塔派出所", "平江派出所"],
            "部门": ["派出所", "公安"],
            "所长": ["甲", "乙"],
        },
        geometry=[WEST, EAST],
        crs="EPSG:4326",
    )


def _balanced(r):
    assert r["read"] == r["loaded"] + r["rejected"] + r["duplicates"]


def test_units_load_with_canonical_departments_and_keep_other_columns(city, db_url, tmp_path):
    result = load("jurisdictions", write_shp(police(), tmp_path / "p.shp"), url=db_url)
    _balanced(result)
    assert result["loaded"] == 2 and result["rejected"] == 0
    with city.connect() as c:
        rows = c.execute(
            text(
                "SELECT department, code, name, attributes->>'所长', "
                "ST_Area(geom::geography) FROM jurisdictions ORDER BY code"
            )
        ).all()
    assert [r[:4] for r in rows] == [
        ("police", "P01", "双塔派出所", "甲"),
        ("police", "P02", "平江派出所", "乙"),
    ]
    assert rows[0][4] > 30e6  # 5 km × 9 km
    again = load("jurisdictions", write_shp(police(), tmp_path / "p.shp"), url=db_url)
    assert again["status"] == "already_loaded"


def test_same_code_in_two_departments_are_two_units_and_unknown_department_is_kept(
    city, db_url, tmp_path
):
    gdf = police()
    other = police().assign(部门=["城管", "水务局"])
    both = gpd.GeoDataFrame(gpd.pd.concat([gdf, other], ignore_index=True), crs="EPSG:4326")
    extra = both.iloc[[0]].assign(
        辖区名称="重复"
    )  # same department and code: the later one clashes
    missing = both.iloc[[1]].assign(部门=None, 辖区代码="P09")
    rows = gpd.GeoDataFrame(
        gpd.pd.concat([both, extra, missing], ignore_index=True), crs="EPSG:4326"
    )
    rows.to_file(tmp_path / "u.geojson")
    result = load("jurisdictions", tmp_path / "u.geojson", url=db_url)
    _balanced(result)
    assert result["reasons"] == {"duplicate_key": 1, "missing_value": 1}
    with city.connect() as c:
        stored = c.execute(text("SELECT department, code FROM jurisdictions ORDER BY 1, 2")).all()
    assert stored == [
        ("police", "P01"),
        ("police", "P02"),
        ("urban_management", "P01"),
        ("水务局", "P02"),
    ]
    with city.connect() as c:
        name = c.execute(
            text("SELECT name FROM jurisdictions WHERE department = 'police' AND code = 'P01'")
        ).scalar()
    assert name == "双塔派出所"


def test_gauss_kruger_units_land_where_they_belong(city, db_url, tmp_path):
    gk = police().to_crs("EPSG:4549")
    write_shp(gk, tmp_path / "gk.shp", crs=None)
    result = load("jurisdictions", tmp_path / "gk.shp", crs="EPSG:4549", url=db_url)
    assert result["loaded"] == 2
    with city.connect() as c:
        wkb = c.execute(
            text("SELECT ST_AsBinary(geom) FROM jurisdictions WHERE code = 'P01'")
        ).scalar()
    assert shapely.from_wkb(bytes(wkb)).symmetric_difference(WEST).area < 1e-9


def test_grids_align_reports_the_straddling_grids(city, db_url, tmp_path, cli):
    load("jurisdictions", write_shp(police(), tmp_path / "p.shp"), url=db_url)
    load("grids", write_shp(grids(), tmp_path / "g.shp"), grid_version="2025", url=db_url)
    done = cli("grids", "align", "2025", "--department", "公安", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    # the toy grids are community halves 3 km wide; the east halves of the west town
    # (120.59–120.62) lie one third in P02
    straddling = sorted(f"{c}002" for c in COMMUNITIES if c.startswith("320508001"))
    assert out["department"] == "police" and out["units"] == 2 and out["grids"] == 8
    assert sorted(out["split"]) == straddling
    item = next(i for i in out["items"] if i["grid_code"] == straddling[0])
    shares = {u["code"]: u["share"] for u in item["units"]}
    assert shares["P01"] == pytest.approx(2 / 3, abs=0.01) and shares["P02"] == pytest.approx(
        1 / 3, abs=0.01
    )
    # score: 6 grids wholly inside one area, 2 with two thirds in their main one
    assert out["score"] == pytest.approx((6 + 2 * shares["P01"]) / 8, abs=0.002)
    with city.connect() as c:
        stored = c.execute(
            text(
                "SELECT count(*) FROM analysis_features f JOIN analysis_results r "
                "ON r.id = f.result_id WHERE r.kind = 'grid-align'"
            )
        ).scalar()
    assert stored == 2
    refused = cli("grids", "align", "2025", "--department", "城管", "--json")
    assert refused.returncode == 1 and "no units of department" in refused.stderr
    assert refused.stderr.count("\n") == 1

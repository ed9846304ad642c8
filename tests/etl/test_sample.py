"""The sample city (small scale): reproducible bytes, stated CRS and encodings, clean
topology, and bad rows that are really bad where the manifest says."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely

from etl.sample import generate
from etl.sample.incidents import CATEGORIES
from etl.sample.points import FACILITY_KINDS, HAZARD_CATEGORIES, KEY_SITE_KINDS, RISK_LEVELS
from tests.conftest import run_cli

SEED = 42
SHAPEFILES = (
    "boundaries/districts.shp",
    "boundaries/towns.shp",
    "boundaries/communities.shp",
    "grids/grids_2025.shp",
)


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    generate(folder, seed=SEED, scale="small")
    return folder


@pytest.fixture(scope="module")
def manifest(out) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _bad(manifest: dict, file: str) -> dict[int, dict]:
    return {b["row"]: b for b in manifest["bad_rows"] if b["file"] == file}


def _metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.to_crs("EPSG:4549")


# --- reproducibility -------------------------------------------------------------------------


def test_same_seed_gives_the_same_bytes_and_another_seed_other_incidents(out, tmp_path):
    again, other = tmp_path / "again", tmp_path / "other"
    generate(again, seed=SEED, scale="small")
    generate(other, seed=SEED + 1, scale="small")
    first, second, third = _hashes(out), _hashes(again), _hashes(other)
    assert len(first) >= 25  # 4 shapefiles × 5 parts + 5 point files + manifest + README
    assert first == second
    assert first["incidents/incidents.csv"] != third["incidents/incidents.csv"]
    assert first["grids/grids_2025.shp"] != third["grids/grids_2025.shp"]


# --- formats, CRS, encodings -------------------------------------------------------------------


@pytest.mark.parametrize("path", SHAPEFILES)
def test_shapefiles_are_cgcs2000_with_gbk_attributes(out, path):
    shp = out / path
    assert pyproj.CRS.from_wkt(shp.with_suffix(".prj").read_text()).to_epsg() == 4490
    assert shp.with_suffix(".cpg").read_text().strip() == "GBK"
    gdf = pyogrio.read_dataframe(shp)
    assert gdf.crs.to_epsg() == 4490
    name_field = "网格名称" if "grids" in path else "名称"
    names = [n for n in gdf[name_field] if n]
    raw = shp.with_suffix(".dbf").read_bytes()
    header_len = int.from_bytes(raw[8:10], "little")
    assert raw[header_len:].decode("gbk")  # every record byte decodes as GBK
    for name in names[:20]:
        assert name.encode("gbk") in raw
        assert name.encode("utf-8") not in raw
    assert any("区" in n or "街道" in n or "社区" in n or "网格" in n for n in names)


def test_csv_xlsx_geojson_encodings_and_crs(out):
    incidents = (out / "incidents/incidents.csv").read_bytes()
    assert incidents.startswith(b"\xef\xbb\xbf")
    assert incidents.decode("utf-8-sig").startswith('"警情编号"')
    facilities = (out / "facilities/facilities.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        facilities.decode("utf-8")
    assert facilities.decode("gbk").startswith("编号,名称,类型,地址,经度,纬度")
    key_sites = (out / "key_sites/key_sites.csv").read_bytes()
    assert not key_sites.startswith(b"\xef\xbb\xbf")
    assert key_sites.decode("utf-8").startswith("编号,名称,类型,地址,经度,纬度")
    wb = openpyxl.load_workbook(out / "rentals/rentals.xlsx", read_only=True)
    assert wb.sheetnames == ["出租房屋"]
    header = next(wb["出租房屋"].iter_rows(values_only=True))
    assert list(header) == [
        "房屋编号",
        "地址",
        "房间数",
        "租住人数",
        "房东姓名",
        "房东电话",
        "房东身份证号",
        "最近检查日期",
        "经度",
        "纬度",
    ]
    hazards = pyogrio.read_dataframe(out / "hazards/hazards.geojson")
    assert hazards.crs.to_epsg() == 4326
    assert {"编号", "名称", "类别", "风险等级", "地址", "最近检查日期"} <= set(hazards.columns)


def test_point_files_sit_in_their_stated_crs(out, manifest):
    """Good rows, converted from the file's CRS to WGS-84, fall inside 姑苏区 (small scale)."""
    from geo.crs import to_wgs84

    gusu = pyogrio.read_dataframe(out / "boundaries/districts.shp").geometry.iloc[0]
    gusu = shapely.make_valid(gusu).buffer(0.002)
    for path, crs in (
        ("incidents/incidents.csv", "gcj02"),
        ("facilities/facilities.csv", "wgs84"),
        ("key_sites/key_sites.csv", "gcj02"),
    ):
        enc = "gbk" if "facilities" in path else "utf-8-sig"
        df = pd.read_csv(out / path, dtype=str, keep_default_na=False, encoding=enc)
        bad = {r - 1 for r in _bad(manifest, path)}
        df = df.drop(index=list(bad))
        x, y = to_wgs84(
            df["经度"].astype(float).to_numpy(), df["纬度"].astype(float).to_numpy(), crs
        )
        inside = shapely.contains_xy(gusu, x, y)
        assert inside.mean() > 0.99, path
        # read as WGS-84 directly, GCJ-02 points sit hundreds of metres off: the CRS matters
        if crs == "gcj02":
            raw_x = df["经度"].astype(float).to_numpy()
            assert np.median(np.abs(raw_x - x)) > 0.003


# --- topology ----------------------------------------------------------------------------------


def _good(gdf: gpd.GeoDataFrame, bad: dict[int, dict]) -> gpd.GeoDataFrame:
    return gdf.drop(index=[r - 1 for r in bad])


def _assert_tiles(parts: gpd.GeoDataFrame, whole: shapely.Geometry, what: str) -> None:
    areas = float(parts.area.sum())
    union = shapely.union_all(parts.geometry.values)
    assert abs(union.area - whole.area) < 1.0, f"{what}: gap of {whole.area - union.area:.1f} m²"
    assert abs(areas - union.area) < 1.0, f"{what}: overlap of {areas - union.area:.1f} m²"
    assert whole.buffer(0.01).contains(union), f"{what}: parts stick out"


def _repaired(gdf: gpd.GeoDataFrame, bad: dict[int, dict]) -> gpd.GeoDataFrame:
    """Bow-tie rows repaired with make_valid (as a loader does), other bad rows dropped."""
    gdf = gdf.copy()
    for row, b in bad.items():
        if b["reason"] == "invalid_geometry":
            gdf.loc[row - 1, "geometry"] = shapely.make_valid(gdf.geometry.iloc[row - 1])
    return gdf.drop(index=[r - 1 for r, b in bad.items() if b["reason"] != "invalid_geometry"])


def test_towns_tile_the_district_and_communities_tile_their_towns(out, manifest):
    districts, towns, comms = (
        _metric(_repaired(pyogrio.read_dataframe(out / p), _bad(manifest, p)))
        for p in SHAPEFILES[:3]
    )
    assert towns.geometry.is_valid.all() and comms.geometry.is_valid.all()
    assert len(towns) == 8 and len(comms) == 171
    gusu = districts[districts["代码"] == "320508"].geometry.union_all()
    _assert_tiles(towns, gusu, "姑苏区")
    for town in towns.itertuples():
        _assert_tiles(comms[comms["上级代码"] == town.代码], town.geometry, town.名称)
    assert (comms["户数"] > 0).all()
    assert comms["人口"].sum() == towns["人口"].sum() == districts["人口"].sum()


def test_grids_tile_their_communities_and_share_out_their_households(out, manifest):
    comms = _metric(pyogrio.read_dataframe(out / SHAPEFILES[2])).set_index("代码")
    grids = pyogrio.read_dataframe(out / SHAPEFILES[3])
    bad = _bad(manifest, SHAPEFILES[3])
    overlapping = {
        grids["社区代码"].iloc[r - 1] for r, b in bad.items() if b["reason"] == "overlap"
    }
    assert len(overlapping) == 1
    grids = _metric(_repaired(grids, bad))
    assert 130 <= len(grids) <= 180
    assert grids["网格编码"].str.len().eq(15).all()
    assert (grids["网格编码"].str[:12] == grids["社区代码"]).all()
    assert set(grids["网格类型"]) <= {"城镇", "农村", "专属"}
    in_band = grids["户数"].between(300, 500)
    assert 0.7 < in_band.mean() < 0.98  # mostly in band, some deliberately not
    for code, group in grids.groupby("社区代码"):
        if code in overlapping:  # its grids overlap by design (the `overlap` bad row)
            continue
        community = comms.loc[code]
        _assert_tiles(group, community.geometry, code)
        assert group["户数"].sum() == community["户数"]


# --- contents ----------------------------------------------------------------------------------


def test_incidents_times_categories_and_clustering(out, manifest):
    df = pd.read_csv(
        out / "incidents/incidents.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    bad = _bad(manifest, "incidents/incidents.csv")
    good = df.drop(index=[r - 1 for r in bad])
    assert 19_000 <= len(good) <= 21_000
    times = pd.to_datetime(good["报警时间"], format="%Y-%m-%d %H:%M:%S")
    assert times.min() >= pd.Timestamp("2024-01-01") and times.max() < pd.Timestamp("2026-01-01")
    assert set(good["警情类别"]) == set(CATEGORIES)
    assert good["警情编号"].is_unique
    # night-time peak for public order, rush hours for traffic accidents
    hours = times.dt.hour
    order = hours[good["警情类别"] == "治安案件"]
    assert order.isin([22, 23, 0, 1]).mean() > 2 * 4 / 24
    traffic = hours[good["警情类别"] == "交通事故"]
    assert traffic.isin([7, 8, 17, 18]).mean() > 2 * 4 / 24
    # an emerging hotspot (苏锦夜市) has nothing before mid-2025 and plenty after
    lon, lat = good["经度"].astype(float), good["纬度"].astype(float)
    near = np.hypot((lon - 120.615) * 0.855, lat - 31.344) < 0.002
    assert (times[near] >= "2025-07-01").mean() > 0.5
    fading = np.hypot((lon - 120.628) * 0.855, lat - 31.2905) < 0.002
    assert (times[fading] < "2025-01-01").mean() > 0.6


# --- bad rows ----------------------------------------------------------------------------------


def _float(text) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _is_date(text, fmt: str) -> bool:
    if isinstance(text, dt.date):
        return True
    try:
        dt.datetime.strptime(str(text), fmt)
        return True
    except ValueError:
        return False


def _check_row(
    reason: str,
    field: str,
    rows: list[dict],
    i: int,
    key: str,
    closed: dict[str, set],
    parents: dict[str, set],
) -> None:
    row = rows[i]
    lon, lat = row.get("经度"), row.get("纬度")
    if (
        reason in ("missing_coordinates", "swapped_coordinates", "outside_city")
        and "geometry" in row
    ):
        g = row["geometry"]
        lon, lat = (None, None) if g is None else (g.x, g.y)
    match reason:
        case "missing_coordinates":
            assert lon in (None, "") and lat in (None, "")
        case "bad_coordinates":
            assert lon not in (None, "") and _float(lon) is None
        case "swapped_coordinates":
            assert 30 < _float(lon) < 33 and 119 < _float(lat) < 122
        case "outside_city":
            assert not (119.8 < _float(lon) < 121.5 and 30.7 < _float(lat) < 32.1)
        case "bad_time":
            assert not _is_date(row[field], "%Y-%m-%d %H:%M:%S") and not _is_date(
                row[field], "%Y-%m-%d"
            )
        case "unknown_category" | "unclassified":
            assert row[field] not in closed[field]
        case "bad_value":
            value = _float(row[field])
            assert value is None or value < 0
        case "missing_key":
            assert row[field] in (None, "")
        case "duplicate_row":
            assert any(rows[j] == row for j in range(i))
        case "duplicate_key":
            earlier = [rows[j] for j in range(i) if rows[j][key] == row[key]]
            assert earlier and all(e != row for e in earlier)
        case "missing_geometry":
            assert row["geometry"] is None
        case "invalid_geometry":
            g = row["geometry"]
            fixed = shapely.make_valid(g)
            assert not g.is_valid and fixed.is_valid
            polygonal = [
                p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")
            ]
            assert (
                sum(p.area for p in polygonal)
                > 0.5
                * shapely.Polygon(
                    shapely.get_exterior_ring(max(shapely.get_parts(g), key=lambda p: p.area))
                ).area
            )
        case "unknown_parent":
            assert row[field] not in parents[field]
        case "overlap":
            others = [
                r["geometry"]
                for j, r in enumerate(rows)
                if j != i and r["geometry"] is not None and r.get("社区代码") == row["社区代码"]
            ]
            assert any(shapely.intersection(row["geometry"], o).area > 1e-8 for o in others)
        case _:
            raise AssertionError(f"unexpected reason {reason}")


def _rows(out: Path, path: str) -> list[dict]:
    full = out / path
    if path.endswith(".csv"):
        raw = full.read_bytes()
        text = raw.decode("gbk") if "facilities" in path else raw.decode("utf-8-sig")
        return [
            {k: (v if v != "" else None) for k, v in r.items()}
            for r in csv.DictReader(io.StringIO(text))
        ]
    if path.endswith(".xlsx"):
        ws = openpyxl.load_workbook(full, read_only=True)["出租房屋"]
        values = list(ws.iter_rows(values_only=True))
        width = len(values[0])  # read-only mode drops trailing empty cells
        return [
            dict(zip(values[0], (*r, *[None] * (width - len(r))), strict=True)) for r in values[1:]
        ]
    if path.endswith(".geojson"):
        features = json.loads(full.read_text(encoding="utf-8"))["features"]
        return [
            {
                **f["properties"],
                "geometry": None
                if f["geometry"] is None
                else shapely.geometry.shape(f["geometry"]),
            }
            for f in features
        ]
    gdf = pyogrio.read_dataframe(full)
    attrs = gdf.drop(columns="geometry").astype(object)
    attrs = attrs.where(attrs.notna(), None)
    return [
        {**r, "geometry": g}
        for r, g in zip(attrs.to_dict("records"), gdf.geometry.values, strict=True)
    ]


def test_every_bad_row_in_the_manifest_is_really_bad(out, manifest):
    closed = {
        "警情类别": set(CATEGORIES),
        "类型": set(FACILITY_KINDS) | set(KEY_SITE_KINDS),
        "类别": set(HAZARD_CATEGORIES),
        "风险等级": set(RISK_LEVELS),
        "网格类型": {"城镇", "农村", "专属"},
    }
    towns = {r["代码"] for r in _rows(out, SHAPEFILES[1])}
    communities = {r["代码"] for r in _rows(out, SHAPEFILES[2]) if r["上级代码"] in towns}
    parents = {"上级代码": towns, "社区代码": communities}
    keys = {
        "incidents/incidents.csv": "警情编号",
        "rentals/rentals.xlsx": "房屋编号",
        "grids/grids_2025.shp": "网格编码",
    }
    files = {b["file"] for b in manifest["bad_rows"]}
    assert files == {f["path"] for f in manifest["files"]}  # bad rows in every file
    reasons = {b["reason"] for b in manifest["bad_rows"]}
    assert {
        "missing_coordinates",
        "bad_coordinates",
        "swapped_coordinates",
        "outside_city",
        "bad_time",
        "unknown_category",
        "unclassified",
        "duplicate_row",
        "duplicate_key",
        "invalid_geometry",
        "overlap",
        "unknown_parent",
        "missing_geometry",
    } <= reasons
    for path in sorted(files):
        rows = _rows(out, path)
        entry = next(f for f in manifest["files"] if f["path"] == path)
        assert entry["rows"] == len(rows)
        key = keys.get(path, "代码" if "boundaries" in path else "编号")
        for row, b in _bad(manifest, path).items():
            try:
                _check_row(b["reason"], b["field"], rows, row - 1, key, closed, parents)
            except (AssertionError, TypeError) as exc:
                raise AssertionError(
                    f"{path} row {row}: not {b['reason']}: {rows[row - 1]}"
                ) from exc
        bad_rows = _bad(manifest, path)
        good = [r for i, r in enumerate(rows) if i + 1 not in bad_rows]
        for field, allowed in closed.items():  # good rows only use the closed lists
            values = {r[field] for r in good if field in r}
            assert values <= allowed, (path, field, values - allowed)


# --- CLI ---------------------------------------------------------------------------------------


def test_cli_prints_one_json_object_and_rejects_bad_arguments(tmp_path):
    done = run_cli(
        "sample", "--out", str(tmp_path / "s"), "--seed", "3", "--scale", "small", "--json"
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["scale"] == "small" and summary["seed"] == 3
    assert summary["bad_rows"] == len(
        json.loads((tmp_path / "s/manifest.json").read_text())["bad_rows"]
    )
    rows = {f["path"]: f["rows"] for f in summary["files"]}
    assert rows["incidents/incidents.csv"] > 19_000 and summary["seconds"] > 0
    from typer.testing import CliRunner

    from geo.cli import app

    for args in (["--scale", "huge"], ["--seed", "-1"], []):  # bad arguments: usage error, exit 2
        out = ["--out", str(tmp_path / "x")] if args else []
        assert CliRunner().invoke(app, ["sample", *out, *args]).exit_code == 2, args
    assert not (tmp_path / "x").exists()


def test_police_areas_tile_the_towns_and_some_grids_straddle_two(out, manifest):
    from geo.grids.align import align

    path = "jurisdictions/police_areas.shp"
    areas = pyogrio.read_dataframe(out / path, encoding="GBK")
    bad = _bad(manifest, path)
    assert {b["reason"] for b in bad.values()} == {"duplicate_row"}
    areas = areas.drop(index=[r - 1 for r in bad]).reset_index(drop=True)
    assert set(areas["部门"]) == {"公安"} and areas["编号"].is_unique
    towns = pyogrio.read_dataframe(out / SHAPEFILES[1], encoding="GBK")
    towns = _metric(_repaired(towns, _bad(manifest, SHAPEFILES[1])))
    metric = _metric(areas)
    assert metric.union_all().symmetric_difference(towns.union_all()).area < 1.0
    assert metric.area.sum() == pytest.approx(towns.area.sum(), rel=1e-6)  # no overlaps
    grids = pyogrio.read_dataframe(out / SHAPEFILES[3], encoding="GBK")
    grids = _repaired(grids, _bad(manifest, SHAPEFILES[3])).rename(
        columns={"网格编码": "grid_code"}
    )
    result = align(grids, areas.rename(columns={"编号": "code", "名称": "name"}))
    assert 0 < result.summary()["split_grids"] < len(grids)
    assert 0.5 < result.score < 1.0

"""Exports from the test database: layers, filters, zip + manifest, export_log, audit_log, CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import pwd
import zipfile

import h3
import pyogrio
import pytest
import shapely
from sqlalchemy import func, insert, select

from geo.db import tables as t
from geo.errors import InputError
from geo.export import (
    categories,
    districts,
    export_layer,
    history,
    layer_names,
    manifest,
    read_layer,
    versions,
)
from geo.export.catalogue import Filters
from tests.geo.export.export_helpers import ogrinfo

TZ = dt.timezone(dt.timedelta(hours=8))
GUSU = "SRID=4326;MULTIPOLYGON(((120.55 31.28, 120.66 31.28, 120.66 31.35, 120.55 31.35, 120.55 31.28)))"
WUZHONG = "SRID=4326;MULTIPOLYGON(((120.55 31.10, 120.75 31.10, 120.75 31.27, 120.55 31.27, 120.55 31.10)))"
PERSONAL_VALUES = ["张三", "13800138000", "李四", "13900139000", "320502198001011234"]


def _point(lon: float, lat: float) -> str:
    return f"SRID=4326;POINT({lon} {lat})"


def _rows(*rows: dict) -> list[dict]:
    """Rows with the same keys (an executemany needs them): missing values None / {}."""
    keys = {k for r in rows for k in r}
    return [{k: r.get(k, {} if k == "attributes" else None) for k in keys} for r in rows]


def _cell(lon: float, lat: float) -> int:
    return h3.str_to_int(h3.latlng_to_cell(lat, lon, 10))


@pytest.fixture
def city(clean_db):
    """A tiny city: two districts, two grid versions, incidents, rentals, hazards, results."""
    with clean_db.begin() as conn:
        conn.execute(
            insert(t.admin_units),
            [
                {"level": "district", "code": "320508", "name": "姑苏区", "geom": GUSU},
                {"level": "district", "code": "320506", "name": "吴中区", "geom": WUZHONG},
            ],
        )
        v1, v2 = (
            conn.execute(
                insert(t.grid_versions).returning(t.grid_versions.c.id),
                [
                    {"name": "2025版", "status": "retired"},
                    {"name": "2026版", "status": "active"},
                ],
            )
            .scalars()
            .all()
        )
        grid = "SRID=4326;MULTIPOLYGON(((120.6 31.3, 120.62 31.3, 120.62 31.32, 120.6 31.31, 120.6 31.3)))"
        conn.execute(
            insert(t.grids),
            _rows(
                {"version_id": v1, "grid_code": "320508001001001", "name": "旧网格", "geom": grid},
                {
                    "version_id": v2,
                    "grid_code": "320508001001001",
                    "name": "平江街道第一网格",
                    "kind": "urban",
                    "households": 420,
                    "attributes": {"网格员电话": "13800138000", "片区": "平江"},
                    "geom": grid,
                },
                {
                    "version_id": v2,
                    "grid_code": "320506101002003",
                    "name": "甪直镇第三网格",
                    "kind": "rural",
                    "households": 380,
                    "geom": grid.replace("31.3", "31.2"),
                },
            ),
        )
        conn.execute(
            insert(t.incidents),
            _rows(
                {
                    "source_key": "A1",
                    "occurred_at": dt.datetime(2026, 10, 1, 8, 30, tzinfo=TZ),
                    "category": "盗窃",
                    "address": "平江路1号",
                    "reporter": "张三",
                    "reporter_phone": "13800138000",
                    "h3": _cell(120.61, 31.31),
                    "geom": _point(120.61, 31.31),
                },
                {
                    "source_key": "A2",
                    "occurred_at": dt.datetime(2026, 10, 31, 23, 59, tzinfo=TZ),
                    "category": "纠纷",
                    "address": "干将路2号",
                    "reporter": "李四",
                    "reporter_phone": "13900139000",
                    "h3": _cell(120.62, 31.30),
                    "geom": _point(120.62, 31.30),
                },
                {
                    "source_key": "B1",
                    "occurred_at": dt.datetime(2026, 11, 1, 0, 0, tzinfo=TZ),
                    "category": "盗窃",
                    "address": "甪直镇3号",
                    "h3": _cell(120.7, 31.2),
                    "geom": _point(120.7, 31.2),
                },
            ),
        )
        conn.execute(
            insert(t.rentals),
            [
                {
                    "source_key": "R1",
                    "address": "平江路5号",
                    "rooms": 3,
                    "tenants": 4,
                    "landlord": "李四",
                    "landlord_phone": "13900139000",
                    "landlord_id_no": "320502198001011234",
                    "last_inspected_at": dt.date(2026, 9, 1),
                    "geom": _point(120.61, 31.32),
                },
            ],
        )
        run = conn.execute(
            insert(t.hotspot_runs)
            .values(kind="gi_star", params={"k": 1})
            .returning(t.hotspot_runs.c.id)
        ).scalar_one()
        conn.execute(
            insert(t.hotspot_cells),
            [
                {
                    "run_id": run,
                    "cell": _cell(120.61, 31.31),
                    "value": 2.0,
                    "gi_z": 2.8,
                    "p": 0.005,
                    "p_fdr": 0.01,
                    "bin": 3,
                },
                {
                    "run_id": run,
                    "cell": _cell(120.7, 31.2),
                    "value": 1.0,
                    "gi_z": 0.2,
                    "p": 0.8,
                    "p_fdr": 0.9,
                    "bin": 0,
                },
            ],
        )
        result = conn.execute(
            insert(t.analysis_results)
            .values(kind="coverage-grids")
            .returning(t.analysis_results.c.id)
        ).scalar_one()
        conn.execute(
            insert(t.analysis_features),
            [
                {
                    "result_id": result,
                    "properties": {
                        "grid_code": "320508001001001",
                        "covered_share": 0.75,
                        "blind_households": 12,
                        "负责人姓名": "张三",
                    },
                    "geom": grid,
                },
            ],
        )
    return {"run": run, "result": result}


def _codes(data) -> list[str]:
    return sorted(data.gdf["source_key"])


def test_layers_and_versions(city, engine):
    names = layer_names(engine)
    assert {
        "boundaries",
        "grids",
        "incidents",
        "hazards",
        "rentals",
        "facilities",
        "key-sites",
        "hotspots",
        "analysis",
        "coverage-grids",
    } <= set(names)
    assert versions("grids", engine) == ["2026版", "2025版"]
    assert versions("hotspots", engine) == [str(city["run"])]
    assert versions("boundaries", engine) == ["city", "district", "town", "community"]
    assert categories("incidents", engine) == sorted(["盗窃", "纠纷"])
    assert categories("rentals", engine) == []
    assert districts(engine) == [("320506", "吴中区"), ("320508", "姑苏区")]


def test_filters_select_the_right_rows(city, engine):
    assert _codes(read_layer("incidents", engine=engine)) == ["A1", "A2", "B1"]
    gusu = read_layer("incidents", filters=Filters(where={"district": "姑苏区"}), engine=engine)
    assert _codes(gusu) == ["A1", "A2"]
    by_code = read_layer("incidents", filters=Filters(where={"district": "320506"}), engine=engine)
    assert _codes(by_code) == ["B1"]
    october = Filters(date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 31))
    assert _codes(read_layer("incidents", filters=october, engine=engine)) == ["A1", "A2"]
    theft = Filters(category=("盗窃",), date_from=dt.date(2026, 10, 2))
    assert _codes(read_layer("incidents", filters=theft, engine=engine)) == ["B1"]
    assert _codes(
        read_layer("incidents", filters=Filters(where={"address": "平江路1号"}), engine=engine)
    ) == ["A1"]


def test_bad_filters_are_refused(city, engine):
    for key in ("reporter", "name; DROP TABLE incidents", "geom", "attributes"):
        with pytest.raises(InputError, match="cannot be filtered"):
            read_layer("incidents", filters=Filters(where={key: "x"}), engine=engine)
    with pytest.raises(InputError, match="no district"):
        read_layer("incidents", filters=Filters(where={"district": "不存在区"}), engine=engine)
    with pytest.raises(InputError, match="no date"):
        read_layer("facilities", filters=Filters(date_from=dt.date(2026, 1, 1)), engine=engine)
    with pytest.raises(InputError, match="no grid version"):
        read_layer("grids", version="1999版", engine=engine)
    with pytest.raises(InputError, match="no stored result"):
        read_layer("no-such-layer", engine=engine)
    # a value is a bound parameter, never SQL
    odd = read_layer("incidents", filters=Filters(where={"address": "x' OR '1'='1"}), engine=engine)
    assert odd.gdf.empty


def test_grids_default_to_the_active_version(city, engine):
    active = read_layer("grids", engine=engine)
    assert active.version == "2026版" and len(active.gdf) == 2
    assert "片区" in active.gdf.columns  # free attributes expanded…
    assert "网格员电话" not in active.gdf.columns  # …but never personal ones
    assert "网格员电话" in active.personal_removed
    busy = read_layer("grids", filters=Filters(where={"households": "420"}), engine=engine)
    assert list(busy.gdf["grid_code"]) == ["320508001001001"]
    old = read_layer("grids", version="2025版", engine=engine)
    assert list(old.gdf["name"]) == ["旧网格"]


def test_hotspot_cells_export_as_h3_hexagons(city, engine, tmp_path):
    result = export_layer("hotspots", "gpkg", tmp_path, engine=engine)
    with zipfile.ZipFile(result.path) as zf:
        zf.extractall(tmp_path / "x")
    back = pyogrio.read_dataframe(tmp_path / "x" / "hotspots.gpkg")
    assert len(back) == 2
    cell = int(back["cell"].iloc[0])
    assert back["h3"].iloc[0] == h3.int_to_str(cell)
    hexagon = shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(h3.int_to_str(cell))])
    assert shapely.equals_exact(back.geometry.iloc[0], hexagon, 1e-9)
    assert set(back["bin"]) == {3, 0}
    hot = read_layer("hotspots", filters=Filters(where={"bin": "3"}), engine=engine)
    assert len(hot.gdf) == 1


def test_analysis_result_export_drops_personal_properties(city, engine, tmp_path):
    result = export_layer("coverage-grids", "geojson", tmp_path, engine=engine)
    doc = json.loads(zipfile.ZipFile(result.path).read("coverage_grids.geojson"))
    props = doc["features"][0]["properties"]
    assert props["covered_share"] == 0.75 and props["blind_households"] == 12
    assert "负责人姓名" not in props
    assert result.manifest["version"] == str(city["result"])
    assert "负责人姓名" in result.manifest["personal_columns_removed"]


@pytest.mark.parametrize("fmt", ["shp", "gpkg", "geojson", "csv"])
def test_export_zip_manifest_and_logs(city, engine, tmp_path, fmt):
    encoding = "gbk" if fmt in ("shp", "csv") else "utf-8"
    result = export_layer(
        "incidents",
        fmt,
        tmp_path / "out.zip",
        where={"district": "姑苏区"},
        encoding=encoding,
        user="auditor-wang",
        engine=engine,
    )
    assert result.path == tmp_path / "out.zip" and result.path.exists()
    m = result.manifest
    assert (m["layer"], m["rows"], m["format"], m["user"]) == ("incidents", 2, fmt, "auditor-wang")
    assert m["filters"] == {"district": "姑苏区"}
    assert m["crs"]["name"] == "cgcs2000" and m["crs"]["declared"] == "EPSG:4490"
    assert m["encoding"] == encoding.upper()
    assert {"reporter", "reporter_phone"} <= set(m["personal_columns_removed"])

    # the manifest inside the zip is the one returned, and its hashes match the files
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(result.path) as zf:
        inner = json.loads(zf.read("manifest.json").decode("utf-8"))
        zf.extractall(folder)
    assert inner == m
    assert sorted(e["name"] for e in m["files"]) == sorted(
        p.name for p in folder.iterdir() if p.name != "manifest.json"
    )
    assert manifest.verify(m, folder) == []

    # personal data is nowhere in the exported files
    blob = b"".join(p.read_bytes() for p in folder.iterdir())
    for value in PERSONAL_VALUES:
        assert value.encode("utf-8") not in blob and value.encode("gbk") not in blob
    main = next(folder.glob(f"*.{fmt}"))
    assert "盗窃".encode() in ogrinfo("-al", main) or "盗窃".encode("gbk") in ogrinfo("-al", main)
    victim = folder / m["files"][0]["name"]
    victim.write_bytes(victim.read_bytes() + b"x")
    assert manifest.verify(m, folder) == [victim.name]

    # one export_log row and one audit_log row
    with engine.connect() as conn:
        log = conn.execute(select(t.export_log)).mappings().one()
        # audit_log survives clean_db (append-only), so take this export's row by its path
        audit = (
            conn.execute(
                select(t.audit_log).where(
                    t.audit_log.c.detail["path"].as_string() == str(result.path.resolve()),
                    t.audit_log.c.detail["export_id"].as_integer() == result.export_id,
                )
            )
            .mappings()
            .one()
        )
    assert log["id"] == result.export_id == m["export_id"]
    assert (log["layer"], log["format"], log["rows"], log["username"]) == (
        "incidents",
        fmt,
        2,
        "auditor-wang",
    )
    assert log["files"] == {e["name"]: e["sha256"] for e in m["files"]}
    assert log["path"] == str(result.path.resolve())
    assert audit["action"] == "export" and audit["username"] == "auditor-wang"
    assert audit["detail"]["zip_sha256"] == manifest.sha256(result.path)
    assert history(engine=engine)[0]["id"] == result.export_id


def test_empty_selection_is_refused_and_not_logged(city, engine, tmp_path):
    with pytest.raises(InputError, match="nothing to export"):
        export_layer("incidents", "shp", tmp_path, category=["无此类别"], engine=engine)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.export_log)).scalar_one() == 0


def test_cli_export_writes_the_zip_and_logs_it(city, cli, engine, tmp_path):
    # the actor is the operating-system user, whatever the environment claims
    proc = cli(
        "export",
        "rentals",
        "--format",
        "shp",
        "--out",
        str(tmp_path),
        "--encoding",
        "gbk",
        "--crs",
        "gcj02",
        "--json",
        env={"CIVICGRID_USER": "someone-else", "USER": "someone-else"},
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["rows"] == 1 and out["user"] == pwd.getpwuid(os.getuid()).pw_name
    assert out["crs"]["name"] == "gcj02"
    assert "GCJ-02" in out["crs"]["note"]
    with zipfile.ZipFile(out["path"]) as zf:
        names = set(zf.namelist())
        assert {
            "rentals.shp",
            "rentals.dbf",
            "rentals.prj",
            "rentals.cpg",
            "manifest.json",
        } <= names
        assert zf.read("rentals.cpg") == b"GBK"
        dbf = zf.read("rentals.dbf")
    assert "平江路5号".encode("gbk") in dbf
    for value in PERSONAL_VALUES:
        assert value.encode("gbk") not in dbf
    with engine.connect() as conn:
        log = conn.execute(select(t.export_log)).mappings().one()
    assert log["id"] == out["export_id"] and log["crs"] == "gcj02" and log["encoding"] == "GBK"


def test_cli_refusals(city, cli, tmp_path):
    bad_format = cli("export", "incidents", "--format", "kml", "--out", str(tmp_path))
    assert bad_format.returncode == 2
    bad_where = cli("export", "incidents", "--where", "reporter=张三", "--out", str(tmp_path))
    assert bad_where.returncode == 1 and "cannot be filtered" in bad_where.stderr
    assert bad_where.stderr.strip().count("\n") == 0 and "Traceback" not in bad_where.stderr
    assert not list(tmp_path.iterdir())


@pytest.fixture
def every_layer(city, clean_db):
    """`city` plus a row in each remaining layer and a stored coverage-facilities result as
    the CLI writes it: share rows without geometry, blind-spot hexagons and new-site
    points, every row with a `kind` of its own (the facility kind)."""
    hexagon = shapely.Polygon(
        [(lng, lat) for lat, lng in h3.cell_to_boundary(h3.int_to_str(_cell(120.61, 31.31)))]
    ).wkt
    with clean_db.begin() as conn:
        conn.execute(
            insert(t.admin_units),
            [
                {
                    "level": "town",
                    "code": "320508001",
                    "name": "平江街道",
                    "parent_code": "320508",
                    "geom": GUSU,
                }
            ],
        )
        conn.execute(
            insert(t.hazards),
            [
                {
                    "source_key": "H1",
                    "name": "加油站",
                    "category": "危化品",
                    "risk_level": 3,
                    "geom": _point(120.61, 31.30),
                }
            ],
        )
        conn.execute(
            insert(t.facilities),
            [
                {
                    "source_key": "F1",
                    "name": "平江派出所",
                    "kind": "police_station",
                    "geom": _point(120.62, 31.31),
                }
            ],
        )
        conn.execute(
            insert(t.key_sites),
            [
                {
                    "source_key": "K1",
                    "name": "观前小学",
                    "kind": "school",
                    "geom": _point(120.62, 31.32),
                }
            ],
        )
        result = conn.execute(
            insert(t.analysis_results)
            .values(kind="coverage-facilities")
            .returning(t.analysis_results.c.id)
        ).scalar_one()
        conn.execute(
            insert(t.analysis_features),
            [
                {
                    "result_id": result,
                    "geom": None,
                    "properties": {
                        "kind": "camera",
                        "layer": "incidents",
                        "level": "city",
                        "total": 3,
                        "covered": 1,
                        "share": 1 / 3,
                        "part": "share",
                    },
                },
                {
                    "result_id": result,
                    "geom": f"SRID=4326;{hexagon}",
                    "properties": {
                        "kind": "camera",
                        "rank": 1,
                        "incidents": 2,
                        "part": "blind_spot",
                    },
                },
                {
                    "result_id": result,
                    "geom": _point(120.61, 31.31),
                    "properties": {"kind": "camera", "order": 1, "gain": 2.0, "part": "new_site"},
                },
            ],
        )
    return {**city, "facilities_result": result}


def _feature_count(path) -> int:
    """Features of every data layer in an exported file, as GDAL's ogrinfo reports them."""
    text = ogrinfo("-al", "-so", path).decode("utf-8", "replace")
    return sum(
        int(line.split(":")[1]) for line in text.splitlines() if line.startswith("Feature Count:")
    )


LAYER_ROWS = {
    "boundaries": 3,
    "grids": 2,
    "incidents": 3,
    "hazards": 1,
    "rentals": 1,
    "facilities": 1,
    "key-sites": 1,
    "hotspots": 2,
    "analysis": 3,
    "coverage-grids": 1,
    "coverage-facilities": 3,
}


@pytest.mark.parametrize("fmt", ["shp", "gpkg", "geojson", "csv"])
def test_every_layer_exports_in_every_format(every_layer, engine, tmp_path, fmt):
    """Each layer × format opens in ogrinfo with all its rows (a shapefile splits mixed
    geometry into one file per kind, so the counts are summed over the data files)."""
    assert sorted(layer_names(engine)) == sorted(LAYER_ROWS)
    for layer, rows in LAYER_ROWS.items():
        result = export_layer(layer, fmt, tmp_path / f"{layer}-{fmt}.zip", engine=engine)
        assert result.manifest["rows"] == rows, layer
        folder = tmp_path / f"{layer}-{fmt}"
        zipfile.ZipFile(result.path).extractall(folder)
        # data files: not the shapefile's field-name map; its table of rows without
        # geometry (<name>_nogeom.dbf) when a layer mixes kinds
        data = sorted(
            p
            for p in folder.iterdir()
            if (
                p.suffix in (".shp", ".gpkg", ".geojson", ".csv")
                and not p.name.endswith("_fields.csv")
            )
            or p.name.endswith("_nogeom.dbf")
        )
        assert data, layer
        assert sum(_feature_count(p) for p in data) == rows, (layer, [p.name for p in data])


def test_a_stored_coverage_facilities_result_exports_by_version(every_layer, engine, tmp_path):
    """The traceback of #24: `export analysis --version <coverage-facilities result>`
    raised ValueError (cannot insert kind, already exists)."""
    version = str(every_layer["facilities_result"])
    data = read_layer("analysis", version, engine=engine)
    assert data.gdf["result_kind"].tolist() == ["coverage-facilities"] * 3
    assert data.gdf["kind"].tolist() == ["camera"] * 3
    for fmt in ("gpkg", "geojson"):
        result = export_layer("analysis", fmt, tmp_path, version=version, engine=engine)
        assert result.manifest["version"] == version and result.manifest["rows"] == 3

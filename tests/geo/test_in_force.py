"""One rule for the version in force (active or filed): after `grids file`, every reader
still sees the filed version — KPIs, hotspot places, exports, page views, tiles, the
data stamp — and GIS clients see it as the layer gis.grids_in_force."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from etl.load import load
from geo import hexes
from geo.db.engine import libpq_dsn
from geo.export import read_layer
from geo.grids import versions
from geo.hotspots import store
from geo.views import grids as grid_views
from geo.views.kpis import overview_kpis
from geo.views.stamp import data_stamp
from geo.views.tiles import TileRequest
from tests.etl import builders
from tests.etl.conftest import city  # noqa: F401 - the toy district, loaded


@pytest.fixture
def filed(city, db_url, tmp_path):  # noqa: F811
    """Version 2025 in force and filed, a newer draft 2026 beside it, a hotspot run."""
    shp = builders.write_shp(builders.grids(), tmp_path / "g.shp")
    load("grids", shp, grid_version="2025", url=db_url)
    load("grids", shp, grid_version="2026", url=db_url)  # a draft: 2025 is in force
    incidents = builders.incidents(60)
    incidents.to_csv(tmp_path / "i.csv", index=False)
    load("incidents", tmp_path / "i.csv", crs="wgs84", url=db_url)
    cells = pd.DataFrame(
        {
            "value": [3.0, 1.0],
            "gi_z": [2.9, -0.4],
            "p": [0.004, 0.7],
            "p_fdr": [0.01, 0.7],
            "bin": [3, 0],
        },
        index=hexes.cells(np.array([120.60, 120.65]), np.array([31.30, 31.33]), 8).astype(np.int64),
    )
    with city.begin() as conn:
        conn.execute(text("DELETE FROM hotspot_runs"))
    store.save_run(city, "gi_star", {"res": 8}, [], {}, cells)
    before = data_stamp(city)
    with city.begin() as conn:
        versions.mark_filed(conn, "2025", {"test": True})
    assert data_stamp(city) != before  # pages drop what they cached for the active version
    return city


def test_every_reader_keeps_the_filed_version_in_force(filed):
    assert versions.get(filed, "2025").status == "filed"
    assert versions.in_force(filed).name == "2025"
    assert set(versions.IN_FORCE) == {"active", "filed"}
    with filed.connect() as conn:  # the SQL view holds the same rule
        assert conn.execute(text("SELECT name FROM grid_versions_in_force")).scalars().all() == [
            "2025"
        ]
    total = len(builders.grids())
    assert overview_kpis(filed).grids_total == total  # KPIs
    cells = store.places(filed, [int(hexes.cells(np.array([120.60]), np.array([31.30]), 8)[0])])
    assert cells["grid_code"].notna().all()  # hotspot places keep their grid
    exported = read_layer("grids", engine=filed)
    assert exported.version == "2025" and len(exported.gdf) == total  # export without --version
    listed = grid_views.versions(filed)
    assert [(v["name"], v["in_force"]) for v in listed] == [("2025", True), ("2026", False)]
    TileRequest("grids", 14, 13_680, 6_680, version=listed[0]["name"]).validate()


def test_export_grids_cli_without_version_exports_the_version_in_force(filed, cli, tmp_path):
    done = cli("export", "grids", "--format", "geojson", "--out", str(tmp_path / "g.zip"), "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["version"], result["rows"]) == ("2025", len(builders.grids()))


def test_gis_clients_see_three_layers_with_keys_and_crs(filed, db_url):
    listing = subprocess.run(
        ["ogrinfo", "-ro", "-q", f"PG:{libpq_dsn(db_url)} schemas=gis"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert listing.split("\n")[0:3] == [
        "1: incidents (Point)",
        "2: grids_in_force (Multi Polygon)",
        "3: hotspot_cells (Polygon)",
    ]
    with filed.connect() as conn:
        n_incidents = conn.execute(text("SELECT count(*) FROM incidents")).scalar()
        n_months = conn.execute(
            text("SELECT count(*) FROM pg_inherits WHERE inhparent = 'incidents'::regclass")
        ).scalar()
    assert n_months > 1  # the incidents span many month partitions, the layer is one
    for layer, count in (
        ("incidents", n_incidents),
        ("grids_in_force", len(builders.grids())),
        ("hotspot_cells", 2),
    ):
        info = subprocess.run(
            ["ogrinfo", "-ro", "-so", f"PG:{libpq_dsn(db_url)} schemas=gis", layer],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert f"Feature Count: {count}" in info, info
        assert "FID Column = ogc_fid" in info, info
        assert 'ID["EPSG",4326]' in info, info
    cells = subprocess.run(
        [
            "ogrinfo",
            "-ro",
            "-q",
            "-where",
            "bin = 3",
            f"PG:{libpq_dsn(db_url)} schemas=gis",
            "hotspot_cells",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "run_id (Integer64) = " in cells and "z (Real) = 2.9" in cells and "POLYGON" in cells

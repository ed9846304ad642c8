"""The item list in PostGIS through `civicgrid items …`: revisions, audit, and the hours
of a constructed grid version checked by hand."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import text

from tests.geo.grids.build import X0, Y0, box, frame, insert_version
from tests.geo.hotspots.city import load_batch

LIST = pd.DataFrame(
    {
        "事项编码": ["A", "B", "C"],
        "事项名称": ["走访", "重大危险源巡查", "纠纷调处"],
        "责任部门": ["网格中心", "应急管理", "司法"],
        "计量对象": ["户数", "危险源", "警情"],
        "筛选条件": [None, "4", "纠纷"],
        "频次": ["每季度", "每周", "每起"],
        "每次用时（分钟）": [10, 45, 120],
    }
)


def run_json(cli, *args):
    done = cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True).transform(X0 + x, Y0 + y)


@pytest.fixture
def version(clean_db):
    insert_version(
        clean_db,
        "2025",
        frame(
            [
                {
                    "grid_code": "G1",
                    "households": 300,
                    "population": 900,
                    "geometry": box(0, 0, 100, 100),
                },
                {
                    "grid_code": "G2",
                    "households": 120,
                    "population": 300,
                    "geometry": box(100, 0, 200, 100),
                },
            ]
        ),
        activate=True,
    )
    with clean_db.begin() as c:
        for key, risk, (x, y) in (("h1", 4, (50, 50)), ("h2", 2, (60, 50)), ("h3", 4, (150, 50))):
            lon, lat = _lonlat(x, y)
            c.execute(
                text(
                    "INSERT INTO hazards (source_key, name, category, risk_level, geom) VALUES "
                    "(:k, :k, '燃气', :r, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
                ),
                {"k": key, "r": risk, "x": lon, "y": lat},
            )
    rows = []
    for x, category, day in (
        (150, "纠纷", "2025-12-01"),
        (160, "纠纷", "2025-06-01"),
        (170, "纠纷", "2024-06-01"),
        (180, "火灾", "2025-11-01"),
    ):
        lon, lat = _lonlat(x, 10)
        rows.append(
            {
                "lon": lon,
                "lat": lat,
                "category": category,
                "occurred_at": pd.Timestamp(day, tz="UTC"),
            }
        )
    load_batch(clean_db, pd.DataFrame(rows), "inc")
    return clean_db


@pytest.mark.slow
def test_import_revisions_audit_and_workload_by_hand(cli, version, tmp_path):
    path = tmp_path / "items.csv"
    LIST.to_csv(path, index=False, encoding="utf-8-sig")
    first = run_json(cli, "items", "import", str(path))
    assert (
        first["status"] == "imported"
        and first["revision"] == 1
        and first["added"] == ["A", "B", "C"]
    )
    assert run_json(cli, "items", "import", str(path))["status"] == "unchanged"

    load = run_json(cli, "items", "workload", "2025")
    assert load["items_revision"] == 1
    hours = {g["grid_code"]: g for g in load["per_grid"]}
    # G1: 300 households × 4 × 10 min; one major hazard weekly × 45 min
    assert hours["G1"]["hours"] == pytest.approx(300 * 4 * 10 / 720 + 52 * 45 / 720, abs=0.01)
    # G2: 120 households; one major hazard; 纠纷 of the last 12 months before 2025-12-01: two
    assert hours["G2"]["hours"] == pytest.approx(
        120 * 4 * 10 / 720 + 52 * 45 / 720 + 2 * 120 / 720, abs=0.01
    )
    explained = {i["code"]: i for i in hours["G2"]["items"]}
    assert explained["C"]["count"] == 2 and explained["B"]["count"] == 1

    changed = LIST.assign(**{"每次用时（分钟）": [10, 60, 120]}).iloc[[0, 1]]
    changed.to_excel(tmp_path / "items.xlsx", index=False)
    second = run_json(
        cli, "items", "import", str(tmp_path / "items.xlsx"), "--note", "危险源巡查加时"
    )
    assert (second["revision"], second["changed"], second["removed"]) == (2, ["B"], ["C"])
    later = {
        g["grid_code"]: g["hours"] for g in run_json(cli, "items", "workload", "2025")["per_grid"]
    }
    assert later["G2"] == pytest.approx(120 * 4 * 10 / 720 + 52 * 60 / 720, abs=0.01)  # 11.0
    banded = run_json(cli, "items", "workload", "2025", "--band", "0", "15")
    assert {g["grid_code"]: g["flag"] for g in banded["per_grid"]} == {
        "G1": "high",
        "G2": "in_band",
    }
    assert banded["band"] == [0, 15] and banded["flags"] == {"high": 1, "in_band": 1}
    assert cli("items", "workload", "2025", "--band", "20", "5").returncode == 2
    old = run_json(cli, "items", "list", "--revision", "1")
    assert old["revision"] == 1 and {i["code"]: i["minutes"] for i in old["items"]}["B"] == 45
    listed = run_json(cli, "items", "list")
    assert listed["revision"] == 2 and [r["revision"] for r in listed["revisions"]] == [1, 2]

    with version.connect() as c:
        audits = (
            c.execute(
                text(
                    "SELECT detail FROM audit_log WHERE action = 'items.import' "
                    "ORDER BY id DESC LIMIT 2"
                )
            )
            .scalars()
            .all()
        )
        used = (
            c.execute(
                text(
                    "SELECT params->>'items_revision' FROM analysis_results "
                    "WHERE kind = 'grid-items-workload' ORDER BY id"
                )
            )
            .scalars()
            .all()
        )
    assert audits[0]["revision"] == 2 and audits[0]["note"] == "危险源巡查加时"
    assert audits[1]["revision"] == 1
    assert used == ["1", "2", "2"]


def test_a_bad_list_is_refused_in_one_line_and_changes_nothing(cli, version, tmp_path):
    path = tmp_path / "bad.csv"
    LIST.assign(频次=["每季度", "偶尔", "每起"]).to_csv(path, index=False)
    done = cli("items", "import", str(path), "--json")
    assert done.returncode == 1 and done.stderr.count("\n") == 1
    assert "row 2" in done.stderr and "field frequency" in done.stderr
    assert run_json(cli, "items", "list")["revision"] is None
    # with no list imported, the default list of data/ is the workload's
    fallback = run_json(cli, "items", "workload", "2025")
    assert fallback["items_revision"] is None
    assert {i["code"] for i in fallback["by_item"]} <= {f"GS{n:02d}" for n in range(1, 13)}

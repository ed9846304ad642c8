"""The grid workflow through `civicgrid grids …`, as a planner runs it, down to the filing
package reopened by pyogrio and by GDAL's ogrinfo."""

from __future__ import annotations

import json
import re
import subprocess

import pandas as pd
import pyogrio
import pytest
from sqlalchemy import text

from tests.geo.grids.build import box, frame, insert_units, insert_version

T = "320508001"
C1, C2 = T + "001", T + "002"


def g(code, community, hh, geom, name):
    return {"grid_code": code, "name": name, "community_code": community, "town_code": T,
            "district_code": T[:6], "kind": "城镇", "households": hh, "population": hh * 3,
            "geometry": geom}


@pytest.fixture
def city(clean_db):
    insert_units(clean_db, frame([
        {"code": T, "name": "双塔街道", "level": "town", "geometry": box(0, 0, 2000, 1000)},
        {"code": C1, "name": "甲社区", "level": "community", "geometry": box(0, 0, 1000, 1000)},
        {"code": C2, "name": "乙社区", "level": "community", "geometry": box(1000, 0, 2000, 1000)},
    ]))
    insert_version(clean_db, "2025", frame([
        g(C1 + "001", C1, 1300, box(0, 0, 500, 1000), "甲社区第一网格"),
        g(C1 + "002", C1, 300, box(500, 0, 1000, 1000), "甲社区第二网格"),
        g(C2 + "001", C2, 400, box(1000, 0, 1500, 1000), "乙社区第一网格"),
        g(C2 + "002", C2, 420, box(1500, 0, 1980, 1000), "乙社区第二网格"),  # 20 m gap
    ]), activate=True)
    return clean_db


def run_json(cli, *args):
    done = cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_planner_workflow_to_filing(cli, city, tmp_path):

    checked = run_json(cli, "grids", "check", "2025")
    assert checked["problems"] == {"gap": 1, "workload_band": 1}  # one row each in items
    gap = next(i for i in checked["items"] if i["problem"] == "gap")
    assert gap["unit_code"] == C2 and gap["area_m2"] == pytest.approx(20_000, rel=0.01)
    assert checked["households_flag"]["above"] == 1
    with city.connect() as c:
        stored = c.execute(text("SELECT count(*) FROM analysis_features f JOIN analysis_results r "
                                "ON r.id = f.result_id WHERE r.kind = 'grid-check'")).scalar()
    assert stored == len(checked["items"])

    proposed = run_json(cli, "grids", "propose", "--from", "2025", "--name", "2026")
    assert proposed["status"] == "draft"
    assert proposed["communities"]["redrawn"] == 1  # 甲社区; 乙社区 is in band
    assert proposed["unsatisfied"] == []

    changes_csv = tmp_path / "diff.csv"
    diffed = run_json(cli, "grids", "diff", "2025", "2026", "--out", str(changes_csv))
    assert diffed["changes"]["unchanged"] == 2
    assert sum(diffed["changes"].values()) >= 3
    assert changes_csv.exists()
    item = next(i for i in diffed["items"] if C1 + "001" in i["old_codes"])
    assert item["households_before"] >= 1300 and "workload_after" in item

    draft_filing = cli("grids", "file", "2026", "--out", str(tmp_path / "nope"))
    assert draft_filing.returncode == 1
    assert "draft" in draft_filing.stderr and "Traceback" not in draft_filing.stderr

    listed = run_json(cli, "grids", "list")
    assert [(v["name"], v["status"], v["parent"]) for v in listed["versions"]] == [
        ("2025", "active", None), ("2026", "draft", "2025")]
    activated = run_json(cli, "grids", "activate", "2026")
    assert activated["status"] == "active"
    out = tmp_path / "备案"
    filed = run_json(cli, "grids", "file", "2026", "--out", str(out))
    assert filed["status"] == "filed" and filed["previous"] == "2025"
    assert filed["changes"]["unchanged"] == 2
    with city.connect() as c:
        audit = c.execute(text("SELECT detail FROM audit_log WHERE action = 'grids.file' "
                               "ORDER BY id DESC LIMIT 1")).scalar()
        statuses = dict(c.execute(text("SELECT name, status FROM grid_versions")).all())
    assert audit["previous"] == "2025"
    assert statuses == {"2025": "retired", "2026": "filed"}
    _check_package(out, n_grids=proposed["grids"])


def _check_package(out, n_grids):
    for variant, encoding in (("shp_utf8", "UTF-8"), ("shp_gbk", "GBK")):
        shp = out / variant / "grids_2026.shp"
        assert shp.with_suffix(".cpg").read_text().strip().upper() == encoding
        assert "China Geodetic Coordinate System 2000" in shp.with_suffix(".prj").read_text() \
            or "CGCS2000" in shp.with_suffix(".prj").read_text()
        back = pyogrio.read_dataframe(shp)
        assert len(back) == n_grids
        assert "乙社区第一网格" in set(back["NAME"])
        assert back.crs.to_epsg() == 4490
        info = subprocess.run(["ogrinfo", "-so", "-al", str(shp)], capture_output=True,
                              text=True, check=True).stdout
        assert int(re.search(r"Feature Count: (\d+)", info).group(1)) == n_grids
        values = subprocess.run(["ogrinfo", "-al", "-q", "-where", f"GRID_CODE = '{C2}001'",
                                 str(shp)], capture_output=True, text=True, check=True).stdout
        assert "乙社区第一网格" in values
    sheet = pd.read_excel(out / "changes.xlsx", dtype=str)
    csv = pd.read_csv(out / "changes.csv", encoding="utf-8-sig", dtype=str)
    assert len(sheet) == len(csv) > 0
    assert "拆分" in set(sheet["变更类型"]) or "边界调整" in set(sheet["变更类型"])
    assert set(csv["街镇名称"]) == {"双塔街道"}
    page = (out / "summary.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "双塔街道" in page
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", page)  # nothing outside the file
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {f["name"] for f in manifest["files"]} >= {"changes.csv", "changes.xlsx",
                                                      "summary.html", "shp_gbk/grids_2026.shp"}

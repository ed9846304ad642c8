"""The grid workflow through `civicgrid grids …`, as a planner runs it, down to the filing
package reopened by pyogrio and by GDAL's ogrinfo."""

from __future__ import annotations

import html
import json
import re
import subprocess

import pandas as pd
import pyogrio
import pytest
from sqlalchemy import text

from tests.geo.grids.build import (
    C1,
    C2,
    box,
    frame,
    grid_row,
    insert_two_communities,
    insert_version,
)


@pytest.fixture
def city(clean_db):
    insert_two_communities(clean_db)
    insert_version(
        clean_db,
        "2025",
        frame(
            [
                grid_row(C1 + "001", C1, 1300, box(0, 0, 500, 1000), "甲社区第一网格"),
                grid_row(C1 + "002", C1, 300, box(500, 0, 1000, 1000), "甲社区第二网格"),
                grid_row(C2 + "001", C2, 400, box(1000, 0, 1500, 1000), "乙社区第一网格"),
                grid_row(
                    C2 + "002", C2, 420, box(1500, 0, 1980, 1000), "乙社区第二网格"
                ),  # 20 m gap
            ]
        ),
        activate=True,
    )
    return clean_db


def run_json(cli, *args):
    done = cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_planner_workflow_to_filing(cli, city, tmp_path):

    checked = run_json(cli, "grids", "check", "2025")
    assert checked["problems"] == {"gap": 1, "workload_band": 1}  # one row each in items
    gap = next(i for i in checked["items"] if i["problem"] == "gap")
    assert gap["unit_code"] == C2 and gap["area_m2"] == pytest.approx(20_000, rel=0.01)
    assert checked["households_flag"]["above"] == 1
    with city.connect() as c:
        stored = c.execute(
            text(
                "SELECT count(*) FROM analysis_features f JOIN analysis_results r "
                "ON r.id = f.result_id WHERE r.kind = 'grid-check'"
            )
        ).scalar()
    assert stored == len(checked["items"])

    proposed = run_json(cli, "grids", "propose", "--from", "2025", "--name", "2026")
    assert proposed["status"] == "draft"
    assert proposed["communities"]["redrawn"] == 1  # 甲社区; 乙社区 is in band
    assert proposed["unsatisfied"] == []

    changes_csv = tmp_path / "diff.csv"
    diffed = run_json(cli, "grids", "diff", "2025", "2026", "--out", str(changes_csv))
    # 乙社区's two grids kept; 甲社区's 1,600 households redrawn into four fresh grids:
    # three hold most of the crowded west grid (split), one most of the east (reshaped)
    assert diffed["changes"] == {"unchanged": 2, "reshaped": 1, "split": 1}
    assert changes_csv.exists()
    by_kind = {i["change"]: i for i in diffed["items"] if i["change"] != "unchanged"}
    assert by_kind["split"]["old_codes"] == [C1 + "001"]
    assert by_kind["split"]["new_codes"] == [C1 + "003", C1 + "004", C1 + "006"]
    assert by_kind["reshaped"]["old_codes"] == [C1 + "002"]
    assert by_kind["reshaped"]["new_codes"] == [C1 + "005"]
    assert by_kind["split"]["households_before"] == 1300
    assert by_kind["reshaped"]["households_before"] == 300
    assert by_kind["split"]["households_after"] + by_kind["reshaped"]["households_after"] == 1600
    for item in by_kind.values():  # hours from the default list of data/ (no points):
        # a household 4 × 10 min a year, a resident 3 min, a grid 52 × 120 min
        hours = (
            40 * item["households_after"]
            + 3 * item["population_after"]
            + 6240 * len(item["new_codes"])
        ) / 720
        assert item["workload_after"] == pytest.approx(hours)
        assert 300 <= item["households_after"] / len(item["new_codes"]) <= 500
    itself = run_json(cli, "grids", "diff", "2025", "2025")
    assert itself["changes"] == {"unchanged": 4}

    draft_filing = cli("grids", "file", "2026", "--out", str(tmp_path / "nope"))
    assert draft_filing.returncode == 1
    assert "draft" in draft_filing.stderr and "Traceback" not in draft_filing.stderr

    listed = run_json(cli, "grids", "list")
    assert [(v["name"], v["status"], v["parent"]) for v in listed["versions"]] == [
        ("2025", "active", None),
        ("2026", "draft", "2025"),
    ]
    activated = run_json(cli, "grids", "activate", "2026")
    assert activated["status"] == "active"
    out = tmp_path / "备案"
    # the 20 m gap in 乙社区 is still there: no filing until it is fixed or accepted
    refused = cli("grids", "file", "2026", "--out", str(out))
    assert refused.returncode == 1 and not out.exists()
    assert refused.stderr.strip().splitlines() == [
        f"civicgrid: field version: grid version '2026' has 1 open topology problem(s): gap:{C2}; fix them or "
        "accept each with --accept ID=REASON (or all with --accept-all REASON)"
    ]
    unknown = cli("grids", "file", "2026", "--out", str(out), "--accept", "gap:nowhere=x")
    assert (
        unknown.returncode == 1
        and "names no problem of this version: gap:nowhere" in unknown.stderr
    )
    reason = "河道，不设网格 / a river, no grid"
    filed = run_json(
        cli, "grids", "file", "2026", "--out", str(out), "--accept", f"gap:{C2}={reason}"
    )
    assert filed["status"] == "filed" and filed["previous"] == "2025"
    assert filed["changes"] == {
        "unchanged": 2,
        "reshaped": 1,
        "split": 1,
        "merged": 0,
        "new": 0,
        "removed": 0,
    }
    assert filed["problems"] == {"gap": 1}
    assert filed["accepted_problems"] == {f"gap:{C2}": reason}
    again = cli("grids", "file", "2026", "--out", str(tmp_path / "again"))
    assert again.returncode == 1 and len(again.stderr.strip().splitlines()) == 1
    assert "'2026' was already filed at" in again.stderr and not (tmp_path / "again").exists()
    with city.connect() as c:
        audit = c.execute(
            text(
                "SELECT detail FROM audit_log WHERE action = 'grids.file' ORDER BY id DESC LIMIT 1"
            )
        ).scalar()
        statuses = dict(c.execute(text("SELECT name, status FROM grid_versions")).all())
    assert audit["previous"] == "2025" and audit["accepted_problems"] == {f"gap:{C2}": reason}
    assert statuses == {"2025": "retired", "2026": "filed"}
    _check_package(out, n_grids=proposed["grids"], accepted=(f"gap:{C2}", reason))


def _check_package(out, n_grids, accepted):
    for variant, encoding in (("shp_utf8", "UTF-8"), ("shp_gbk", "GBK")):
        shp = out / variant / "grids_2026.shp"
        assert shp.with_suffix(".cpg").read_text().strip().upper() == encoding
        assert (
            "China Geodetic Coordinate System 2000" in shp.with_suffix(".prj").read_text()
            or "CGCS2000" in shp.with_suffix(".prj").read_text()
        )
        back = pyogrio.read_dataframe(shp)
        assert len(back) == n_grids
        assert "乙社区第一网格" in set(back["NAME"])
        assert back.crs.to_epsg() == 4490
        info = subprocess.run(
            ["ogrinfo", "-so", "-al", str(shp)], capture_output=True, text=True, check=True
        ).stdout
        assert int(re.search(r"Feature Count: (\d+)", info).group(1)) == n_grids
        values = subprocess.run(
            ["ogrinfo", "-al", "-q", "-where", f"GRID_CODE = '{C2}001'", str(shp)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "乙社区第一网格" in values
    sheet = pd.read_excel(out / "changes.xlsx", dtype=str)
    csv = pd.read_csv(out / "changes.csv", encoding="utf-8-sig", dtype=str)
    assert len(sheet) == len(csv) > 0
    assert sorted(sheet["变更类型"]) == sorted(["未变更", "未变更", "边界调整", "拆分"])
    assert set(csv["街镇名称"]) == {"双塔街道"}
    page = (out / "summary.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page and "双塔街道" in page
    table = page[page.index("拓扑检查") :]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table[: table.index("</table>")], re.S)
    cells = [re.findall(r"<t[dh]>(.*?)</t[dh]>", r, re.S) for r in rows]
    assert cells[0] == [
        "编号 / id",
        "问题 / problem",
        "网格 / grids",
        "单位 / unit",
        "面积 / area m²",
        "说明 / detail",
        "接受理由 / accepted because",
    ]
    assert [(c[0], c[1], c[2], c[3], c[6]) for c in cells[1:]] == [
        (accepted[0], "gap", "", C2, html.escape(accepted[1]))
    ]
    assert "None" not in page and ">nan<" not in page
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", page)  # nothing outside the file
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {f["name"] for f in manifest["files"]} >= {
        "changes.csv",
        "changes.xlsx",
        "summary.html",
        "shp_gbk/grids_2026.shp",
    }
    assert manifest["accepted_problems"] == dict([accepted])

"""The grid workflow on PostGIS (geo.grids.workflow): the workload every step uses is the
service-item list's (hours by hand), which band a check uses, summary counts that match
the table."""

from __future__ import annotations

import pytest

from geo.grids import store, versions
from geo.grids.workflow import check_version, diff_versions, explain_version, read_inputs
from geo.grids.workload import workload
from geo.items import store as item_store
from tests.geo.grids.build import box, frame, insert_square_community, insert_version

C = "320508001001"


def g(code, hh, geom):
    return {
        "grid_code": C + code,
        "name": f"测试网格{code}",
        "community_code": C,
        "town_code": C[:9],
        "district_code": C[:6],
        "kind": "城镇",
        "households": hh,
        "population": hh * 3,
        "geometry": geom,
    }


def four(households):
    return frame(
        [
            g(f"{i + 1:03d}", hh, box(250 * i, 0, 250 * (i + 1), 1000))
            for i, hh in enumerate(households)
        ]
    )


@pytest.fixture
def db(clean_db):
    insert_square_community(clean_db, C)
    insert_version(clean_db, "2025", four([300, 400, 500, 600]), activate=True)
    insert_version(clean_db, "2026-draft", four([200, 250, 250, 300]))
    return clean_db


@pytest.fixture
def listed(db, tmp_path):
    """An item list whose hours are 0.1 a household + 1/30 a resident: 0.2 h a household
    (3 residents each; no points loaded)."""
    path = tmp_path / "items.csv"
    path.write_text(
        "事项编码,事项名称,计量对象,频次,每次用时（分钟）\n"
        "A,走访,户数,每月,6\nB,人口核查,人口,每月,2\n",
        encoding="utf-8",
    )
    item_store.import_list(db, path)
    return db


def test_without_a_list_the_default_list_of_data_is_the_workload(db):
    inputs = read_inputs(db)
    assert inputs.revision is None and len(inputs.items) == 12
    explained = explain_version(db, "2025")
    first = explained["per_grid"][0]
    # data/service_items.csv: GS01 a household 4 × 10 min a year, GS02 a resident 3 min a
    # year, GS12 a grid 52 × 120 min a year — in hours a month
    assert first["hours"] == round(300 * 40 / 720 + 900 * 3 / 720 + 52 * 120 / 720, 2) == 29.08
    assert [(i["code"], i["hours"]) for i in first["items"]] == [
        ("GS01", 16.67),
        ("GS12", 8.67),
        ("GS02", 3.75),
    ]
    assert explained["items_revision"] is None


def test_check_diff_and_explain_use_the_list_in_force(listed):
    checked = check_version(listed, "2025")
    assert checked["items_revision"] == 1
    rows = {
        r["grid_codes"][0]: r["detail"] for r in checked["items"] if r["problem"] == "workload_band"
    }
    assert rows == {C + "004": "households 600 (above), workload 120.0 h/month (in_band)"}
    changes, _ = diff_versions(listed, "2025", "2026-draft")
    assert changes["workload_before"].sum() == pytest.approx(0.2 * 1800)
    assert changes["workload_after"].sum() == pytest.approx(0.2 * 1000)
    explained = explain_version(listed, "2026-draft")
    assert [g["hours"] for g in explained["per_grid"]] == [40.0, 50.0, 50.0, 60.0]
    assert explained["by_item"] == [
        {"code": "A", "name": "走访", "hours": 100.0},
        {"code": "B", "name": "人口核查", "hours": 100.0},
    ]


def test_a_draft_is_checked_against_the_band_of_the_version_in_force(listed):
    db = listed
    inputs = read_inputs(db)
    in_force = workload(store.read_grids(db, "2025"), inputs.items, inputs.layers)
    low, high = in_force.attrs["workload_band"]
    # 2025: hours 60, 80, 100, 120 → mean 90 ± 1.5 sd (22.36)
    assert list(in_force["workload"]) == pytest.approx([60, 80, 100, 120])
    assert (low, high) == pytest.approx((90 - 1.5 * 22.3607, 90 + 1.5 * 22.3607), abs=1e-3)
    checked = check_version(db, "2026-draft")
    assert checked["workload_band"] == pytest.approx([low, high])
    assert checked["workload_band_source"] == {
        "source": "version",
        "version": "2025",
        "status": "active",
    }
    # hours 40, 50, 50, 60: the draft's own band (mean ± 1.5 sd) holds them all;
    # against the grids in force three are low
    assert checked["workload_flag"] == {"low": 3, "in_band": 1}


def test_a_given_or_configured_band_wins_and_the_version_in_force_uses_its_own(listed, monkeypatch):
    db = listed
    given = check_version(db, "2026-draft", band=(20.0, 45.0))
    assert given["workload_band_source"] == {"source": "given"}
    assert given["workload_flag"] == {"high": 3, "in_band": 1}
    monkeypatch.setenv("CIVICGRID_WORKLOAD_BAND", "0,1000")
    configured = check_version(db, "2026-draft")
    assert configured["workload_band"] == [0.0, 1000.0]
    assert configured["workload_band_source"] == {"source": "configured"}
    monkeypatch.delenv("CIVICGRID_WORKLOAD_BAND")
    own = check_version(db, "2025")
    assert own["workload_band_source"] == {"source": "own"}
    assert own["workload_flag"] == {"in_band": 4}


def test_check_summary_counts_every_row_of_its_table(listed):
    db = listed
    checked = check_version(db, "2026-draft")
    # households 200, 250, 250 below the band 300–500 and three grids' workload low:
    # three rows of the table, as the summary counts them
    assert checked["problems"] == {"workload_band": 3}
    assert sum(checked["problems"].values()) == len(checked["items"]) == 3
    assert versions.in_force(db).name == "2025"


def test_cli_says_which_band_it_used(cli, listed):
    done = cli("grids", "check", "2026-draft", "--workload-band", "20", "45")
    assert done.returncode == 0, done.stderr
    assert "band [20, 45] (--workload-band)" in done.stdout and "(4 in all)" in done.stdout
    done = cli("grids", "check", "2026-draft")
    # 90 ± 1.5 · 22.36 h a month
    assert "band [56, 124] (版本 / version 2025" in done.stdout

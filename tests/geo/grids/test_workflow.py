"""The grid workflow on PostGIS (geo.grids.workflow): which workload band a check uses,
summary counts that match the table, clean filings."""

from __future__ import annotations

import pytest

from geo.grids import store, versions
from geo.grids.workflow import check_version
from geo.grids.workload import workload
from tests.geo.grids.build import box, frame, insert_units, insert_version

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
    insert_units(
        clean_db,
        frame(
            [
                {
                    "code": C,
                    "name": "甲社区",
                    "level": "community",
                    "geometry": box(0, 0, 1000, 1000),
                },
                {
                    "code": C[:9],
                    "name": "乙街道",
                    "level": "town",
                    "geometry": box(0, 0, 1000, 1000),
                },
            ]
        ),
    )
    # workload = households + 0.1 · population = 1.3 · households (no points loaded)
    insert_version(clean_db, "2025", four([300, 400, 500, 600]), activate=True)
    insert_version(clean_db, "2026-draft", four([200, 250, 250, 300]))
    return clean_db


def test_a_draft_is_checked_against_the_band_of_the_version_in_force(db):
    in_force = workload(store.read_grids(db, "2025"), None, None, None)
    low, high = in_force.attrs["workload_band"]
    # 2025: workloads 390, 520, 650, 780 → mean 585 ± 1.5 sd (145.3)
    assert (low, high) == pytest.approx((585 - 1.5 * 145.31, 585 + 1.5 * 145.31), abs=0.1)
    checked = check_version(db, "2026-draft")
    assert checked["workload_band"] == pytest.approx([low, high])
    assert checked["workload_band_source"] == {
        "source": "version",
        "version": "2025",
        "status": "active",
    }
    # workloads 260, 325, 325, 390: the draft's own band (mean ± 1.5 sd) holds them all;
    # against the grids in force three are low
    assert checked["workload_flag"] == {"low": 3, "in_band": 1}


def test_a_given_or_configured_band_wins_and_the_version_in_force_uses_its_own(db, monkeypatch):
    given = check_version(db, "2026-draft", band=(100.0, 300.0))
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


def test_check_summary_counts_every_row_of_its_table(db):
    checked = check_version(db, "2026-draft")
    # households 200, 250, 250 below the band 300–500 and three grids' workload low:
    # three rows of the table, as the summary counts them
    assert checked["problems"] == {"workload_band": 3}
    assert sum(checked["problems"].values()) == len(checked["items"]) == 3
    assert versions.in_force(db).name == "2025"


def test_cli_says_which_band_it_used(cli, db):
    done = cli("grids", "check", "2026-draft", "--workload-band", "100", "300")
    assert done.returncode == 0, done.stderr
    assert "band [100, 300] (--workload-band)" in done.stdout and "(4 in all)" in done.stdout
    done = cli("grids", "check", "2026-draft")
    assert "band [367, 803] (版本 / version 2025" in done.stdout

"""`civicgrid demo` (what `make demo` runs, without the server): the small sample city
generated, every layer loaded with no row lost, every analysis run, an admin to sign in."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text


@pytest.mark.slow
def test_demo_runs_the_whole_job_on_the_small_city(cli, engine, clean_db, tmp_path):
    out = cli(
        "demo",
        "--scale",
        "small",
        "--no-serve",
        "--out",
        str(tmp_path / "city"),
        env={"CIVICGRID_DEMO_PASSWORD": "demo-test-password", "COLUMNS": "200"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "✘" not in out.stdout and "failed" not in out.stderr, out.stdout + out.stderr

    # one line per load, and every load accounts for each row it read
    loads = re.findall(
        r"✔ load (\S+) .*read (\d+) = loaded (\d+) \+ rejected (\d+) \+ duplicates (\d+)",
        out.stdout,
    )
    assert sorted({kind for kind, *_ in loads}) == sorted(
        [
            "boundaries",
            "facilities",
            "grids",
            "hazards",
            "incidents",
            "jurisdictions",
            "key-sites",
            "rentals",
        ]
    )
    assert "✔ grids align 2025 --department police" in out.stdout
    assert "✔ items import" in out.stdout and "✔ items workload 2025" in out.stdout
    assert "✔ grids consult 2026-draft" in out.stdout
    assert list((tmp_path / "city" / "consultation").glob("*_征求意见表.xlsx"))
    for kind, read, loaded, rejected, dups in loads:
        assert int(read) == int(loaded) + int(rejected) + int(dups) > 0, kind

    with engine.connect() as c:

        def count(sql: str) -> int:
            return c.execute(text(sql)).scalar()

        assert count("SELECT count(*) FROM incidents") > 1000
        for table in ("admin_units", "grids", "rentals", "hazards", "facilities", "key_sites"):
            assert count(f"SELECT count(*) FROM {table}") > 0, table
        assert count("SELECT count(*) FROM incident_counts") > 0  # aggregate
        assert count("SELECT count(DISTINCT kind) FROM hotspot_runs") == 2  # Gi* and emerging
        assert count("SELECT count(*) FROM grid_versions WHERE name = '2026-draft'") == 1  # propose
        assert count("SELECT count(*) FROM jurisdictions WHERE department = 'police'") > 0
        # grids straddling two police-station areas found and kept
        assert (
            count(
                "SELECT count(*) FROM analysis_features f JOIN analysis_results r "
                "ON r.id = f.result_id WHERE r.kind = 'grid-align'"
            )
            > 0
        )
        assert count("SELECT count(*) FROM service_items") >= 10  # the default list
        assert count("SELECT count(*) FROM consultations WHERE opinion IS NULL") > 0  # units asked
        assert (
            count(
                "SELECT count(*) FROM analysis_results WHERE kind = 'grid-items-workload' "
                "AND (summary->>'hours_total')::float > 0"
            )
            == 1
        )
        assert count("SELECT count(*) FROM users WHERE username = 'admin' AND role = 'admin'") == 1


def test_a_second_demo_does_not_propose_the_draft_again(clean_db):
    from geo.cli.demo import ANALYSES, _left_by_earlier_demo
    from geo.grids import versions

    propose = next(a for a in ANALYSES if a[:2] == ("grids", "propose"))
    assert not _left_by_earlier_demo(propose)
    with clean_db.begin() as conn:
        versions.create(conn, propose[propose.index("--name") + 1])
    assert _left_by_earlier_demo(propose)
    assert not any(_left_by_earlier_demo(a) for a in ANALYSES if a is not propose)

"""Every broken or hostile file ends cleanly: a balanced load report, or one line and nothing loaded.

The CLI runs in-process through `geo.cli.main` (the real entry point, exit codes and
error printing included); `capfd` captures at the file-descriptor level, so GDAL or
C-library chatter on stderr would count as a second line too. Any exception escaping
`main()` — a traceback for a user — fails the case.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from geo.cli import main
from tests.database import empty
from tests.reliability.corpus import CASES, Case, boundaries

#: tables a load may write to (besides the batch tables)
LAYERS = (
    "admin_units",
    "grid_versions",
    "grids",
    "hazards",
    "rentals",
    "incidents",
    "facilities",
    "key_sites",
)
KIND_TABLE = {
    "incidents": "incidents",
    "facilities": "facilities",
    "grids": "grids",
    "hazards": "hazards",
    "rentals": "rentals",
    "key-sites": "key_sites",
}
#: where a traversal or absolute member name would have landed
ESCAPES = (Path("/etc/x.shp"), Path("/tmp/x.shp"), Path("/etc/x.dbf"), Path("/tmp/x.dbf"))


def run(
    args: list[str], capfd, monkeypatch, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `civicgrid ARGS` run in this process."""
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "argv", ["civicgrid", *args])
    capfd.readouterr()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capfd.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def city(engine, db_url, tmp_path_factory):
    """The toy district loaded once; every case loads against it."""
    from etl.load import load

    empty(engine)
    path = tmp_path_factory.mktemp("city") / "district.shp"
    boundaries().to_file(path, engine="pyogrio", encoding="GBK")
    assert load("boundaries", path, url=db_url)["loaded"] == 1
    return engine


@pytest.fixture
def fresh(city):
    """Everything but the district gone before a case."""
    with city.begin() as conn:
        conn.execute(
            text(
                "TRUNCATE load_rejects, grids, grid_versions, hazards, rentals, incidents, "
                "facilities, key_sites CASCADE"
            )
        )
        conn.execute(text("DELETE FROM load_batches WHERE kind <> 'boundaries'"))
    return city


def snapshot(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in (*LAYERS, "load_batches", "load_rejects")
        }


def test_corpus_is_big_enough():
    assert len(CASES) >= 30
    # every report states what it must load and reject, not just that the counts balance
    assert all(c.counts is not None for c in CASES if c.expect == "report")
    assert len({c.name for c in CASES}) == len(CASES)
    formats = {Path(c.name).name.split("_")[0] for c in CASES}
    assert {"csv", "xlsx", "geojson", "shp", "zip", "gpkg"} <= formats


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_ends_cleanly(case: Case, fresh, tmp_path, capfd, monkeypatch):
    path = case.build(tmp_path)
    before = snapshot(fresh)
    code, out, err = run(
        ["load", case.kind, str(path), *case.args, "--json"], capfd, monkeypatch, case.env
    )
    after = snapshot(fresh)
    assert "Traceback" not in err + out
    assert not [p for p in ESCAPES if p.exists()], "a zip member was written outside its folder"

    if case.expect == "report":
        assert code == 0, err
        assert err.strip() == "", err
        assert len(out.strip().splitlines()) == 1, out
        report = json.loads(out)
        assert report["read"] == report["loaded"] + report["rejected"] + report["duplicates"]
        assert (report["loaded"], report["rejected"], report["duplicates"]) == case.counts
        assert report["reasons"] == case.reasons
        assert tuple((u["value"], u["count"]) for u in report["unclassified"]) == case.unclassified
        for key, value in case.layout.items():
            assert report[key] == value, key
        with fresh.connect() as conn:
            row = conn.execute(
                text("SELECT read, loaded, rejected, duplicates FROM load_batches WHERE id = :id"),
                {"id": report["batch_id"]},
            ).one()
            rejects = conn.execute(
                text("SELECT count(*) FROM load_rejects WHERE batch_id = :id"),
                {"id": report["batch_id"]},
            ).scalar_one()
            stored = conn.execute(
                text(f"SELECT count(*) FROM {KIND_TABLE[case.kind]} WHERE batch_id = :id"),
                {"id": report["batch_id"]},
            ).scalar_one()
        assert tuple(row) == (
            report["read"],
            report["loaded"],
            report["rejected"],
            report["duplicates"],
        )
        assert rejects == report["rejected"] + report["duplicates"]
        assert stored == report["loaded"]
        assert after["load_batches"] == before["load_batches"] + 1
        return

    # error or usage: nothing loaded, no batch, nothing on stdout
    assert after == before, "an unusable input left rows behind"
    assert out.strip() == ""
    if case.expect == "usage":
        assert code == 2, err
        return
    assert code == 1, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("civicgrid: ")
    assert path.name in line, line
    for word in case.mentions:
        assert word in line, line

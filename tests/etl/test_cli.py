"""`civicgrid load` as a user runs it: one JSON object, one clear line on bad input."""

from __future__ import annotations

import json

from sqlalchemy import text

from tests.etl.builders import boundaries, incidents, write_shp

REQUIRED = {"batch_id", "read", "loaded", "rejected", "duplicates", "repaired", "encoding", "crs",
            "personal_columns", "warnings", "rejects_csv", "seconds"}


def test_json_report(cli, clean_db, tmp_path):
    incidents(12).to_csv(tmp_path / "i.csv", index=False, encoding="utf-8-sig")
    done = cli("load", "incidents", str(tmp_path / "i.csv"), "--crs", "gcj02", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report) >= REQUIRED
    assert (report["read"], report["loaded"], report["encoding"], report["crs"]) == (
        12, 12, "utf-8", "gcj02")


def test_human_report_shows_the_counts(cli, clean_db, tmp_path):
    path = write_shp(boundaries("district"), tmp_path / "d.shp")
    done = cli("load", "boundaries", str(path))
    assert done.returncode == 0, done.stderr
    assert "加载完成" in done.stdout and "gbk" in done.stdout


def _one_line_error(done, name: str) -> str:
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("civicgrid: ") and name in lines[0], done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    return lines[0]


def test_truncated_shapefile_loads_nothing(cli, clean_db, tmp_path):
    path = write_shp(boundaries("community"), tmp_path / "c.shp")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    line = _one_line_error(cli("load", "boundaries", str(path), "--json"), "c.shp")
    assert "truncated" in line
    with clean_db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM load_batches")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM admin_units")).scalar() == 0


def test_garbled_csv_loads_nothing(cli, clean_db, tmp_path):
    (tmp_path / "junk.csv").write_bytes(b"\x00\xff\x13binary" * 100)
    _one_line_error(cli("load", "incidents", str(tmp_path / "junk.csv"), "--crs", "wgs84"), "junk.csv")
    with clean_db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM load_batches")).scalar() == 0


def test_no_crs_is_refused_not_guessed(cli, clean_db, tmp_path):
    incidents(3).to_csv(tmp_path / "i.csv", index=False)
    line = _one_line_error(cli("load", "incidents", str(tmp_path / "i.csv")), "i.csv")
    assert "--crs" in line


def test_bad_arguments_exit_2(cli, clean_db, tmp_path):
    path = write_shp(boundaries("district"), tmp_path / "d.shp")
    done = cli("load", "grids", str(path))  # no --grid-version
    assert done.returncode == 2 and "--grid-version" in done.stderr

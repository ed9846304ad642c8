"""`civicgrid load` as a user runs it: one JSON object, one clear line on bad input.

One real subprocess (the truncated file: exit status and stderr as a shell sees them);
the other cases run `geo.cli.main` in-process, the same entry point, to keep this fast.
"""

from __future__ import annotations

import json
import sys

import pytest
from sqlalchemy import text

from etl.report import KEYS
from geo.cli import main
from tests.etl.builders import boundaries, incidents, write_shp

REQUIRED = {
    "batch_id",
    "read",
    "loaded",
    "rejected",
    "duplicates",
    "repaired",
    "encoding",
    "crs",
    "personal_columns",
    "warnings",
    "rejects_csv",
    "seconds",
    *KEYS,
}


@pytest.fixture
def civicgrid(db_url, monkeypatch, capsys):
    """Run `civicgrid ARGS` in-process → (exit status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["civicgrid", *args])
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def _one_line_error(code: int, out: str, err: str, name: str) -> str:
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("civicgrid: ") and name in lines[0], err
    assert "Traceback" not in err and out == ""
    return lines[0]


def test_json_report(civicgrid, clean_db, tmp_path):
    incidents(12).to_csv(tmp_path / "i.csv", index=False, encoding="utf-8-sig")
    code, out, err = civicgrid(
        "load", "incidents", str(tmp_path / "i.csv"), "--crs", "gcj02", "--json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert set(report) >= REQUIRED
    assert (report["read"], report["loaded"], report["encoding"], report["crs"]) == (
        12,
        12,
        "utf-8",
        "gcj02",
    )
    code, out, _ = civicgrid(
        "load", "incidents", str(tmp_path / "i.csv"), "--crs", "gcj02", "--json"
    )
    again = json.loads(out)
    assert (code, again["status"], again["batch_id"]) == (0, "already_loaded", report["batch_id"])
    assert set(again) >= REQUIRED


def test_human_report_shows_the_counts(civicgrid, clean_db, tmp_path):
    path = write_shp(boundaries("district"), tmp_path / "d.shp")
    code, out, err = civicgrid("load", "boundaries", str(path))
    assert code == 0, err
    assert "加载完成" in out and "gbk" in out and "cgcs2000" in out


def test_truncated_shapefile_loads_nothing(cli, clean_db, tmp_path):
    path = write_shp(boundaries("community"), tmp_path / "c.shp")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    done = cli("load", "boundaries", str(path), "--json")
    line = _one_line_error(done.returncode, done.stdout, done.stderr, "c.shp")
    assert "truncated" in line
    with clean_db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM load_batches")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM admin_units")).scalar() == 0


def test_garbled_csv_loads_nothing(civicgrid, clean_db, tmp_path):
    (tmp_path / "junk.csv").write_bytes(b"\x00\xff\x13binary" * 100)
    _one_line_error(
        *civicgrid("load", "incidents", str(tmp_path / "junk.csv"), "--crs", "wgs84"), "junk.csv"
    )
    (tmp_path / "fake.zip").write_bytes(b"not a zip at all")
    _one_line_error(*civicgrid("load", "boundaries", str(tmp_path / "fake.zip")), "fake.zip")
    with clean_db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM load_batches")).scalar() == 0


def test_no_crs_is_refused_not_guessed(civicgrid, clean_db, tmp_path):
    incidents(3).to_csv(tmp_path / "i.csv", index=False)
    line = _one_line_error(*civicgrid("load", "incidents", str(tmp_path / "i.csv")), "i.csv")
    assert "--crs" in line


def test_bad_arguments_exit_2(civicgrid, clean_db, tmp_path):
    path = write_shp(boundaries("district"), tmp_path / "d.shp")
    code, _, err = civicgrid("load", "grids", str(path))  # no --grid-version
    assert code == 2 and "--grid-version" in err
    assert civicgrid("load", "parks", str(path))[0] == 2

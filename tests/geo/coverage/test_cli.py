"""`civicgrid coverage …` as a user runs it, on the constructed city (conftest `city`)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from sqlalchemy import text


def _json(proc) -> dict:
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def _csv(path) -> list[dict]:
    with open(path, encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def _features(engine, result_id: int) -> list[dict]:
    with engine.connect() as c:
        return [
            row[0]
            for row in c.execute(
                text("SELECT properties FROM analysis_features WHERE result_id = :r ORDER BY id"),
                {"r": result_id},
            )
        ]


def _kind(engine, result_id: int) -> str:
    with engine.connect() as c:
        return c.execute(
            text("SELECT kind FROM analysis_results WHERE id = :r"), {"r": result_id}
        ).scalar()


def test_facilities(city, cli, tmp_path):
    out = _json(
        cli(
            "coverage",
            "facilities",
            "--kind",
            "camera",
            "--radius",
            "150",
            "--new-sites",
            "1",
            "--out",
            str(tmp_path),
            "--json",
        )
    )
    shares = {r["layer"]: r for r in out["city"]}
    assert (shares["incidents"]["total"], shares["incidents"]["covered"]) == (11, 3)
    assert shares["rentals"]["covered"] == 0 and shares["hazards"]["covered"] == 0
    assert "straight line" in out["distance"]

    # the new camera goes to the five-incident cluster at (1500, 500)
    [site] = out["new_sites"]
    assert site["covered"] == 5 and site["upper_bound"] == 5 and site["guarantee"] == 1
    assert site["uncovered_before"] == 8 and site["optimality_gap"] == 0 and site["optimal"] is True
    assert site["method"] in ("greedy", "exact") and site["time_budget_s"] == 30
    [row] = _csv(tmp_path / "coverage-facilities-new-sites.csv")
    x, y = city.offset(float(row["lon"]), float(row["lat"]))
    assert np.hypot(x - 1500, y - 500) <= 150

    rows = {
        (r["layer"], r["level"], r["code"]): r
        for r in _csv(tmp_path / "coverage-facilities-shares.csv")
    }
    assert rows[("incidents", "town", "T1")]["share"] == "0.75"
    assert rows[("incidents", "town", "T1")]["name"] == "甲街道"
    assert rows[("incidents", "district", "D1")]["covered"] == "3"

    assert _kind(city.engine, out["result_id"]) == "coverage-facilities"
    features = _features(city.engine, out["result_id"])
    parts = [f["part"] for f in features]
    assert (
        parts.count("new_site") == 1 and parts.count("blind_spot") == out["blind_spots"]["camera"]
    )
    spots = [f for f in features if f["part"] == "blind_spot"]
    assert (spots[0]["rank"], spots[0]["incidents"]) == (1, 5)
    with city.engine.connect() as c:
        hexagons = c.execute(
            text(
                "SELECT count(*) FROM analysis_features WHERE result_id = :r "
                "AND GeometryType(geom) = 'POLYGON'"
            ),
            {"r": out["result_id"]},
        ).scalar()
    assert hexagons == len(spots)


def test_inspections(city, cli, tmp_path):
    out = _json(
        cli(
            "coverage",
            "inspections",
            "--days",
            "60",
            "--as-of",
            city.as_of.isoformat(),
            "--out",
            str(tmp_path),
            "--json",
        )
    )
    by_layer = {r["layer"]: r for r in out["city"]}
    assert (by_layer["rentals"]["total"], by_layer["rentals"]["inspected"]) == (4, 2)
    assert by_layer["hazards"]["inspected"] == 0
    assert out["overdue"] == {"rentals": 2, "hazards": 1} and out["never_inspected"] == 1
    rows = {
        (r["layer"], r["level"], r["code"]): r
        for r in _csv(tmp_path / "coverage-inspections-shares.csv")
    }
    assert rows[("rentals", "grid", "G1")]["share"] == "0.5"
    assert rows[("rentals", "town", "T2")]["share"] == "0.5"
    late = _csv(tmp_path / "coverage-inspections-overdue.csv")
    assert late[0]["source_key"] == "H1" and late[0]["days_overdue"] == "40.0"
    assert _kind(city.engine, out["result_id"]) == "coverage-inspections"


def test_inspections_default_to_the_datas_latest_date_not_today(city, cli, tmp_path):
    given = _json(
        cli(
            "coverage",
            "inspections",
            "--days",
            "60",
            "--as-of",
            city.as_of.isoformat(),
            "--out",
            str(tmp_path),
            "--json",
        )
    )
    default = _json(
        cli("coverage", "inspections", "--days", "60", "--out", str(tmp_path), "--json")
    )
    assert default["as_of"] == city.as_of.isoformat() and given["as_of_rule"] == "--as-of"
    assert default["as_of_rule"].startswith("latest date in the data")
    # today (months later) would make every inspected rental overdue: 2 of 4, not 4
    assert default["overdue"] == given["overdue"] == {"rentals": 2, "hazards": 1}
    assert default["city"] == given["city"]


def test_workload(city, cli, tmp_path):
    out = _json(cli("coverage", "workload", "--version", "2025", "--out", str(tmp_path), "--json"))
    # one "as of" rule: the data's latest date — here the last inspection (June 30),
    # later than the latest incident (June 1); the window ends with that local day
    assert out["grids"] == 3 and out["as_of"] == city.as_of.isoformat()
    assert out["as_of_rule"].startswith("latest date in the data")
    assert out["window_end"].startswith("2026-06-30T16:00:00")
    assert out["households_flag"] == {"in_band": 1, "below": 1, "above": 1}
    rows = {f["grid_code"]: f for f in _features(city.engine, out["result_id"])}
    assert rows["G1"]["incidents"] == 3  # the fourth is 400 days old: outside the 12 months
    assert rows["G1"]["rental_units"] == 2
    assert rows["G3"]["hazards"] == 1
    # hours a month from the default list of data/ (no list imported): a household 4 × 10
    # min a year, a resident 3 min, a rental 12 × 20 min, a major hazard 52 × 45 min, a
    # grid 52 × 120 min; thefts (盗窃) are on no item
    assert out["unit"] == "hours/month" and out["items_revision"] is None
    assert rows["G1"]["workload"] == pytest.approx((400 * 40 + 800 * 3 + 2 * 240 + 6240) / 720)
    assert rows["G3"]["workload"] == pytest.approx(
        (600 * 40 + 1200 * 3 + 240 + 52 * 45 + 6240) / 720
    )
    assert {i["code"]: i["hours"] for i in rows["G3"]["by_item"]}["GS04"] == 3.25
    assert _kind(city.engine, out["result_id"]) == "workload"
    table = _csv(tmp_path / "workload-2025.csv")
    assert [r["grid_code"] for r in table] == ["G1", "G2", "G3"]
    assert json.loads(table[2]["by_item"])[0] == {
        "code": "GS01",
        "name": "居民户入户走访",
        "count": 600.0,
        "hours": 33.33,
    }


def test_grids(city, cli, tmp_path):
    out = _json(cli("coverage", "grids", "--version", "2025", "--out", str(tmp_path), "--json"))
    assert out["by_problem"] == {"gap": 1}
    assert out["area_m2"]["gap"] == pytest.approx(250_000, rel=1e-3)
    assert _kind(city.engine, out["result_id"]) == "coverage-grids"
    [row] = _csv(tmp_path / "coverage-grids-2025.csv")
    assert row["problem"] == "gap" and row["unit_code"] == "C2"


def test_errors(city, cli):
    proc = cli("coverage", "workload", "--version", "nope", "--json")
    assert proc.returncode == 1 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "nope" in proc.stderr


def test_unknown_facility_kind_is_refused_before_any_work(cli):
    # no database at all behind this URL: a refusal that had started reading would say so
    proc = cli(
        "coverage",
        "facilities",
        "--kind",
        "police",
        "--json",
        env={"CIVICGRID_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none"},
    )
    assert proc.returncode == 1 and proc.stdout == ""
    [line] = proc.stderr.strip().splitlines()
    assert "police" in line and "police_station" in line and "connect" not in line.lower()

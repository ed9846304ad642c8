"""`civicgrid brief`: the PDF's text read back (pypdf) and checked against the database,
computed here independently (incidents of the period by local day, spatial joins in
geopandas); the page's scale bar from its definition."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pypdf import PdfReader
from sqlalchemy import text

from geo.brief.page import fit_ranges, length_label, nice_length
from geo.localtime import TZ
from tests.database import empty

CITY = Path(__file__).resolve().parents[2] / "dashboards" / "city.py"
LOCAL = TZ  # the city's local time (geo.localtime)


@pytest.fixture(scope="module")
def city(engine):
    spec = importlib.util.spec_from_file_location("brief_city", CITY)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    empty(engine)
    return mod.build(engine)


def _incidents(engine) -> gpd.GeoDataFrame:
    df = gpd.read_postgis("SELECT occurred_at, geom FROM incidents", engine, geom_col="geom")
    df["day"] = pd.to_datetime(df["occurred_at"], utc=True).dt.tz_convert(LOCAL).dt.date
    return df


def _pdf_text(path: Path) -> tuple[str, PdfReader]:
    """The PDF's text without spaces, radicals NFKC-normalised: the CJK font draws some ideographs
    and their Kangxi-radical twins (工 U+5DE5, ⼯ U+2F2F) with one glyph, and a reader may
    name either."""
    reader = PdfReader(path)
    raw = "".join(p.extract_text() for p in reader.pages)
    text_ = "".join(unicodedata.normalize("NFKC", c) if 0x2E80 <= ord(c) <= 0x2FDF else c for c in raw)
    return text_.replace(" ", ""), reader


@pytest.fixture(scope="module")
def week(city, engine, tmp_path_factory):
    from tests.conftest import run_cli

    out = tmp_path_factory.mktemp("brief") / "周报.pdf"
    proc = run_cli("brief", "--period", "week", "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), out


def test_week_brief_json_and_pdf_figures_match_the_database(week, engine):
    result, out = week
    inc = _incidents(engine)
    last = max(inc["day"])
    first = last - dt.timedelta(days=6)
    in_week = inc[(inc["day"] >= first) & (inc["day"] <= last)]
    prev = inc[(inc["day"] >= first - dt.timedelta(days=7)) & (inc["day"] < first)]
    assert Path(result["path"]) == out.resolve() and out.exists()
    assert (result["from"], result["to"]) == (first.isoformat(), last.isoformat())
    assert result["incidents"] == len(in_week) > 0 and result["incidents_prev"] == len(prev)

    body, reader = _pdf_text(out)
    assert len(reader.pages) == 1
    w, h = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert abs(w - 595.3) < 2 and abs(h - 841.9) < 2, "A4 portrait"
    assert "社会治理周报" in body
    assert f"{first:%Y-%m-%d}至{last:%Y-%m-%d}" in body
    assert f"警情{len(in_week)}起，上期{len(prev)}起" in body
    assert "比例尺" in body and "北" in body

    # every district and town is named on the map; the busiest town and grid with their counts
    units = gpd.read_postgis("SELECT name, level, geom FROM admin_units", engine, geom_col="geom")
    for name in units.loc[units["level"].isin(["district", "town"]), "name"]:
        assert name in body
    towns = gpd.sjoin(in_week, units[units["level"] == "town"], predicate="intersects")
    busiest = towns.groupby("name").size().sort_values(ascending=False)
    lines = body.splitlines()
    # a table's column is read as one run of lines: names, then their counts
    names_at = lines.index(f"街道（镇）：{busiest.index[0]}")
    first_count = lines.index("警情最多的区域") + 1
    assert lines[first_count + names_at - lines.index("区：" + result["top"]["district"][0]["name"])] == str(busiest.iloc[0])
    assert result["top"]["town"][0] == {"name": busiest.index[0], "incidents": int(busiest.iloc[0])}
    grids = gpd.read_postgis("SELECT g.grid_code, g.name, g.geom FROM grids g JOIN grid_versions v "
                             "ON v.id = g.version_id WHERE v.status = 'active'", engine, geom_col="geom")
    per_grid = gpd.sjoin(in_week, grids, predicate="intersects").groupby(["name", "grid_code"]).size()
    (gname, gcode), gcount = per_grid.idxmax(), per_grid.max()
    assert f"网格：{gname}（{gcode}）" in lines and str(gcount) in lines
    assert result["top"]["grid"][0] == {"name": f"{gname}（{gcode}）", "incidents": int(gcount)}

    # the data stamp and the source batches
    assert f"数据截至{last:%Y-%m-%d}" in body
    with engine.connect() as conn:
        files = conn.execute(text("SELECT id, file_name FROM load_batches WHERE kind = 'incidents'")).all()
    assert result["batches"] == [i for i, _ in files]
    assert all(f"#{i}{name}" in body for i, name in files)


def test_grids_out_of_band_are_listed_with_their_households(week, engine):
    _, out = week
    body, _ = _pdf_text(out)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT g.grid_code, g.name, g.households FROM grids g JOIN grid_versions v ON v.id = g.version_id "
            "WHERE v.status = 'active' AND (g.households < 300 OR g.households > 500) "
            "ORDER BY greatest(300 - g.households, g.households - 500) DESC LIMIT 1")).one()
    lines = body.splitlines()
    assert f"{rows.name}（{rows.grid_code}）" in lines
    # (户 comes out as the radical ⼾, whose NFKC form is 戶: matched without it)
    households = next(i for i, line in enumerate(lines) if "数超出300–500的网格" in line) + 1
    assert lines[households] == str(rows.households)


def test_month_brief_and_bad_period(city, tmp_path):
    from tests.conftest import run_cli

    proc = run_cli("brief", "--period", "month", "--out", str(tmp_path / "m.pdf"), "--json")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert (dt.date.fromisoformat(result["to"]) - dt.date.fromisoformat(result["from"])).days == 29
    assert "社会治理月报" in _pdf_text(tmp_path / "m.pdf")[0]
    bad = run_cli("brief", "--period", "year")
    assert bad.returncode == 2 and "week or month" in bad.stderr


def test_scale_bar_length_and_equal_metres_per_pixel():
    assert [nice_length(m) for m in (0.9, 7, 1234, 4999, 5000, 26_000)] == [0.5, 5, 1000, 2000, 5000, 20_000]
    assert length_label(2000) == "2 公里" and length_label(500) == "500 米"
    xr, yr = fit_ranges((0, 0, 10_000, 2_000), (800, 400))
    assert (xr[1] - xr[0]) / 800 == pytest.approx((yr[1] - yr[0]) / 400)
    assert xr[0] < 0 and xr[1] > 10_000 and yr[0] < 0 and yr[1] > 2_000

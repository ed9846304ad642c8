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
import numpy as np
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
    text_ = "".join(
        unicodedata.normalize("NFKC", c) if 0x2E80 <= ord(c) <= 0x2FDF else c for c in raw
    )
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
    assert lines[
        first_count + names_at - lines.index("区：" + result["top"]["district"][0]["name"])
    ] == str(busiest.iloc[0])
    assert result["top"]["town"][0] == {"name": busiest.index[0], "incidents": int(busiest.iloc[0])}
    grids = gpd.read_postgis(
        "SELECT g.grid_code, g.name, g.geom FROM grids g JOIN grid_versions v "
        "ON v.id = g.version_id WHERE v.status = 'active'",
        engine,
        geom_col="geom",
    )
    per_grid = (
        gpd.sjoin(in_week, grids, predicate="intersects").groupby(["name", "grid_code"]).size()
    )
    (gname, gcode), gcount = per_grid.idxmax(), per_grid.max()
    assert f"网格：{gname}（{gcode}）" in lines and str(gcount) in lines
    assert result["top"]["grid"][0] == {"name": f"{gname}（{gcode}）", "incidents": int(gcount)}

    # the data stamp and the source batches
    assert f"数据截至{last:%Y-%m-%d}" in body
    with engine.connect() as conn:
        files = conn.execute(
            text("SELECT id, file_name FROM load_batches WHERE kind = 'incidents'")
        ).all()
    assert result["batches"] == [i for i, _ in files]
    assert all(f"#{i}{name}" in body for i, name in files)


def test_grids_out_of_band_are_listed_with_their_households(week, engine):
    _, out = week
    body, _ = _pdf_text(out)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT g.grid_code, g.name, g.households FROM grids g JOIN grid_versions v ON v.id = g.version_id "
                "WHERE v.status = 'active' AND (g.households < 300 OR g.households > 500) "
                "ORDER BY greatest(300 - g.households, g.households - 500) DESC LIMIT 1"
            )
        ).one()
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
    assert [nice_length(m) for m in (0.9, 7, 1234, 4999, 5000, 26_000)] == [
        0.5,
        5,
        1000,
        2000,
        5000,
        20_000,
    ]
    assert length_label(2000) == "2 公里" and length_label(500) == "500 米"
    xr, yr = fit_ranges((0, 0, 10_000, 2_000), (800, 400))
    assert (xr[1] - xr[0]) / 800 == pytest.approx((yr[1] - yr[0]) / 400)
    assert xr[0] < 0 and xr[1] > 10_000 and yr[0] < 0 and yr[1] > 2_000


def test_without_a_stored_coverage_run_the_brief_says_how_to_make_one(week):
    body, _ = _pdf_text(week[1])
    # (a table cell wraps its long text: read without the line breaks)
    assert "尚无覆盖分析：请先运行civicgridcoveragefacilities" in body.replace("\n", "")


@pytest.mark.slow
def test_coverage_gaps_are_read_from_the_stored_coverage_run(city, engine, tmp_path):
    from dashboards.i18n import t
    from tests.conftest import run_cli

    run = run_cli(
        "coverage",
        "facilities",
        "--kind",
        "police_station",
        "--kind",
        "shelter",
        "--res",
        "8",
        "--out",
        str(tmp_path),
        "--json",
    )
    assert run.returncode == 0, run.stderr
    result_id = json.loads(run.stdout)["result_id"]
    out = tmp_path / "周报.pdf"
    proc = run_cli("brief", "--period", "week", "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    body, _ = _pdf_text(out)
    with engine.connect() as conn:
        made = conn.execute(
            text("SELECT created_at FROM analysis_results WHERE id = :i"), {"i": result_id}
        ).scalar()
        names = dict(conn.execute(text("SELECT code, name FROM admin_units")).all())
        spots = conn.execute(
            text(
                "SELECT properties->>'kind', properties->>'district', properties->>'town', (properties->>'incidents')::numeric::int"
                " FROM analysis_features WHERE result_id = :i AND properties->>'part' = 'blind_spot'"
                " AND (properties->>'incidents')::numeric::int > 0 ORDER BY properties->>'kind', (properties->>'rank')::numeric::int"
            ),
            {"i": result_id},
        ).all()
    assert f"覆盖盲区（覆盖分析#{result_id}，{made.astimezone(LOCAL):%Y-%m-%d}）" in body
    lines = body.splitlines()
    for kind in ("police_station", "shelter"):
        top = [s for s in spots if s[0] == kind][:2]
        assert top, f"the constructed city has blind spots of {kind}"
        for _, district, town, _ in top:
            label = f"{t('kind.' + kind)}：{names[district]}{names[town]}"
            assert label in lines
    # counts: the table's second column (read after the first column's header), in the rows' order
    counts_at = (
        lines.index(f"覆盖盲区（覆盖分析#{result_id}，{made.astimezone(LOCAL):%Y-%m-%d}）") + 1
    )
    want = [
        str(s[3])
        for kind in ("police_station", "shelter")
        for s in [s for s in spots if s[0] == kind][:2]
    ]
    assert lines[counts_at : counts_at + len(want) + 1] == [*want, "—"]
    assert f"{t('kind.mediation_room')}：该次覆盖分析未含此类设施" in lines


def test_the_brief_map_draws_a_registered_base_map_under_the_hexagons(city, engine, tmp_path):
    from sqlalchemy.engine import make_url

    from geo.basemap import store as basemaps
    from geo.brief import page, store
    from geo.db.engine import database_url

    spec = importlib.util.spec_from_file_location(
        "basemap_archives", Path(__file__).resolve().parents[1] / "basemap" / "archives.py"
    )
    archives = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(archives)
    water = gpd.read_postgis(
        "SELECT name, geom FROM admin_units WHERE level = 'community' ORDER BY code LIMIT 1",
        engine,
        geom_col="geom",
    )
    roads = gpd.read_postgis(
        "SELECT name, ST_Boundary(geom) AS geom FROM admin_units WHERE level = 'town'",
        engine,
        geom_col="geom",
    )
    archive = archives.build_mbtiles(
        {"water": water, "roads": roads}, tmp_path / "city.mbtiles", 8, 13
    )
    database = make_url(database_url()).database
    assert store.gather(engine, "week").basemap is None  # none registered: no base map
    basemaps.add(database, archive, name="brief-test", replace=True)
    try:
        data = store.gather(engine, "week")
    finally:
        basemaps.remove(database, "brief-test")
    assert set(data.basemap["class"]) == {"water", "road"}
    fig = page.figure(data, "EPSG:4549", {}, dt.datetime(2026, 11, 1, tzinfo=LOCAL))
    names = [t.name for t in fig.data]
    assert names[:2] == ["basemap-water-fill", "basemap-road-line"]  # first: under everything else
    # the water drawn is the community, in the map's metres (within the tiles' precision)
    xs = np.array([v for v in fig.data[0].x if v is not None])
    ys = np.array([v for v in fig.data[0].y if v is not None])
    w, s, e, n = water.to_crs("EPSG:4549").total_bounds
    assert [xs.min(), ys.min(), xs.max(), ys.max()] == pytest.approx([w, s, e, n], abs=20)

"""Place names on the maps in headless Chromium: district and town names from the app's
label tiles, community names once zoomed in, the top hotspot areas named; glyphs come
from the app (the page fixture fails on any request that leaves it). A PNG export of a
map carries its title, period, a scale bar and a north arrow."""

from __future__ import annotations

import datetime as dt
import io
import math

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import text

pytestmark = pytest.mark.browser

# names drawn by the map's symbol layers (tile labels) and text traces, once placed
NAMES = """
(id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const m = gd._fullLayout.map._subplot.map;
  if (!m.loaded() || !m.areTilesLoaded()) return null;
  const layers = m.getStyle().layers.filter(l => l.type === 'symbol').map(l => l.id);
  const out = {tiles: [], traces: []};
  for (const f of m.queryRenderedFeatures({layers})) {
    if (f.layer.id.startsWith('places-')) out.tiles.push(f.properties.name);
    else out.traces.push(f.layer.layout['text-field'] ? String(f.properties.text || '') : '');
  }
  return out.tiles.length ? out : null;
}
"""
ZOOM = """([id, z, lon, lat]) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  gd._fullLayout.map._subplot.map.jumpTo({zoom: z, center: [lon, lat]}); }"""


def _names(engine, level: str) -> set[str]:
    with engine.connect() as conn:
        return set(
            conn.execute(
                text("SELECT name FROM admin_units WHERE level = :l"), {"l": level}
            ).scalars()
        )


def _community_at(engine, lon: float, lat: float) -> str:
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT name FROM admin_units WHERE level = 'community' AND "
                "ST_Intersects(geom, ST_SetSRID(ST_Point(:x, :y), 4326))"
            ),
            {"x": lon, "y": lat},
        ).scalar_one()


def test_overview_map_names_districts_towns_hot_areas_and_communities_zoomed_in(
    page, server, engine, probe, artifacts
):
    page.goto(server + "/")
    probe.wait("ov-map")
    want = sorted(_names(engine, "district") | _names(engine, "town"))
    # labels are placed as their glyphs arrive: wait until every district and town is named
    names = page.wait_for_function(
        f"([id, want]) => {{ const n = ({NAMES})(id);"
        " return n && want.every(w => n.tiles.includes(w)) ? n : null; }",
        arg=["ov-map", want],
    ).json_value()
    shown = set(names["tiles"])
    assert set(want) <= shown
    assert not shown & _names(engine, "community"), "community names wait for a closer zoom"
    # the planted cluster's community is named by the hot-area labels (a trace, not a tile layer)
    labels = page.evaluate(
        "() => document.querySelector('#ov-map .js-plotly-plot').data"
        ".filter(t => t.mode === 'text').flatMap(t => t.text)"
    )
    assert labels and labels[0] == _community_at(engine, 120.60, 31.30)
    # ideographs are drawn from the browser's own font; any other glyph comes from the app
    glyph_url = page.evaluate(
        "() => document.querySelector('#ov-map .js-plotly-plot')"
        "._fullLayout.map._subplot.map.getStyle().glyphs"
    )
    assert glyph_url.startswith(server + "/glyphs/")
    page.screenshot(path=str(artifacts / "overview-labels.png"))

    with engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM admin_units"
                " WHERE level = 'community' ORDER BY code LIMIT 1) q"
            )
        ).one()
    page.evaluate(ZOOM, ["ov-map", 14.5, lon, lat])
    page.wait_for_function(
        f"(id) => {{ const n = ({NAMES})(id); return n && n.tiles.some(x => x.endsWith('社区')); }}",
        arg="ov-map",
    )
    zoomed = set(page.evaluate(NAMES, "ov-map")["tiles"])
    assert zoomed & _names(engine, "community")


FRAME = """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const m = gd._fullLayout.map._subplot.map;
  return {frame: window.civicgridMapFrame(gd), lat: m.getCenter().lat, zoom: m.getZoom(),
          width: gd._fullLayout.width, height: gd._fullLayout.height}; }"""


def test_png_export_carries_title_period_scale_bar_and_north_arrow(
    page, server, engine, probe, artifacts
):
    from geo.brief.page import nice_length

    page.goto(server + "/")
    probe.wait("ov-map")
    got = page.evaluate(FRAME, "ov-map")
    notes = {a["name"]: a for a in got["frame"]["annotations"]}
    with engine.connect() as conn:
        last = conn.execute(
            text("SELECT max(occurred_at AT TIME ZONE 'Asia/Shanghai')::date FROM incidents")
        ).scalar()
    first = last - dt.timedelta(days=29)  # the page's default period: 30 days
    assert f"{first:%Y-%m-%d} – {last:%Y-%m-%d}" in notes["export-caption"]["text"]
    # Web-Mercator metres per CSS pixel at the map's centre (MapLibre: 512 px tiles)
    per_px = 40075016.68557849 * math.cos(math.radians(got["lat"])) / (512 * 2 ** got["zoom"])
    bar = nice_length(per_px * got["width"] / 5)
    assert notes["export-scale-label"]["text"] == (
        f"{bar / 1000:g} km" if bar >= 1000 else f"{bar:g} m"
    )
    (line,) = got["frame"]["shapes"]
    assert line["x1"] - line["x0"] == pytest.approx(bar / per_px / got["width"])
    assert notes["export-north"]["showarrow"] and notes["export-north"]["ay"] > 0  # arrow points up

    with page.expect_download() as dl:
        page.click("#btn-png")
    png = dl.value.path().read_bytes()
    (artifacts / "overview-export-framed.png").write_bytes(png)
    img = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    assert img.shape == (2 * got["height"], 2 * got["width"])
    # the scale bar: a black run along its row, a scale-bar length long, at 2x
    row = round(img.shape[0] * (1 - line["y0"]))
    dark = (img[row - 3 : row + 4, : img.shape[1] // 2] < 60).any(axis=0)
    assert abs(int(dark.sum()) - 2 * bar / per_px) < 12

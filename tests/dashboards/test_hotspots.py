"""The hotspots page in headless Chromium: Gi* map, resolution and layer filters, a click on a cell opens its detail, CSV of the top table;
a view's hexagons come from its own URL, fetched once per view."""

from __future__ import annotations

import datetime as dt
import io
import json
import urllib.error
import urllib.request

import h3
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import text

from dashboards import hotspots
from dashboards.app import create_app
from tests.dashboards.city import MID_X, E, N, S

pytestmark = pytest.mark.browser


# (cell, value) of every hexagon drawn on a map graph
CELL_VALUES = """
(id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  return gd.calcdata.flatMap(cd => cd.filter(p => p.loc !== undefined).map(p => [p.loc, p.z]));
}
"""
LOCAL_DAY = "((occurred_at AT TIME ZONE 'UTC') + interval '8 hours')::date"


def _fraud_counts_east(engine, res: int) -> dict[str, float]:
    """诈骗 incidents per res-`res` cell (parents by h3 itself) whose centre lies in the east
    district, over the page's default window: the 90 days up to the latest incident."""
    with engine.connect() as c:
        last = c.execute(text(f"SELECT max({LOCAL_DAY}) FROM incidents")).scalar()
        rows = (
            c.execute(
                text(
                    f"SELECT h3 FROM incidents WHERE category = '诈骗' AND {LOCAL_DAY} "
                    "BETWEEN :a AND :b"
                ),
                {"a": last - dt.timedelta(days=89), "b": last},
            )
            .scalars()
            .all()
        )
    out: dict[str, float] = {}
    for stored in rows:
        cell = h3.cell_to_parent(h3.int_to_str(int(stored)), res)
        lat, lon = h3.cell_to_latlng(cell)
        if MID_X <= lon <= E and S <= lat <= N:
            out[cell] = out.get(cell, 0.0) + 1.0
    return out


# in the page from its start: where the map and the filters stand when the map is made
# (that the widgets come only once it is drawn: test_overview's
# test_secondary_figures_come_after_the_map)
WATCH_MADE = """
(() => {
  const box = (sel) => { const r = document.querySelector(sel).getBoundingClientRect(); return [r.top, r.height]; };
  (function made() {
    const gd = document.querySelector('#hs-map .js-plotly-plot');
    const m = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot && gd._fullLayout.map._subplot.map;
    if (!m) { return setTimeout(made, 2); }
    window.__made = {widgets: !!document.getElementById('hs-dates'), map: box('#hs-map'), panel: box('.filters'),
                     slots: [...document.querySelectorAll('.filter-slot')].map((e) => e.getBoundingClientRect().height)};
  })();
})();
"""


def test_the_filters_widgets_come_into_their_slots_and_nothing_moves(page, server, probe):
    page.add_init_script(WATCH_MADE)
    page.goto(server + "/hotspots")
    probe.wait("hs-map")
    widgets = ("hs-dates", "hs-cats", "hs-area", "hs-res", "hs-k")
    for key, widget in zip(hotspots.LATER, widgets, strict=True):
        expect(page.locator(f"#hs-slot-{key} #{widget}")).to_be_attached()
    made = page.evaluate("window.__made")
    assert made["widgets"] is False
    # their slots had the widgets' height: the panel and the map stayed where they were
    now = page.evaluate(
        "[document.querySelector('#hs-map'), document.querySelector('.filters')]"
        ".map((e) => { const r = e.getBoundingClientRect(); return [r.top, r.height]; })"
    )
    assert now == [made["map"], made["panel"]]
    slots = page.evaluate(
        "[...document.querySelectorAll('.filter-slot')].map((e) => e.getBoundingClientRect().height)"
    )
    assert len(slots) == len(widgets) and slots == made["slots"]


@pytest.mark.slow
def test_hotspots_filters_click_detail_and_csv(page, server, artifacts, probe, engine):
    page.goto(server + "/hotspots")
    probe.wait("hs-map")
    gi_cells = probe.locations("hs-map")
    assert gi_cells and {h3.get_resolution(c) for c in gi_cells} == {9}
    # the table and its rows come once the map is drawn
    expect(page.locator("#hs-top .ag-row").first).to_be_visible()

    # filter: resolution 8 — the map is redrawn with res-8 cells
    page.focus("#hs-res [role=slider]")
    page.keyboard.press("ArrowLeft")
    res8 = probe.wait_changed("hs-map", gi_cells)
    assert {h3.get_resolution(c) for c in res8} == {8}

    # filter: counts instead of Gi* bins — every cell with incidents, more than the hot ones
    page.get_by_label("警情数").check()
    counts = probe.wait_changed("hs-map", res8)
    assert len(counts) > len(res8)

    # back to Gi*: the view's hexagons were fetched once and are not fetched again
    def fetched():
        return [u for u in page.watch.requests if hotspots.GEOJSON_PATH in u]

    before = fetched()
    assert len(before) == 3  # the page's first view, then Gi* and counts at resolution 8
    page.get_by_label("Gi* 热冷点").check()
    assert probe.wait_changed("hs-map", counts) == res8
    page.get_by_label("警情数").check()
    assert probe.wait_changed("hs-map", res8) == counts
    assert fetched() == before
    page.screenshot(path=str(artifacts / "hotspots-counts.png"), full_page=True)

    # the PNG export draws the hexagons from the fetched GeoJSON too (YlOrRd's reds)
    with page.expect_download() as dl:
        page.click("#btn-png")
    png = dl.value.path().read_bytes()
    (artifacts / "hotspots-export.png").write_bytes(png)
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    reds = (rgb[..., 0] > 180) & (rgb[..., 1] < 120) & (rgb[..., 2] < 100)
    assert reds.sum() > 20

    # click the planted cluster's cell: its detail shows the cell, series, mix, key sites
    lon, lat = 120.60, 31.30
    cell = h3.latlng_to_cell(lat, lon, 8)
    clat, clon = h3.cell_to_latlng(cell)
    x, y = probe.screen_xy(*["hs-map", clon, clat])
    page.mouse.click(x, y)
    page.wait_for_selector("#hs-detail-cell")
    assert page.inner_text("#hs-detail-cell") == cell
    assert "姑苏区" in page.inner_text("#hs-detail-place")  # the cluster lies in the west district
    bars = (
        "(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');"
        " return gd && gd.calcdata && gd.calcdata.length ? gd.calcdata[0].length : 0; }"
    )
    page.wait_for_function(f"() => ({bars})('hs-series') > 0 && ({bars})('hs-mix') > 0")
    assert page.evaluate(bars, "hs-series") > 5  # weekly bars
    assert page.evaluate(bars, "hs-mix") == 4  # one bar per category
    assert "实验小学" in page.inner_text("#hs-sites")
    page.screenshot(path=str(artifacts / "hotspots-detail.png"), full_page=True)

    with page.expect_download() as dl:
        page.click("#hs-csv")
    csv = dl.value.path().read_text(encoding="utf-8-sig")
    assert csv.splitlines()[0].startswith('"H3 单元"') and len(csv.splitlines()) > 5

    # filter: one district — only its cells remain
    page.click("#hs-area")
    page.get_by_role("dialog").get_by_text("苏州工业园区", exact=True).click()
    east = probe.wait_changed("hs-map", counts)
    assert east and all(h3.cell_to_latlng(c)[1] > 120.645 for c in east)

    # filter: one category — the map shows, cell by cell, the fraud incidents of the east
    # district in the page's default 90 days, as counted here from the incidents table
    page.click("#hs-cats")
    page.get_by_role("dialog").get_by_text("· 诈骗", exact=True).click()
    probe.wait_changed("hs-map", east)
    shown = {c: z for c, z in page.evaluate(CELL_VALUES, "hs-map") if z > 0}
    assert shown == _fraud_counts_east(engine, 8)

    page.get_by_label("时空热点").check()
    emerging = probe.wait_changed("hs-map", probe.locations("hs-map"))
    assert emerging
    legend = page.text_content("#hs-map .legend")
    assert "热点" in legend
    page.screenshot(path=str(artifacts / "hotspots-emerging.png"), full_page=True)


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_a_views_hexagons_are_served_at_its_url(server, engine, city):
    last = city["last_day"]
    with create_app(engine).server.test_request_context("/", base_url=server + "/"):
        for mode in ("gi", "counts"):
            fig, _, _ = hotspots.layer_view(
                engine, mode, last - dt.timedelta(days=59), last, None, None, 9, 1, "zh"
            )
            hexes = next(tr for tr in fig["data"] if tr["type"] == "choroplethmap")
            assert hexes["geojson"].startswith(hotspots.GEOJSON_PATH + "?")
            status, headers, body = _get(server + hexes["geojson"])
            assert status == 200 and "max-age" in headers["Cache-Control"]
            features = json.loads(body)["features"]
            # exactly the cells the trace draws, as H3 hexagons
            assert [f["id"] for f in features] == list(hexes["locations"])
            ring = features[0]["geometry"]["coordinates"][0]
            assert len(ring) == 7 and ring[0] == ring[-1]
            lat, lon = h3.cell_to_latlng(features[0]["id"])
            assert abs(sum(p[0] for p in ring[:-1]) / 6 - lon) < 1e-3
            assert abs(sum(p[1] for p in ring[:-1]) / 6 - lat) < 1e-3
    assert _get(server + hotspots.GEOJSON_PATH + "?mode=gi&res=9")[0] == 400
    assert (
        _get(
            server
            + hotspots.GEOJSON_PATH
            + "?mode=drop&res=9&k=1&lang=zh&start=2026-01-01&end=2026-01-02"
        )[0]
        == 400
    )

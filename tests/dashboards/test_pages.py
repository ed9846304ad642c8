"""Every page in a real headless Chromium: the map renders tiles and traces (asked of
MapLibre itself), filters update it, a click opens a cell's detail, labels switch to
English, exports download; the `page` fixture fails a test on any request leaving the
app or any console error. Screenshots go to test-artifacts/."""

from __future__ import annotations

import h3
import pytest

pytestmark = pytest.mark.browser

# counts of rendered features of the map inside graph `id`, split into the app's
# vector-tile layers and the traces; null until MapLibre has loaded and drawn both
RENDERED = """
([id, needTraces]) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd._fullLayout.map || !gd._fullLayout.map._subplot) return null;
  const m = gd._fullLayout.map._subplot.map;
  if (!m || !m.loaded() || !m.areTilesLoaded()) return null;
  const c = {tiles: 0, traces: 0};
  for (const f of m.queryRenderedFeatures()) {
    if (f.layer.id.includes('layout-layer')) c.tiles++;
    else if (f.layer.id.includes('trace-layer')) c.traces++;
  }
  return (c.tiles > 0 && (!needTraces || c.traces > 0)) ? c : null;
}
"""
# the cells (locations) drawn by the map's traces
LOCATIONS = """
(id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  return gd.data.flatMap(t => t.locations || []);
}
"""
# where a point is on screen
PROJECT = """
([id, lon, lat]) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const m = gd._fullLayout.map._subplot.map;
  const p = m.project([lon, lat]);
  const r = m.getContainer().getBoundingClientRect();
  return [r.left + p.x, r.top + p.y];
}
"""
CENTER = """
(id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const c = gd._fullLayout.map._subplot.map.getCenter();
  return [c.lng, c.lat];
}
"""


def wait_map(page, graph: str, traces: bool = True, timeout: float = 30000) -> dict:
    return page.wait_for_function(RENDERED, arg=[graph, traces], timeout=timeout).json_value()


def wait_changed(page, graph: str, before: list[str], timeout: float = 30000) -> list[str]:
    page.wait_for_function(f"(b) => {{ const now = ({LOCATIONS})('{graph}');"
                           " return JSON.stringify(now) !== JSON.stringify(b); }", arg=before, timeout=timeout)
    wait_map(page, graph)
    return page.evaluate(LOCATIONS, graph)


def test_overview_kpis_map_trend_and_exports(page, server, artifacts):
    page.goto(server + "/")
    counts = wait_map(page, "ov-map")
    assert counts["tiles"] > 0 and counts["traces"] > 0
    cells = page.evaluate(LOCATIONS, "ov-map")
    hot_cell = h3.latlng_to_cell(31.30, 120.60, 8)
    assert hot_cell in cells, "the planted cluster is a hot spot on the city map"
    page.wait_for_selector("#kpi-incidents .kpi-value")
    month = int(page.inner_text("#kpi-incidents .kpi-value").replace(",", ""))
    assert month > 0
    assert page.locator("#ov-trend .scatterlayer .trace").count() == 4  # one area per category
    page.screenshot(path=str(artifacts / "overview.png"), full_page=True)

    page.get_by_label("7 天").check()
    page.wait_for_function(f"() => document.querySelector('#kpi-incidents .kpi-value').innerText.replace(',', '') !== '{month}'")
    week = int(page.inner_text("#kpi-incidents .kpi-value").replace(",", ""))
    assert 0 < week < month

    small = page.eval_on_selector("#kpi-incidents .kpi-value", "e => parseFloat(getComputedStyle(e).fontSize)")
    page.click("#btn-present")
    page.wait_for_selector("#root.present")
    big = page.eval_on_selector("#kpi-incidents .kpi-value", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert big > small * 1.4
    page.screenshot(path=str(artifacts / "overview-presentation.png"), full_page=True)

    with page.expect_download() as dl:
        page.click("#btn-png")
    png = dl.value.path().read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    (artifacts / "overview-export.png").write_bytes(png)


def test_hotspots_filters_click_detail_and_csv(page, server, artifacts):
    page.goto(server + "/hotspots")
    wait_map(page, "hs-map")
    gi_cells = page.evaluate(LOCATIONS, "hs-map")
    assert gi_cells and {h3.get_resolution(c) for c in gi_cells} == {9}
    assert page.locator("#hs-top .ag-row").count() > 0

    # filter: resolution 8 — the map is redrawn with res-8 cells
    page.focus("#hs-res [role=slider]")
    page.keyboard.press("ArrowLeft")
    res8 = wait_changed(page, "hs-map", gi_cells)
    assert {h3.get_resolution(c) for c in res8} == {8}

    # filter: counts instead of Gi* bins — every cell with incidents, more than the hot ones
    page.get_by_label("警情数").check()
    counts = wait_changed(page, "hs-map", res8)
    assert len(counts) > len(res8)
    page.screenshot(path=str(artifacts / "hotspots-counts.png"), full_page=True)

    # click the planted cluster's cell: its detail shows the cell, series, mix, key sites
    lon, lat = 120.60, 31.30
    cell = h3.latlng_to_cell(lat, lon, 8)
    clat, clon = h3.cell_to_latlng(cell)
    x, y = page.evaluate(PROJECT, ["hs-map", clon, clat])
    page.mouse.click(x, y)
    page.wait_for_selector("#hs-detail-cell")
    assert page.inner_text("#hs-detail-cell") == cell
    bars = "(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');" \
           " return gd && gd.calcdata && gd.calcdata.length ? gd.calcdata[0].length : 0; }"
    page.wait_for_function(f"() => ({bars})('hs-series') > 0 && ({bars})('hs-mix') > 0")
    assert page.evaluate(bars, "hs-series") > 5  # weekly bars
    assert page.evaluate(bars, "hs-mix") == 4  # one bar per category
    assert "实验小学" in page.inner_text("#hs-sites")
    page.screenshot(path=str(artifacts / "hotspots-detail.png"), full_page=True)

    with page.expect_download() as dl:
        page.click("#hs-csv")
    csv = dl.value.path().read_text(encoding="utf-8-sig")
    assert csv.splitlines()[0].startswith('"H3 单元"') and len(csv.splitlines()) > 5

    page.get_by_label("时空热点").check()
    emerging = wait_changed(page, "hs-map", counts)
    assert emerging
    legend = page.text_content("#hs-map .legend")
    assert "热点" in legend
    page.screenshot(path=str(artifacts / "hotspots-emerging.png"), full_page=True)


def test_grids_versions_changes_and_problems(page, server, artifacts):
    page.goto(server + "/grids")
    counts = wait_map(page, "gr-map", traces=False)
    assert counts["tiles"] > 48  # band fills and both versions' outlines
    assert page.locator("#gr-table .ag-row").count() > 0
    page.screenshot(path=str(artifacts / "grids-band.png"), full_page=True)

    page.get_by_label("调整类型").check()
    wait_map(page, "gr-map", traces=True)
    legend = page.text_content("#gr-map .legend")
    assert "拆分" in legend and "合并" in legend
    page.screenshot(path=str(artifacts / "grids-changes.png"), full_page=True)

    # the draft leaves a gap where G70 was; its row locates it on the map
    gap = page.locator("#gr-problems .ag-row", has_text="缝隙").first
    gap.wait_for()
    page.get_by_label("拓扑问题").check()
    wait_map(page, "gr-map", traces=True)
    gap = page.locator("#gr-problems .ag-row", has_text="缝隙").first
    gap.locator(".ag-selection-checkbox input, .ag-checkbox-input").first.click()
    page.wait_for_function(f"() => {{ const c = ({CENTER})('gr-map'); return Math.abs(c[0] - 120.7375) < 0.01 && Math.abs(c[1] - 31.2625) < 0.01; }}")
    page.screenshot(path=str(artifacts / "grids-problem.png"), full_page=True)


def test_coverage_kind_filter_and_overdue_without_personal_data(page, server, artifacts):
    page.goto(server + "/coverage")
    wait_map(page, "cv-map")
    before = page.inner_text("#cv-share")
    assert "派出所" in before
    assert page.locator("#cv-overdue .ag-row").count() > 0
    page.screenshot(path=str(artifacts / "coverage.png"), full_page=True)
    cells = page.evaluate(LOCATIONS, "cv-map")

    page.click("#cv-kind")
    page.get_by_text("应急避难场所", exact=True).click()
    page.wait_for_function("() => document.querySelector('#cv-share').innerText.includes('应急避难场所')")
    wait_changed(page, "cv-map", cells)
    text = page.inner_text("body")
    assert "张三" not in text and "13800000000" not in text


def test_english_switch(page, server, artifacts):
    page.goto(server + "/hotspots")
    wait_map(page, "hs-map")
    assert page.inner_text("#nav-hotspots") == "警情热点"
    page.click("#btn-lang")
    page.wait_for_function("() => document.querySelector('#nav-hotspots').innerText === 'Hotspots'")
    page.wait_for_selector("h2:text-is('Incident hotspot analysis')")
    wait_map(page, "hs-map")
    ticks = page.evaluate("() => document.querySelector('#hs-map .js-plotly-plot').data.find(t => t.colorbar && t.colorbar.ticktext).colorbar.ticktext")
    assert "Hot 99%" in ticks and "Cold 99%" in ticks
    assert page.inner_text("#btn-lang") == "中文"
    page.screenshot(path=str(artifacts / "hotspots-english.png"), full_page=True)

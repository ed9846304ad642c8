"""The overview page in headless Chromium: KPIs, the hot-spot map, trend, period filter, presentation mode, PNG export."""

from __future__ import annotations

import h3
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


# in the page from its start: whether the map was drawn when the trend graph (or, on the
# hotspots page, the top-areas table or the filters' widgets) first appeared
SEEN_AFTER_MAP = """(selector) => {
  let drawn = false;  // the page's map rendered loaded, with its tiles and trace layers
  new MutationObserver(() => {
    const gd = document.querySelector('#page .js-plotly-plot');
    const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
    const m = sub && sub.map;
    if (m && !m.__seenAfter) {
      m.__seenAfter = true;
      m.on('render', () => {
        drawn = drawn || (m.loaded() && m.areTilesLoaded() &&
          m.getStyle().layers.some((l) => l.id.startsWith('plotly-trace-layer')));
      });
    }
    // run as the element is put in the page, not at a later frame
    if (window.__afterMap === undefined && document.querySelector(selector)) window.__afterMap = drawn;
  }).observe(document, {childList: true, subtree: true}); }"""


@pytest.mark.parametrize(
    ("path", "graph", "secondary"),
    [
        ("/", "ov-map", "#ov-trend"),
        ("/hotspots", "hs-map", "#hs-top"),
        ("/hotspots", "hs-map", "#hs-dates"),
    ],
)
def test_secondary_figures_come_after_the_map(page, server, probe, path, graph, secondary):
    """The trend graph (overview), the top-areas table and the filters' widgets
    (hotspots) are put on the page once its map is drawn, so the browser's main thread
    draws the map first."""
    page.add_init_script(f"({SEEN_AFTER_MAP})({secondary!r})")
    page.goto(server + path)
    probe.wait(graph)
    expect(page.locator(secondary)).to_be_attached()
    assert page.evaluate("() => window.__afterMap") is True


def test_overview_kpis_map_trend_and_exports(page, server, artifacts, probe):
    page.goto(server + "/")
    counts = probe.wait("ov-map")
    assert counts["tiles"] > 0 and counts["traces"] > 0
    cells = probe.locations("ov-map")
    hot_cell = h3.latlng_to_cell(31.30, 120.60, 8)
    assert hot_cell in cells, "the planted cluster is a hot spot on the city map"
    page.wait_for_selector("#kpi-incidents .kpi-value")
    month = int(page.inner_text("#kpi-incidents .kpi-value").replace(",", ""))
    assert month > 0
    # drawn once the map is: one area per category
    expect(page.locator("#ov-trend .scatterlayer .trace")).to_have_count(4)
    page.screenshot(path=str(artifacts / "overview.png"), full_page=True)

    page.get_by_label("7 天").check()
    page.wait_for_function(
        f"() => document.querySelector('#kpi-incidents .kpi-value').innerText.replace(',', '') !== '{month}'"
    )
    week = int(page.inner_text("#kpi-incidents .kpi-value").replace(",", ""))
    assert 0 < week < month

    small = page.eval_on_selector(
        "#kpi-incidents .kpi-value", "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    page.click("#btn-present")
    page.wait_for_selector("#root.present")
    big = page.eval_on_selector(
        "#kpi-incidents .kpi-value", "e => parseFloat(getComputedStyle(e).fontSize)"
    )
    assert big > small * 1.4
    # the root's class is set in the browser, at the first load and at the switch
    posted = page.watch.outputs
    assert posted and not [o for o in posted if "root.className" in o]
    page.wait_for_function(
        "() => document.querySelector('#ov-map .js-plotly-plot')._fullLayout.font.size >= 20"
    )
    assert "近7天警情" in page.inner_text("#kpi-incidents")
    page.screenshot(path=str(artifacts / "overview-presentation.png"), full_page=True)

    with page.expect_download() as dl:
        page.click("#btn-png")
    png = dl.value.path().read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    (artifacts / "overview-export.png").write_bytes(png)

    # the print/PDF view keeps the map and KPIs and drops the controls
    page.emulate_media(media="print")
    assert page.eval_on_selector(".topbar", "e => getComputedStyle(e).display") == "none"
    pdf = page.pdf(format="A4", landscape=True, print_background=True)
    assert pdf[:5] == b"%PDF-" and len(pdf) > 20_000
    (artifacts / "overview.pdf").write_bytes(pdf)

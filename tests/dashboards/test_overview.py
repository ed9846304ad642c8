"""The overview page in headless Chromium: KPIs, the hot-spot map, trend, period filter, presentation mode, PNG export."""

from __future__ import annotations

import h3
import pytest

pytestmark = pytest.mark.browser


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
    assert page.locator("#ov-trend .scatterlayer .trace").count() == 4  # one area per category
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

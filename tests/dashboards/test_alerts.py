"""The hotspots page's early warning in headless Chromium: the alert list names a planted
surge, a click on it moves the map to the cell and opens its detail; the near-repeat
panel reads its Knox table out."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest

from tests.database import empty
from tests.geo.hotspots.city import load_batch

pytestmark = pytest.mark.browser

SURGE = (120.72, 31.37)  # quiet north-east corner of the constructed city


@pytest.fixture(scope="module")
def city(engine, city_mod):
    """The dashboard city plus ten thefts in one cell in the latest complete week (10-19…25)."""
    empty(engine)
    built = city_mod.build(engine)
    rng = np.random.default_rng(3)
    at = pd.Timestamp("2026-10-19 09:00", tz="Asia/Shanghai") + pd.to_timedelta(rng.integers(0, 6 * 86400, 10), "s")
    load_batch(engine, pd.DataFrame({"lon": rng.normal(SURGE[0], 0.0004, 10), "lat": rng.normal(SURGE[1], 0.0004, 10),
                                     "occurred_at": at.tz_convert("UTC"), "category": "盗窃"}), "surge.csv")
    return built


def test_alert_list_zooms_to_the_surge_and_opens_its_detail(page, server, probe, artifacts):
    page.goto(server + "/hotspots")
    probe.wait("hs-map")
    cell = h3.latlng_to_cell(SURGE[1], SURGE[0], 8)
    item = page.locator(f"#hs-alerts button[id*='{cell}']")
    item.wait_for(timeout=30000)
    assert "2026-10-19 至 2026-10-25" in page.inner_text("#hs-alerts")
    assert "苏州工业园区" in item.inner_text() and "10 起" in item.inner_text()
    item.click()
    lat, lon = h3.cell_to_latlng(cell)
    probe.wait_center("hs-map", lon, lat, tol=0.002)
    page.wait_for_function("(c) => document.querySelector('#hs-detail-cell')?.textContent === c", arg=cell)
    assert "苏州工业园区北街道" in page.inner_text("#hs-detail-place")
    page.screenshot(path=str(artifacts / "hotspots-alert.png"), full_page=True)


def test_near_repeat_panel_reads_the_table(page, server):
    page.goto(server + "/hotspots")
    page.locator("#hs-nr-cat").click()
    page.get_by_role("option", name="· 盗窃", exact=True).click()
    page.click("#hs-nr-run")
    page.locator("#hs-nr-reading").wait_for(timeout=60000)
    # ten thefts within a few hundred metres and six days: the first band is in excess
    reading = page.inner_text("#hs-nr-reading")
    assert reading.startswith("200 米、7 天内") and "倍" in reading
    first = page.locator("#hs-nr-table tbody tr").first.locator("td").first
    assert first.inner_text().endswith("*") and float(first.inner_text().rstrip("*")) > 1
    assert page.locator("#hs-nr-table tbody tr").count() == 5


def test_month_alerts_cover_the_latest_complete_month(page, server):
    page.goto(server + "/hotspots")
    page.locator("#hs-alerts button").first.wait_for(timeout=30000)
    page.get_by_label("最近一月").check()
    # the data end on 2026-10-31, the last day of October: October is complete
    # innerText, not textContent: a loading overlay can hide the list while it re-renders
    page.wait_for_function("() => document.querySelector('#hs-alerts')?.innerText.includes('2026-10-01 至 2026-10-31')")
    assert "与此前 4 期比较" in page.inner_text("#hs-alerts")

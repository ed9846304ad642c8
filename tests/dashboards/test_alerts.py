"""The hotspots page's early warning in headless Chromium: the alert list names a planted
surge, a click on it moves the map to the cell and opens its detail; the near-repeat
panel reads its Knox table out."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest

from etl.load import load
from tests.database import empty
from tests.geo.hotspots.city import load_batch

pytestmark = pytest.mark.browser

SURGE = (120.72, 31.37)  # quiet north-east corner of the constructed city
ROBBERIES = 40  # loaded as 抢劫 (刑事 · 1003), with half as many repeats written 抢夺


def _robberies(path, rng):
    """Robberies over the page's default 90 days (08-03…10-31), each second one repeated
    within 150 m and 5 days, in a CSV as an analyst would load it."""
    lon, lat = rng.uniform(120.56, 120.74, ROBBERIES), rng.uniform(31.26, 31.39, ROBBERIES)
    at = pd.Timestamp("2026-08-03 08:00") + pd.to_timedelta(
        rng.integers(0, 80 * 86400, ROBBERIES), "s"
    )
    k = ROBBERIES // 2
    step, angle = rng.uniform(0, 150, k) / 111_000, rng.uniform(0, 2 * np.pi, k)
    lon = np.r_[lon, lon[:k] + step * np.cos(angle) / np.cos(np.radians(31.3))]
    lat = np.r_[lat, lat[:k] + step * np.sin(angle)]
    at = at.append(at[:k] + pd.to_timedelta(rng.integers(0, 5 * 86400, k), "s"))
    pd.DataFrame(
        {
            "警情编号": [f"QJ{i:04d}" for i in range(len(lon))],
            "报警时间": at.strftime("%Y-%m-%d %H:%M:%S"),
            "警情类别": ["抢劫"] * ROBBERIES + ["抢夺"] * k,
            "经度": lon.round(7),
            "纬度": lat.round(7),
        }
    ).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def city(engine, city_mod, db_url, tmp_path_factory):
    """The dashboard city plus ten thefts in one cell in the latest complete week (10-19…25),
    and robberies with a near-repeat pattern loaded through the loader (stored as 刑事, 1003)."""
    empty(engine)
    built = city_mod.build(engine)
    rng = np.random.default_rng(3)
    at = pd.Timestamp("2026-10-19 09:00", tz="Asia/Shanghai") + pd.to_timedelta(
        rng.integers(0, 6 * 86400, 10), "s"
    )
    load_batch(
        engine,
        pd.DataFrame(
            {
                "lon": rng.normal(SURGE[0], 0.0004, 10),
                "lat": rng.normal(SURGE[1], 0.0004, 10),
                "occurred_at": at.tz_convert("UTC"),
                "category": "盗窃",
            }
        ),
        "surge.csv",
    )
    loaded = load(
        "incidents",
        _robberies(tmp_path_factory.mktemp("nr") / "qj.csv", rng),
        crs="wgs84",
        url=db_url,
    )
    assert (loaded["loaded"], loaded["rejected"]) == (ROBBERIES * 3 // 2, 0)
    return built


def test_alert_list_zooms_to_the_surge_and_opens_its_detail(page, server, probe, artifacts):
    page.goto(server + "/hotspots")
    probe.wait("hs-map")
    cell = h3.latlng_to_cell(SURGE[1], SURGE[0], 8)
    item = page.locator(f"#hs-alerts button[id*='{cell}']")
    item.wait_for(timeout=30000)
    assert "2026-10-19 至 2026-10-25" in page.inner_text("#hs-alerts")
    assert (
        "苏州工业园区" in item.inner_text()
        and "10 起" in item.inner_text()
        and "p = " in item.inner_text()
    )
    item.click()
    lat, lon = h3.cell_to_latlng(cell)
    probe.wait_center("hs-map", lon, lat, tol=0.002)
    page.wait_for_function(
        "(c) => document.querySelector('#hs-detail-cell')?.textContent === c", arg=cell
    )
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
    # over the page's dates (the last 90 days by default)
    assert page.inner_text("#hs-nr-span").startswith("2026-08-03 至 2026-10-31，")


def test_near_repeat_panel_takes_a_fine_category_loaded_under_its_alias(page, server):
    """Robberies loaded as 抢劫 and 抢夺 are stored under 刑事 with the code 1003: the panel
    offers the 细类 under its 大类 and finds their planted pattern."""
    page.goto(server + "/hotspots")
    page.locator("#hs-nr-cat").click()
    page.get_by_role("option", name="· 抢劫", exact=True).click()
    page.click("#hs-nr-run")
    page.locator("#hs-nr-reading").wait_for(timeout=60000)
    assert page.inner_text("#hs-nr-reading").startswith("200 米、7 天内")
    assert page.inner_text("#hs-nr-span").startswith(
        f"2026-08-03 至 2026-10-31，{ROBBERIES * 3 // 2} 起警情"
    )


def test_month_alerts_cover_the_latest_complete_month(page, server):
    page.goto(server + "/hotspots")
    page.locator("#hs-alerts button").first.wait_for(timeout=30000)
    page.get_by_label("最近一月").check()
    # the data end on 2026-10-31, the last day of October: October is complete
    # innerText, not textContent: a loading overlay can hide the list while it re-renders
    page.wait_for_function(
        "() => document.querySelector('#hs-alerts')?.innerText.includes('2026-10-01 至 2026-10-31')"
    )
    assert "与此前 4 期比较" in page.inner_text("#hs-alerts")

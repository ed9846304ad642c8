"""The English switch in headless Chromium: navigation, titles and legend labels change."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_english_switch(page, server, artifacts, probe):
    page.goto(server + "/hotspots")
    probe.wait("hs-map")
    assert page.inner_text("#nav-hotspots") == "警情热点"
    page.click("#btn-lang")
    page.wait_for_function("() => document.querySelector('#nav-hotspots').innerText === 'Hotspots'")
    page.wait_for_selector("h2:text-is('Incident hotspot analysis')")
    probe.wait("hs-map")
    ticks = page.evaluate(
        "() => document.querySelector('#hs-map .js-plotly-plot').data.find(t => t.colorbar && t.colorbar.ticktext).colorbar.ticktext"
    )
    assert "Hot 99%" in ticks and "Cold 99%" in ticks
    assert page.inner_text("#btn-lang") == "中文"
    page.screenshot(path=str(artifacts / "hotspots-english.png"), full_page=True)

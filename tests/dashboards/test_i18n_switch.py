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


def test_the_switch_redraws_the_overview_once(page, server, probe):
    """A language change re-renders the page in the new language (the shell's route):
    no callback also updates the old page's map, KPIs or trend — wasted work, and an
    update landing on a graph the new page had just replaced broke its drawing (a
    console error, which the `page` fixture would report)."""
    page.goto(server + "/")
    probe.wait("ov-map")
    page.wait_for_selector("#ov-trend .js-plotly-plot")
    before = len(page.watch.outputs)
    page.click("#btn-lang")
    page.wait_for_selector("h2:text-is('Overview')")
    probe.wait("ov-map")
    page.wait_for_selector("#ov-trend .js-plotly-plot")
    outputs = page.watch.outputs[before:]
    assert any("page.children" in o for o in outputs)
    assert not [o for o in outputs if o.startswith(("ov-map.", "ov-kpis.", "ov-trend."))], outputs

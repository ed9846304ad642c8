"""The grids page in headless Chromium: band fills from tiles, change classes of the draft, a problem row locating the gap."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_grids_versions_changes_and_problems(page, server, artifacts, probe):
    page.goto(server + "/grids")
    counts = probe.wait("gr-map", traces=False)
    assert counts["tiles"] > 48  # band fills and both versions' outlines
    assert page.locator("#gr-table .ag-row").count() > 0
    page.screenshot(path=str(artifacts / "grids-band.png"), full_page=True)

    page.get_by_label("调整类型").check()
    probe.wait("gr-map", traces=True)
    legend = page.text_content("#gr-map .legend")
    assert "拆分" in legend and "合并" in legend
    page.screenshot(path=str(artifacts / "grids-changes.png"), full_page=True)

    # the draft leaves a gap where G70 was; its row locates it on the map
    gap = page.locator("#gr-problems .ag-row", has_text="缝隙").first
    gap.wait_for()
    page.get_by_label("拓扑问题").check()
    probe.wait("gr-map", traces=True)
    # the layer switch re-sends the problems table; click its row once the callbacks settled
    page.wait_for_load_state("networkidle")
    gap = page.locator("#gr-problems .ag-row", has_text="缝隙").first
    gap.locator(".ag-selection-checkbox input, .ag-checkbox-input").first.click()
    probe.wait_center("gr-map", 120.7375, 31.2625)
    page.screenshot(path=str(artifacts / "grids-problem.png"), full_page=True)

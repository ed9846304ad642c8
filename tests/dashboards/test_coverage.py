"""The coverage page in headless Chromium: facility-kind filter, blind spots, overdue list without personal data."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_coverage_kind_filter_and_overdue_without_personal_data(page, server, artifacts, probe):
    page.goto(server + "/coverage")
    probe.wait("cv-map")
    before = page.inner_text("#cv-share")
    assert "派出所" in before
    assert page.locator("#cv-overdue .ag-row").count() > 0
    page.screenshot(path=str(artifacts / "coverage.png"), full_page=True)
    cells = probe.locations("cv-map")

    page.click("#cv-kind")
    page.get_by_text("应急避难场所", exact=True).click()
    page.wait_for_function("() => document.querySelector('#cv-share').innerText.includes('应急避难场所')")
    probe.wait_changed("cv-map", cells)
    text = page.inner_text("body")
    assert "张三" not in text and "13800000000" not in text

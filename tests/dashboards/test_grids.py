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


def test_consultation_status_per_unit_and_an_opinion_recorded_from_the_page(page, server, engine,
                                                                            tmp_path):
    """The draft's affected units with their answers; a planner records one on the page,
    stored and audited as `grids consult --record` would."""
    import datetime as dt

    from sqlalchemy import text

    from geo.grids.consultation import open_consultation, record_opinion

    opened = open_consultation(engine, "2026-draft", tmp_path)
    units = [u["unit_code"] for u in opened["units"]]
    assert len(units) >= 2
    record_opinion(engine, "2026-draft", units[0], "object", "网格过大，建议再拆", dt.date(2026, 6, 1))

    page.goto(server + "/grids")
    rows = page.locator("#gc-table .ag-row")
    page.wait_for_function("(n) => document.querySelectorAll('#gc-table .ag-row').length === n",
                           arg=len(units), timeout=120_000)
    first = rows.filter(has_text=units[0]).first
    assert "不同意" in first.inner_text() and "网格过大，建议再拆" in first.inner_text()
    assert "2026-06-01" in first.inner_text()
    for code in units[1:]:
        assert "已发函，未答复" in rows.filter(has_text=code).first.inner_text()
    summary = page.locator("#gc-summary").inner_text()
    assert f"受影响单位 {len(units)} 个：已答复 1，已发函未答复 {len(units) - 1}，未征求 0；不同意 1" in summary

    page.locator("#gc-unit").click()
    page.locator("[role=option], .Select-option").filter(has_text=units[1]).first.click()
    page.get_by_label("同意", exact=True).check()
    page.fill("#gc-date", "2026-06-05")
    page.click("#gc-save")
    page.wait_for_function("() => document.querySelector('#gc-msg')?.textContent.includes('已登记')",
                           timeout=120_000)
    page.wait_for_function(
        "(code) => [...document.querySelectorAll('#gc-table .ag-row')].some("
        "r => r.textContent.includes(code) && r.textContent.includes('2026-06-05'))",
        arg=units[1], timeout=120_000)
    assert "已答复 2" in page.locator("#gc-summary").inner_text()

    with engine.connect() as c:
        stored = c.execute(text("SELECT c.opinion, c.answered_on FROM consultations c JOIN grid_versions v "
                                "ON v.id = c.version_id WHERE v.name = '2026-draft' AND c.unit_code = :u"),
                           {"u": units[1]}).one()
        audited = c.execute(text("SELECT detail FROM audit_log WHERE action = 'grids.consult.record' "
                                 "ORDER BY id DESC LIMIT 1")).scalar_one()
    assert tuple(stored) == ("agree", dt.date(2026, 6, 5))
    assert audited == {"version": "2026-draft", "unit": units[1], "opinion": "agree", "note": None,
                       "date": "2026-06-05"}

"""The coverage page in headless Chromium: facility-kind filter, blind spots, overdue list without personal data."""

from __future__ import annotations

import pytest
from sqlalchemy import text

pytestmark = pytest.mark.browser


def _shares(engine, kind: str, radius: float) -> list[str]:
    """The incident, rental and hazard shares within `radius` metres (straight line in
    EPSG:4549) of a facility of `kind`, counted by PostGIS, as the cards print them."""
    out = []
    with engine.connect() as c:
        for table in ("incidents", "rentals", "hazards"):
            covered, total = c.execute(
                text(f"""
                SELECT count(*) FILTER (WHERE EXISTS (
                           SELECT 1 FROM facilities f WHERE f.kind = :kind AND ST_DWithin(
                               ST_Transform(f.geom, 4549), ST_Transform(p.geom, 4549), :r))),
                       count(*)
                FROM {table} p"""),
                {"kind": kind, "r": radius},
            ).one()
            out.append(f"{covered / total * 100:.1f}%" if total else "—")
    return out


def _cards(page) -> list[str]:
    """Incident, rental and hazard share cards as shown (the 1st, 4th and 5th KPI)."""
    values = page.locator("#cv-kpis .kpi-card .kpi-value").all_inner_texts()
    return [values[0], values[3], values[4]]


def _facilities(engine, kind: str) -> int:
    with engine.connect() as c:
        return c.execute(
            text("SELECT count(*) FROM facilities WHERE kind = :k"), {"k": kind}
        ).scalar()


def test_coverage_kind_filter_and_overdue_without_personal_data(
    page, server, artifacts, probe, engine
):
    page.goto(server + "/coverage")
    probe.wait("cv-map")
    before = page.inner_text("#cv-share")
    assert "派出所" in before
    # the numbers shown are those PostGIS counts: shares, facility count, radius
    assert _cards(page) == _shares(engine, "police_station", 1500)
    assert f"· {_facilities(engine, 'police_station')} · 1500 m" in before
    assert page.locator("#cv-overdue .ag-row").count() > 0
    page.screenshot(path=str(artifacts / "coverage.png"), full_page=True)
    cells = probe.locations("cv-map")

    page.click("#cv-kind")
    page.get_by_text("应急避难场所", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('#cv-share').innerText.includes('应急避难场所')"
    )
    probe.wait_changed("cv-map", cells)
    assert _cards(page) == _shares(engine, "shelter", 1000)
    assert f"· {_facilities(engine, 'shelter')} · 1000 m" in page.inner_text("#cv-share")
    text = page.inner_text("body")
    assert "张三" not in text and "13800000000" not in text

"""The meeting brief from the dashboard: a button in presentation mode, the PDF served
by the app (the same as `civicgrid brief`, whose content tests/geo/brief checks)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import text


@pytest.fixture(scope="module")
def client(city, engine):
    from dashboards.app import create_app

    return create_app(engine).server.test_client()


def test_brief_pdf_served_with_the_weeks_count(client, engine):
    resp = client.get("/brief.pdf?period=week")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    body = PdfReader(io.BytesIO(resp.data)).pages[0].extract_text().replace(" ", "")
    with engine.connect() as conn:
        last = conn.execute(
            text("SELECT max(occurred_at AT TIME ZONE 'Asia/Shanghai')::date FROM incidents")
        ).scalar()
        n = conn.execute(
            text(
                "SELECT count(*) FROM incidents WHERE (occurred_at AT TIME ZONE 'Asia/Shanghai')::date"
                " BETWEEN :a AND :b"
            ),
            {"a": last - dt.timedelta(days=6), "b": last},
        ).scalar()
    assert "社会治理周报" in body and f"警情{n}起" in body
    assert client.get("/brief.pdf?period=year").status_code == 400


@pytest.mark.browser
def test_presentation_mode_offers_the_brief(page, server):
    page.goto(server + "/")
    page.wait_for_selector("#kpi-incidents .kpi-value")
    assert not page.is_visible("#ov-brief")
    page.click("#btn-present")
    page.wait_for_selector("#ov-brief", state="visible")
    assert page.get_attribute("#ov-brief", "href") == "/brief.pdf?period=week"

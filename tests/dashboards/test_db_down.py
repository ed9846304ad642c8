"""With the database unreachable, pages say so in one line instead of failing."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:9/civicgrid?connect_timeout=2"


@pytest.fixture(scope="module")
def app_base():
    from dashboards.app import create_app
    from geo.db.engine import get_engine

    srv = make_server("127.0.0.1", 0, create_app(get_engine(UNREACHABLE)).server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(timeout=10)


def test_pages_show_a_clear_database_message(browser, app_base, artifacts):
    ctx = browser.new_context()
    page = ctx.new_page()
    seen = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(app_base + "/coverage")  # this layout needs no data: its update fails
    page.wait_for_selector("#alert:not([hidden])")
    assert "数据库暂时不可用" in page.inner_text("#alert")
    page.goto(app_base + "/hotspots")  # this layout reads the database itself
    page.wait_for_selector("#db-error")
    assert "Traceback" not in page.inner_text("body")
    page.screenshot(path=str(artifacts / "database-down.png"), full_page=True)
    assert all(u.startswith(app_base) for u in seen if u.startswith("http"))
    ctx.close()

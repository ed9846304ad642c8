"""Fixtures of the dashboard tests: the constructed city in the test database, the app
served on a free loopback port, and a real headless Chromium watching every request
and console message of its pages."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from geo.db.tables import metadata

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
LOCAL_SCHEMES = ("data", "blob", "about")


def _city_module():
    spec = importlib.util.spec_from_file_location("dashboard_city", Path(__file__).with_name("city.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def city_mod():
    return _city_module()


@pytest.fixture(scope="module")
def city(engine, city_mod):
    """Empty the test database and build the constructed city once per test module."""
    names = ", ".join(t.name for t in metadata.sorted_tables if t.name != "audit_log")
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    return city_mod.build(engine)


@pytest.fixture(scope="module")
def server(city, engine):
    """The dashboard on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    from dashboards.app import create_app

    app = create_app(engine)
    srv = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watch:
    """Requests and console problems seen by one page."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.requests: list[str] = []
        self.errors: list[str] = []

    def non_local(self) -> list[str]:
        host = urlparse(self.base).netloc
        return [u for u in self.requests
                if urlparse(u).scheme not in LOCAL_SCHEMES and urlparse(u).netloc != host]


@pytest.fixture
def page(browser, server):
    """A fresh browser page on the app; after the test, asserts that no request left the
    app and that the console showed no error."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    watch = Watch(server)
    pg.on("request", lambda r: watch.requests.append(r.url))
    pg.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: watch.errors.append(str(e)))
    pg.watch = watch
    yield pg
    context.close()
    assert watch.requests, "the page made no request at all"
    assert watch.non_local() == [], f"requests left the app: {watch.non_local()[:5]}"
    assert watch.errors == [], f"console errors: {watch.errors[:5]}"

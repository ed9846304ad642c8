"""Fixtures of the dashboard tests: the constructed city in the test database, the app
served on a free loopback port, and a real headless Chromium watching every request
and console message of its pages."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from werkzeug.serving import make_server

from tests.database import empty

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_SCHEMES = ("data", "blob", "about")


def _city_module():
    spec = importlib.util.spec_from_file_location(
        "dashboard_city", Path(__file__).with_name("city.py")
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def city_mod():
    return _city_module()


@pytest.fixture(scope="module")
def city(engine, city_mod):
    """Empty the test database and build the constructed city once per test module (other
    modules here empty the tables with `clean_db`)."""
    empty(engine)
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
    """Requests and console problems seen by one page, and the outputs of the callbacks
    it asked the server for (Dash's "output" field, in order)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.outputs: list[str] = []

    def seen(self, request) -> None:
        self.requests.append(request.url)
        if "/_dash-update-component" in request.url:
            self.outputs.append(request.post_data_json["output"])

    def non_local(self) -> list[str]:
        host = urlparse(self.base).netloc
        return [
            u
            for u in self.requests
            if urlparse(u).scheme not in LOCAL_SCHEMES and urlparse(u).netloc != host
        ]


@pytest.fixture
def app_base(server) -> str:
    """The base URL the `page` fixture watches (a test module may serve another app)."""
    return server


@pytest.fixture
def page(browser, app_base):
    """A fresh browser page on the app; after the test, asserts that no request left the
    app and that the console showed no error."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    watch = Watch(app_base)
    pg.on("request", watch.seen)
    pg.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: watch.errors.append(str(e)))
    pg.watch = watch
    yield pg
    context.close()
    assert watch.requests, "the page made no request at all"
    assert watch.non_local() == [], f"requests left the app: {watch.non_local()[:5]}"
    assert watch.errors == [], f"console errors: {watch.errors[:5]}"


# counts of rendered features of the map inside graph `id`, split into the app's
# vector-tile layers and the traces; null until MapLibre has loaded and drawn both
RENDERED = """
([id, needTraces]) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd._fullLayout.map || !gd._fullLayout.map._subplot) return null;
  const m = gd._fullLayout.map._subplot.map;
  if (!m || !m.loaded() || !m.areTilesLoaded()) return null;
  const c = {tiles: 0, traces: 0};
  for (const f of m.queryRenderedFeatures()) {
    if (/layout-layer|^places-|^ge-/.test(f.layer.id)) c.tiles++;
    else if (f.layer.id.includes('trace-layer')) c.traces++;
  }
  return (c.tiles > 0 && (!needTraces || c.traces > 0)) ? c : null;
}
"""
# the cells (locations) drawn by the map's traces
LOCATIONS = """
(id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  return gd.data.flatMap(t => t.locations || []);
}
"""
# where a point is on screen
PROJECT = """
([id, lon, lat]) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const m = gd._fullLayout.map._subplot.map;
  const p = m.project([lon, lat]);
  const r = m.getContainer().getBoundingClientRect();
  return [r.left + p.x, r.top + p.y];
}
"""
CENTER = """
(id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const c = gd._fullLayout.map._subplot.map.getCenter();
  return [c.lng, c.lat];
}
"""


class MapProbe:
    """Asks MapLibre and Plotly inside the page what a map graph shows."""

    def __init__(self, page) -> None:
        self.page = page

    def wait(self, graph: str, traces: bool = True, timeout: float = 30000) -> dict:
        """Wait until the map has loaded and drawn tile (and trace) features; their counts."""
        return self.page.wait_for_function(
            RENDERED, arg=[graph, traces], timeout=timeout
        ).json_value()

    def locations(self, graph: str) -> list[str]:
        return self.page.evaluate(LOCATIONS, graph)

    def wait_changed(self, graph: str, before: list[str], timeout: float = 30000) -> list[str]:
        """Wait until the drawn cells differ from `before` and the map is drawn again."""
        self.page.wait_for_function(
            f"(b) => {{ const now = ({LOCATIONS})('{graph}');"
            " return JSON.stringify(now) !== JSON.stringify(b); }",
            arg=before,
            timeout=timeout,
        )
        self.wait(graph)
        return self.locations(graph)

    def screen_xy(self, graph: str, lon: float, lat: float) -> list[float]:
        return self.page.evaluate(PROJECT, [graph, lon, lat])

    def wait_center(
        self, graph: str, lon: float, lat: float, tol: float = 0.01, timeout: float = 30000
    ) -> list[float]:
        """Wait until the map is centred within `tol` degrees of (lon, lat)."""
        self.page.wait_for_function(
            f"([g, x, y, d]) => {{ const c = ({CENTER})(g); return Math.abs(c[0] - x) < d && Math.abs(c[1] - y) < d; }}",
            arg=[graph, lon, lat, tol],
            timeout=timeout,
        )
        return self.page.evaluate(CENTER, graph)


@pytest.fixture
def probe(page) -> MapProbe:
    return MapProbe(page)

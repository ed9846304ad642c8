"""The pages' own plotly.js bundle: built from plotly.py's plotly.js version, served by
the app, loaded from the page's head, and the one the maps are drawn with (Dash's full
plotly.min.js is never fetched); regenerator-runtime served in place of Dash's
@babel/polyfill; AG Grid's library loaded only once a page shows a grid."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from plotly.offline import get_plotlyjs_version

from dashboards import plotlyjs


def test_bundle_is_built_from_the_plotly_js_of_plotly_py():
    # a plotly upgrade needs a rebuild: `npm ci && npm run build` in dashboards/vendor/plotly
    assert plotlyjs.version() == get_plotlyjs_version()


def test_the_bundles_modules_are_compiled_as_it_streams_in():
    # build.js wraps each module function that esbuild's helpers (__commonJS, __esm) call
    # in parentheses, so V8 compiles it while the script streams in, not on the page's
    # main thread as the bundle runs
    code = plotlyjs.BUNDLE.read_text(encoding="utf-8")
    helpers = [
        re.search(r"([\w$]+)=\(e,t\)=>\(\)=>\{try\{return t\|\|e\(\(t=\{exports:", code),
        re.search(r"([\w$]+)=\(e,t,r\)=>\(\)=>\{if\(r\)throw r\[0\];", code),
    ]
    assert all(helpers), "esbuild's module helpers are not in the bundle"
    for found in helpers:
        call = rf"(?<![\w$.]){re.escape(found[1])}\("
        function = r"(?:function\b|(?:\([\w$,]*\)|[\w$]+)=>)"
        assert not re.search(call + function, code), f"a module of {found[1]}() is compiled lazily"
        assert len(re.findall(call + r"\(" + function, code)) >= 2
    assert len(re.findall(rf"(?<![\w$.]){re.escape(helpers[0][1])}\(\(", code)) > 400


def test_bundle_url_changes_with_its_content_and_old_names_are_refused(server):
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(server + plotlyjs.url()) as resp:
        assert resp.read() == plotlyjs.BUNDLE.read_bytes()
        assert "immutable" in resp.headers["Cache-Control"]
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(server + "/vendor/plotly-civicgrid.000000000000.min.js")
    assert err.value.code == 404


@pytest.mark.browser
def test_maps_are_drawn_with_the_bundle(page, server, probe):
    page.goto(server + "/")
    probe.wait("ov-map")
    assert page.evaluate("() => window.Plotly.version") == get_plotlyjs_version()
    # the worker MapLibre was prewarmed with draws the map's tiles
    assert page.evaluate("() => typeof window.Plotly.react") == "function"
    urls = page.watch.requests
    assert any("/vendor/plotly-civicgrid." in u for u in urls)
    assert not any("plotly.min.js" in u for u in urls), "Dash's full plotly.js was fetched too"


def test_pages_load_regenerator_runtime_instead_of_dashs_polyfill(server):
    import re
    import urllib.request

    with urllib.request.urlopen(server + "/") as resp:
        page = resp.read().decode()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert not [s for s in scripts if "polyfill" in s]
    [runtime] = [s for s in scripts if "/vendor/regenerator-runtime." in s]
    # before Dash's own scripts, which call regeneratorRuntime
    assert scripts.index(runtime) < min(i for i, s in enumerate(scripts) if "dash_renderer" in s)
    with urllib.request.urlopen(server + runtime) as resp:
        assert resp.read() == plotlyjs.REGENERATOR.read_bytes()
        assert "immutable" in resp.headers["Cache-Control"]


def test_pages_leave_out_dash_table_which_no_page_uses(city, engine):
    from dashboards.app import PAGES, create_app
    from dashboards.i18n import DEFAULT

    app = create_app(engine)
    page = app.server.test_client().get("/").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert any("/dash_renderer." in s for s in scripts)
    assert not [s for s in scripts if "dash_table" in s]
    with app.server.test_request_context("/"):
        for p in PAGES:
            layout = p.module.layout(DEFAULT)
            used = {getattr(c, "_namespace", None) for c in [layout, *layout._traverse()]}
            assert "dash_table" not in used, p.path
            assert "dash_core_components" in used or "dash_html_components" in used


@pytest.mark.browser
def test_dash_runs_on_regenerator_runtime_alone(page, server, probe):
    """Dash's renderer and callbacks (transpiled async functions) run without the
    polyfill: the overview's map is drawn, and the page logged no error."""
    page.goto(server + "/")
    probe.wait("ov-map")
    assert page.evaluate("() => typeof window.regeneratorRuntime.mark") == "function"
    assert page.evaluate("() => typeof window._babelPolyfill") == "undefined"
    assert not [u for u in page.watch.requests if "polyfill" in u]


def test_the_first_requests_after_a_start_all_get_their_scripts(engine):
    """A page's script bundles asked for at once, as the first requests a freshly started
    app answers on its threads (gunicorn's gthread), are all served: none is refused
    because Dash's set-up, run by another of those requests, was not finished
    (plotly/dash#3971)."""
    import re
    import threading
    import time
    import urllib.error
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    from werkzeug.serving import make_server

    from dashboards.app import create_app

    index = create_app(engine).server.test_client().get("/").get_data(as_text=True)
    suites = re.findall(r'<script src="(/_dash-component-suites/[^"]+)"', index)
    assert len(suites) >= 5
    app = create_app(engine)
    walk = app._walk_assets_directory

    def slow_walk():  # the set-up of a busy process (a city's first views being built)
        time.sleep(0.5)
        walk()

    app._walk_assets_directory = slow_walk
    fresh = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=fresh.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{fresh.server_port}"

    def status(path: str) -> int:
        try:
            with urllib.request.urlopen(base + path, timeout=60) as resp:
                return resp.status
        except urllib.error.HTTPError as err:
            return err.code

    try:
        with ThreadPoolExecutor(len(suites) * 2) as pool:
            got = list(pool.map(status, suites * 2))
    finally:
        fresh.shutdown()
    assert got == [200] * len(suites) * 2


#: on the overview map, a figure update that changes one trace's values only; what the
#: map was asked to do meanwhile, counted from MapLibre's own methods
UPDATE_ONE_TRACE = """async () => {
  const gd = document.querySelector('#ov-map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const calls = {};
  for (const k of ['removeLayer', 'addLayer', 'removeSource', 'setPaintProperty',
                   'setLayoutProperty', 'jumpTo', 'resize']) {
    const f = map[k].bind(map);
    calls[k] = 0;
    map[k] = (...a) => { calls[k] += 1; return f(...a); };
  }
  // the values as plotly.js decoded them (a figure sends them base64-encoded)
  const full = gd._fullData.find((t) => t.type === 'choroplethmap' && t.z.length > 1);
  const z = Array.from(full.z).reverse();
  const data = gd.data.map((t, i) => (i === full.index ? {...t, z} : t));
  const traces = gd.data.filter((t) => t.type).length;
  await window.Plotly.react(gd, data, gd.layout);
  return {calls, traces};
}"""


@pytest.mark.browser
def test_a_trace_update_keeps_the_maps_layers_style_and_view(page, server, probe):
    """plotly.js as changed at build time (PATCHES in dashboards/vendor/plotly/build.js):
    an update that changes one trace's values sets that trace's data and nothing else —
    no layer of the traces drawn under the same style layer is removed and added again
    (MapLibre would parse their tiles again), no paint or layout property set to the
    value it has, no view or size set again (each of those makes MapLibre draw a frame
    before the new data is in)."""
    page.goto(server + "/")
    probe.wait("ov-map")
    got = page.evaluate(UPDATE_ONE_TRACE)
    assert got["traces"] >= 2  # traces that share the style layer they are drawn under
    assert got["calls"] == {
        "removeLayer": 0,
        "addLayer": 0,
        "removeSource": 0,
        "setPaintProperty": 0,
        "setLayoutProperty": 0,
        "jumpTo": 0,
        "resize": 0,
    }


OUTLINE_LAYERS = """async () => {
  const gd = document.querySelector('#ov-map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map;
  const full = gd._fullData.find((t) => t.type === 'choroplethmap' && t.z.length > 1);
  const at = full.index, uid = full.uid;
  const line = () => map.getStyle().layers.find((l) => l.id === `plotly-trace-layer-${uid}-line`);
  const before = line().layout.visibility;
  await window.Plotly.restyle(gd, {'marker.line.width': 1}, [at]);
  await new Promise((done) => map.once('idle', done));
  const drawn = map.queryRenderedFeatures({layers: [line().id]}).length;
  return {before, after: line().layout.visibility, drawn, cells: full.z.length};
}"""


@pytest.mark.browser
def test_an_outline_of_width_0_is_not_built(page, server, probe):
    """A choroplethmap trace without outline (the hexagon layers) has its line layer
    hidden, so MapLibre's worker builds no line geometry for it (PATCHES); an outline
    given later is drawn."""
    page.goto(server + "/")
    probe.wait("ov-map")
    got = page.evaluate(OUTLINE_LAYERS)
    assert got["before"] == "none" and got["after"] == "visible"
    assert got["drawn"] >= got["cells"] > 1


def test_the_page_template_names_ag_grid_without_loading_it(server):
    import re
    import urllib.request

    with urllib.request.urlopen(server + "/hotspots") as resp:
        page = resp.read().decode()
    assert not [s for s in re.findall(r'<script src="([^"]+)"', page) if "dash_ag_grid" in s]
    [url] = re.findall(r'<script type="text/plain" id="dash-ag-grid-src" data-src="([^"]+)">', page)
    with urllib.request.urlopen(server + url) as resp:
        assert b"window.dash_ag_grid=" in resp.read()


# in the page from its start: when the hotspots map has loaded
MAP_LOADED_AT = """
(() => {
  (function made() {
    const gd = document.querySelector('#hs-map .js-plotly-plot');
    const m = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot && gd._fullLayout.map._subplot.map;
    if (!m) { return setTimeout(made, 2); }
    m.once('load', () => { window.__mapLoadedAt = performance.now(); });
  })();
})();
"""
AG_GRID_FETCHED_AT = """() => performance.getEntriesByType('resource')
  .filter((e) => e.name.includes('/dash_ag_grid/dash_ag_grid.')).map((e) => e.startTime)"""


@pytest.mark.browser
def test_ag_grid_is_loaded_once_a_page_shows_a_grid(page, server, probe):
    """Not on the overview, which has no grid; on the hotspots page, once its map has
    loaded (its table comes after the map), and the table gets its rows; a page opened
    on a grid (the grids page) shows its rows as well."""
    page.add_init_script(MAP_LOADED_AT)
    page.goto(server + "/")
    probe.wait("ov-map")
    expect(page.locator("#ov-trend .scatterlayer .trace").first).to_be_attached()
    assert page.evaluate(AG_GRID_FETCHED_AT) == []
    page.goto(server + "/hotspots")
    probe.wait("hs-map")
    expect(page.locator("#hs-top .ag-row").first).to_be_visible()
    [fetched] = page.evaluate(AG_GRID_FETCHED_AT)
    assert fetched > page.evaluate("window.__mapLoadedAt") > 0
    page.goto(server + "/grids")
    expect(page.locator("#gr-table .ag-row").first).to_be_visible()

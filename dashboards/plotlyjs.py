"""The pages' plotly.js: the app's own smaller bundle, fetched from the top of the page.

Dash serves the full plotly.js (4.8 MB: every trace type) and asks for it only once the
first graph is rendered, after its own scripts and two round trips. Parsing and running
it is most of a first map (1-1.5 s of main-thread time on this machine). The pages draw
four trace types, so the app ships a bundle of just those (`vendor/plotly/`, built from
the same plotly.js version with plotly.js's own esbuild settings; 3.1 MB, mostly
MapLibre) and starts loading it from the page's head, in parallel with Dash's scripts.
Until it has run, `window.Plotly` is a promise of it: dcc.Graph waits for a promise
there and loads Dash's copy only when `window.Plotly` is unset.

Dash also puts @babel/polyfill (core-js 2 and regenerator-runtime) in every page, for
browsers that predate ES2015: running its feature tests and patches is ~90 ms of a first
map's main thread here. Of it, Dash's scripts still need only the global
`regeneratorRuntime` of their transpiled async functions, so the pages (`Dash`) load
regenerator-runtime alone in its place, from the same vendor build.

AG Grid's component library (1.3 MB; running it was 50-80 ms of a first map's main
thread, on pages that show no grid before their map) is not loaded with the page either:
the template names its URL in a data block and assets/ag_grid_lazy.js loads it when a
page first shows a grid. Dash also lists dash_table's bundle on every page (running it
was ~12 ms of a first map's main thread); no page has a DataTable (the tables are AG
Grid), so the pages leave it out.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from functools import cache
from pathlib import Path

import dash
from flask import Flask, Response

BUNDLE = Path(__file__).parent / "vendor" / "plotly-civicgrid.min.js"
#: what the pages load instead of Dash's @babel/polyfill
REGENERATOR = Path(__file__).parent / "vendor" / "regenerator-runtime.min.js"
#: Dash's polyfill script tag in a page's {%scripts%}
_POLYFILL = re.compile(r'<script src="[^"]*/deps/polyfill@[^"]*"></script>')
#: AG Grid's component library in a page's {%scripts%}: loaded when a grid is first shown
#: (assets/ag_grid_lazy.js reads its URL from the data block put in its place)
_AG_GRID = re.compile(r'<script src="([^"]*/dash_ag_grid/dash_ag_grid\.[^"]*\.js)"></script>')
_AG_GRID_BLOCK = r'<script type="text/plain" id="dash-ag-grid-src" data-src="\1"></script>'
#: dash_table's bundle in a page's {%scripts%}: Dash lists it on every page, no page uses it
_DASH_TABLE = re.compile(r'<script src="[^"]*/dash_table/bundle\.[^"]*\.js"></script>')
ROUTE = "/vendor/"
JS_TYPE = "text/javascript"

_LOADER = """<script>
window.Plotly = new Promise(function (resolve, reject) {
  var s = document.createElement('script');
  s.src = '%s';
  s.async = true;
  s.onload = function () { resolve(window.Plotly); };
  s.onerror = function (e) { window.Plotly = undefined; reject(e); };
  document.head.appendChild(s);
});
</script>"""


_INDEX = """<!DOCTYPE html>
<html>
    <head>
        {%metas%}
        {loader}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


@cache
def _vendored(path: Path) -> tuple[bytes, str]:
    """A vendored script's bytes and its URL name (content hash in it, so it can be
    cached for good)."""
    data = path.read_bytes()
    stem = path.name.removesuffix(".min.js")
    return data, f"{stem}.{hashlib.sha256(data).hexdigest()[:12]}.min.js"


def _bundle() -> tuple[bytes, str]:
    return _vendored(BUNDLE)


def version() -> str:
    """The plotly.js version the bundle was built from (its first line says)."""
    first = _bundle()[0][:200].decode("ascii", "replace")
    found = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", first)
    return found.group(1) if found else ""


def url(prefix: str = "/") -> str:
    return f"{prefix.rstrip('/')}{ROUTE}{_bundle()[1]}"


def loader_hash(prefix: str = "/") -> str:
    """The loader's inline script as a Content-Security-Policy source ('sha256-…'), so
    the page runs it without allowing inline scripts in general (dashboards.headers)."""
    body = (_LOADER % url(prefix)).removeprefix("<script>").removesuffix("</script>")
    return f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"


def index_string(prefix: str = "/") -> str:
    """Dash's page template (its default one) with the bundle's loader first in the head."""
    return _INDEX.replace("{loader}", _LOADER % url(prefix))


class Dash(dash.Dash):
    """Dash whose pages load regenerator-runtime where Dash puts @babel/polyfill, AG
    Grid's library only when a grid is shown and no dash_table, and whose scripts are
    never refused on the first requests after a start.

    Dash's once-per-process set-up (`_setup_server`, run before each request) marks
    itself done before it registers the component scripts, so under gunicorn's threads
    the other first requests of a page — its script bundles — saw an empty registry and
    got a 500 ("not a registered library"): the first page after `civicgrid serve`
    started could stay blank. The set-up runs under a lock here, as plotly/dash#3980
    proposes for plotly/dash#3971.
    """

    def __init__(self, *args, **kwargs) -> None:
        self._setup_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def _setup_server(self) -> None:
        with self._setup_lock:
            super()._setup_server()

    def interpolate_index(self, **kwargs) -> str:
        src = (
            f"{self.config.requests_pathname_prefix.rstrip('/')}{ROUTE}{_vendored(REGENERATOR)[1]}"
        )
        scripts = _POLYFILL.sub(
            f'<script src="{src}"></script>', kwargs.get("scripts", ""), count=1
        )
        scripts = _DASH_TABLE.sub("", scripts, count=1)
        kwargs["scripts"] = _AG_GRID.sub(_AG_GRID_BLOCK, scripts, count=1)
        return super().interpolate_index(**kwargs)


def register(server: Flask) -> None:
    """Serve the bundle at url() and regenerator-runtime beside it (public: no data in
    them, like Dash's own scripts)."""

    @server.route(f"{ROUTE}<name>")
    def vendored_script(name: str) -> Response:
        found = [data for data, current in map(_vendored, (BUNDLE, REGENERATOR)) if name == current]
        if not found:
            return Response("not found", status=404, mimetype="text/plain")
        resp = Response(found[0], mimetype=JS_TYPE)
        resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return resp

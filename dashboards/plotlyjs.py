"""The pages' plotly.js: the app's own smaller bundle, fetched from the top of the page.

Dash serves the full plotly.js (4.8 MB: every trace type) and asks for it only once the
first graph is rendered, after its own scripts and two round trips. Parsing and running
it is most of a first map (1-1.5 s of main-thread time on this machine). The pages draw
four trace types, so the app ships a bundle of just those (`vendor/plotly/`, built from
the same plotly.js version with plotly.js's own esbuild settings; 3.1 MB, mostly
MapLibre) and starts loading it from the page's head, in parallel with Dash's scripts.
Until it has run, `window.Plotly` is a promise of it: dcc.Graph waits for a promise
there and loads Dash's copy only when `window.Plotly` is unset.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

from flask import Flask, Response

BUNDLE = Path(__file__).parent / "vendor" / "plotly-civicgrid.min.js"
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
def _bundle() -> tuple[bytes, str]:
    """The bundle's bytes and its URL name (content hash in it, so it can be cached for good)."""
    data = BUNDLE.read_bytes()
    return data, f"plotly-civicgrid.{hashlib.sha256(data).hexdigest()[:12]}.min.js"


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


def register(server: Flask) -> None:
    """Serve the bundle at url() (public: no data in it, like Dash's own scripts)."""

    @server.route(f"{ROUTE}<name>")
    def plotly_bundle(name: str) -> Response:
        data, current = _bundle()
        if name != current:
            return Response("not found", status=404, mimetype="text/plain")
        resp = Response(data, mimetype=JS_TYPE)
        resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return resp

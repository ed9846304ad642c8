"""Security headers of every response (flask-talisman): a Content-Security-Policy that
lets a page load only what this app serves, no framing, no MIME sniffing, no referrer
sent elsewhere.

Scripts: the app's own files, plus the two inline scripts of the page template, named
by their SHA-256 (Dash's renderer start, from `app.csp_hashes()`, and the plotly.js
loader, dashboards.plotlyjs) — no 'unsafe-inline', no 'unsafe-eval'. Styles: plotly.js
and MapLibre set style attributes and write <style> elements at run time, and AG Grid
injects its theme CSS, so style-src has to allow 'unsafe-inline' (styles cannot run
code; scripts stay locked). MapLibre decodes tiles in web workers started from blob:
URLs the page itself makes, and plotly's PNG export draws through data:/blob: images.
HTTPS-only headers (HSTS, Secure cookies) follow CIVICGRID_HTTPS=1 (behind TLS).
"""

from __future__ import annotations

import os

import dash
from flask_talisman import Talisman

from dashboards import plotlyjs

SELF = "'self'"


def https() -> bool:
    """Whether the app is served over TLS (CIVICGRID_HTTPS=1)."""
    return os.environ.get("CIVICGRID_HTTPS") == "1"


def policy(app: dash.Dash) -> dict[str, str | list[str]]:
    """The Content-Security-Policy of `app` (call after every callback is registered:
    Dash's inline scripts are hashed then)."""
    return {
        "default-src": SELF,
        "script-src": [SELF, *app.csp_hashes(), plotlyjs.loader_hash()],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": SELF,
        "worker-src": [SELF, "blob:"],
        "child-src": [SELF, "blob:"],
        "object-src": "'none'",
        "base-uri": SELF,
        "form-action": SELF,
        "frame-ancestors": "'none'",
    }


def register(app: dash.Dash) -> None:
    """Send the policy and the other security headers with every response of `app`."""
    Talisman(
        app.server,
        content_security_policy=policy(app),
        force_https=https(),
        strict_transport_security=https(),
        session_cookie_secure=https(),
        frame_options="DENY",
        referrer_policy="same-origin",
        x_content_type_options=True,
    )

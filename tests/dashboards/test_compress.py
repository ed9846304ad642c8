"""gzip: pages, scripts, the plotly.js bundle and callback responses are compressed
for a browser that accepts gzip, and sent as they are to one that does not."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from dashboards import hotspots, plotlyjs

GZIP = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # what Chromium sends


@pytest.fixture(scope="module")
def client(city, engine):
    from dashboards.app import create_app

    return create_app(engine).server.test_client()


def route_callback(client, path: str, headers: dict):
    """The shell's page callback for `path`, as the browser posts it."""
    body = {
        "output": "..page.children...alert.hidden..",
        "outputs": [{"id": "page", "property": "children"}, {"id": "alert", "property": "hidden"}],
        "inputs": [
            {"id": "url", "property": "pathname", "value": path},
            {"id": "lang", "property": "data", "value": "zh"},
        ],
        "state": [{"id": "present", "property": "data", "value": False}],
        "changedPropIds": ["url.pathname"],
    }
    return client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def test_page_and_scripts_are_gzipped_when_accepted(client):
    page = client.get("/", headers=GZIP)
    assert page.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.data).decode()
    assert html.startswith("<!DOCTYPE html>") and plotlyjs.url() in html
    script = next(
        s for s in html.split('"') if s.startswith("/_dash-component-suites/dash/dash-renderer")
    )
    first = client.get(script, headers=GZIP)
    again = client.get(script, headers=GZIP)  # the compressed copy kept from the first
    assert first.headers["Content-Encoding"] == "gzip" and again.data == first.data
    assert len(first.data) < len(client.get(script).data) / 2


def test_plotly_bundle_is_gzipped_and_intact(client):
    bundle = plotlyjs.BUNDLE.read_bytes()
    resp = client.get(plotlyjs.url(), headers=GZIP)
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(resp.data) == bundle
    plain = client.get(plotlyjs.url())
    assert "Content-Encoding" not in plain.headers and plain.data == bundle


def test_the_warm_up_compresses_the_bundle_before_anyone_asks(city, engine, monkeypatch):
    from dashboards import app as app_module
    from dashboards import compress

    app = app_module.create_app(engine)
    bundle = plotlyjs.url()
    assert not compress.kept(app.server, bundle)
    monkeypatch.setattr(app_module, "PAGES", ())  # the pages' views are not under test here
    app_module.warm(app, "http://127.0.0.1:8050/")
    assert compress.kept(app.server, bundle)
    resp = app.server.test_client().get(bundle, headers=GZIP)
    assert resp.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(resp.data) == plotlyjs.BUNDLE.read_bytes()


def test_callback_responses_are_gzipped_and_not_mixed_up(client):
    grids = route_callback(client, "/grids", GZIP)
    coverage = route_callback(client, "/coverage", GZIP)
    assert grids.headers["Content-Encoding"] == coverage.headers["Content-Encoding"] == "gzip"
    g, c = (json.loads(gzip.decompress(r.data)) for r in (grids, coverage))
    # same URL and method, different bodies: each gets its own answer (no cached bytes)
    assert "gr-map" in json.dumps(g) and "cv-map" in json.dumps(c) and "gr-map" not in json.dumps(c)
    plain = route_callback(client, "/grids", {})
    assert "Content-Encoding" not in plain.headers and "gr-map" in plain.get_data(as_text=True)


def test_a_hotspots_views_hexagons_are_gzipped(client, engine, city):
    last = city["last_day"]
    with client.application.test_request_context("/", base_url="http://localhost/"):
        fig, _, _ = hotspots.layer_view(
            engine, "counts", last - dt.timedelta(days=29), last, None, None, 9, 1, "zh"
        )
    url = next(tr for tr in fig["data"] if tr["type"] == "choroplethmap")["geojson"]
    zipped, plain = client.get(url, headers=GZIP), client.get(url)
    assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzip.decompress(zipped.data) == plain.data and len(zipped.data) < len(plain.data) / 3
    assert json.loads(plain.data)["type"] == "FeatureCollection"

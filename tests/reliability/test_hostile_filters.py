"""Hostile values typed into dashboard filters and tile URLs: a clean answer, no harm done.

The values go through the real Flask/Dash request path (the app's test client); the
test then checks that the tables are still there and nothing was written.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.database import empty

INJECTIONS = [
    "'; DROP TABLE incidents; --",
    "1 OR 1=1",
    "x') UNION SELECT passwd FROM users --",
    "%' OR '%'='",
    "\0",
    "刑事案件'); DELETE FROM incidents; --",
]


#: incidents of the module's own city (the dashboard tests' constructed city)
N_INCIDENTS = 500


@pytest.fixture(scope="module")
def city(engine):
    """This module's own data, whatever earlier modules left: the tables emptied and the
    dashboard tests' constructed city built with N_INCIDENTS incidents."""
    import importlib.util
    from pathlib import Path

    empty(engine)
    path = Path(__file__).parents[1] / "dashboards" / "city.py"
    spec = importlib.util.spec_from_file_location("hostile_city", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(engine, n_incidents=N_INCIDENTS)
    return engine


@pytest.fixture(scope="module")
def client(city):
    from dashboards.app import create_app

    app = create_app(city)
    return app, app.server.test_client()


def test_the_module_has_its_own_data(client, engine):
    assert intact(engine)[0] == N_INCIDENTS


def hotspots_payload(app, cats, area, res, k, start="2025-01-01", end="2025-12-31") -> dict:
    key = next(k for k in app.callback_map if "hs-map.figure" in k)
    values = {
        ("hs-mode", "value"): "gi",
        ("hs-dates", "start_date"): start,
        ("hs-dates", "end_date"): end,
        ("hs-cats", "value"): cats,
        ("hs-area", "value"): area,
        ("hs-res", "value"): res,
        ("hs-k", "value"): k,
    }
    return {
        "output": key,
        "outputs": [
            {"id": "hs-map", "property": "figure"},
            {"id": "hs-top", "property": "rowData"},
            {"id": "hs-note", "property": "children"},
        ],
        "inputs": [{"id": i, "property": p, "value": v} for (i, p), v in values.items()],
        "changedPropIds": ["hs-cats.value"],
        "state": [{"id": "lang", "property": "data", "value": "zh"}],
    }


def intact(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT count(*) FROM incidents")).scalar_one(),
            conn.execute(text("SELECT count(*) FROM users")).scalar_one(),
        )


@pytest.mark.parametrize("value", INJECTIONS)
def test_hostile_filter_values(client, engine, value):
    app, http = client
    before = intact(engine)
    for payload in (
        hotspots_payload(app, [value], None, 9, 1),
        hotspots_payload(app, None, value, 9, 1),
        hotspots_payload(app, None, None, value, 1),
        hotspots_payload(app, None, None, 9, value),
        hotspots_payload(app, None, None, 9, 1, start=value, end=value),
    ):
        resp = http.post("/_dash-update-component", json=payload)
        assert resp.status_code in (200, 204), resp.get_data(as_text=True)[:300]
        body = json.dumps(resp.get_json(), ensure_ascii=False) if resp.data else ""
        assert "Traceback" not in body and "psycopg" not in body and "SELECT" not in body
    assert intact(engine) == before


@pytest.mark.parametrize(
    "url",
    [
        "/tiles/incidents;DROP TABLE incidents/10/850/410.pbf",
        "/tiles/grids/10/850/410.pbf?version=' OR 1=1 --",
        "/tiles/grids/10/850/410.pbf?band=1;DROP TABLE grids",
        "/tiles/grids/99/0/0.pbf",
        "/tiles/../../etc/passwd/1/1/1.pbf",
    ],
)
def test_hostile_tile_requests(client, engine, url):
    _, http = client
    before = intact(engine)
    resp = http.get(url)
    assert resp.status_code in (200, 204, 400, 404), resp.status_code
    assert "Traceback" not in resp.get_data(as_text=True)
    assert intact(engine) == before

"""The vector-tile endpoint: valid MVT with the expected features, filters, refusals."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from geo.views.tiles import PLACE_LAYERS, TileRequest, tile


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.fixture(scope="module")
def client(city, engine):
    from dashboards.app import create_app

    return create_app(engine).server.test_client()


def test_district_tile_holds_both_districts_with_names(client):
    x, y = tile_of(120.65, 31.32, 8)
    resp = client.get(f"/tiles/district/8/{x}/{y}.pbf")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.mapbox-vector-tile"
    layers = mapbox_vector_tile.decode(resp.data)
    names = sorted(f["properties"]["name"] for f in layers["district"]["features"])
    assert names == ["姑苏区", "苏州工业园区"]
    assert all(
        f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in layers["district"]["features"]
    )


def test_grid_tiles_by_version_and_band(client, engine):
    x, y = tile_of(120.65, 31.32, 8)
    every = mapbox_vector_tile.decode(
        client.get(f"/tiles/grids/8/{x}/{y}.pbf?version=2026-active").data
    )
    feats = every["grids"]["features"]
    assert len(feats) == 48
    over = mapbox_vector_tile.decode(
        client.get(f"/tiles/grids/8/{x}/{y}.pbf?version=2026-active&band=over").data
    )["grids"]["features"]
    assert 0 < len(over) < 48
    assert all(
        f["properties"]["band"] == "over" and f["properties"]["households"] > 500 for f in over
    )
    draft = mapbox_vector_tile.decode(
        client.get(f"/tiles/grids/8/{x}/{y}.pbf?version=2026-draft").data
    )
    codes = {f["properties"]["grid_code"] for f in draft["grids"]["features"]}
    assert {"G11a", "G11b", "G52m"} <= codes and "G70" not in codes


def test_tile_far_away_is_empty(engine, city):
    x, y = tile_of(0.0, 0.0, 10)
    assert tile(engine, TileRequest("district", 10, x, y)) == b""


@pytest.mark.parametrize(
    "url",
    [
        "/tiles/users/10/1/1.pbf",  # not a whitelisted layer
        "/tiles/grids/10/855/418.pbf",  # grids need a version
        "/tiles/district/3/9/1.pbf",  # x outside the zoom level
        "/tiles/grids/10/855/418.pbf?version=v&band=x",  # unknown band
    ],
)
def test_bad_tile_requests_are_refused_with_a_reason(client, url):
    resp = client.get(url)
    assert resp.status_code == 400
    assert resp.data and b"Traceback" not in resp.data


def test_hostile_version_is_just_a_value(client):
    x, y = tile_of(120.65, 31.32, 8)
    resp = client.get(f"/tiles/grids/8/{x}/{y}.pbf?version=x'%3B DROP TABLE grids%3B--")
    assert resp.status_code == 200 and resp.data == b""
    again = client.get(f"/tiles/grids/8/{x}/{y}.pbf?version=2026-active")
    assert len(mapbox_vector_tile.decode(again.data)["grids"]["features"]) == 48


def test_name_tiles_hold_one_point_per_unit_with_its_name(client, engine):
    x, y = tile_of(120.65, 31.32, 8)
    for level in ("district", "town", "community"):
        resp = client.get(f"/tiles/{level}_names/8/{x}/{y}.pbf")
        assert resp.status_code == 200
        feats = mapbox_vector_tile.decode(resp.data)[f"{level}_names"]["features"]
        with engine.connect() as conn:
            names = (
                conn.execute(text("SELECT name FROM admin_units WHERE level = :l"), {"l": level})
                .scalars()
                .all()
            )
        assert sorted(f["properties"]["name"] for f in feats) == sorted(names)
        assert {f["geometry"]["type"] for f in feats} == {"Point"}


def test_places_tile_holds_boundaries_and_the_names_shown_at_its_zoom(client):
    x, y = tile_of(120.65, 31.32, 8)
    resp = client.get(f"/tiles/places/8/{x}/{y}.pbf")
    assert resp.status_code == 200
    layers = mapbox_vector_tile.decode(resp.data)
    # town and community names show only once zoomed in: not in a z8 tile
    assert set(layers) == {"district", "town", "district_names"}
    for layer in layers:
        alone = client.get(f"/tiles/{layer}/8/{x}/{y}.pbf")
        assert layers[layer] == mapbox_vector_tile.decode(alone.data)[layer]
    # at z12 every layer that has features there is in
    x, y = tile_of(120.65, 31.32, 12)
    deep = mapbox_vector_tile.decode(client.get(f"/tiles/places/12/{x}/{y}.pbf").data)
    alone = {
        layer: mapbox_vector_tile.decode(client.get(f"/tiles/{layer}/12/{x}/{y}.pbf").data)
        for layer in PLACE_LAYERS
    }
    assert deep == {layer: got[layer] for layer, got in alone.items() if got}
    assert "community_names" in deep

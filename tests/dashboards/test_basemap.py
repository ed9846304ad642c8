"""The base map in the app: an archive built from the constructed city's own layers
(water = a community, roads = the active grids' outlines, buildings = 100 m squares
around the facilities, named after them) is registered with `civicgrid basemap add`;
the app serves its tiles byte for byte, every page's map style carries it under its
own layers, Chromium draws its features with no request leaving the app, and after
`basemap remove` a new map is on white again."""

from __future__ import annotations

import importlib.util
import json
import urllib.error
import urllib.request
from pathlib import Path

import geopandas as gpd
import mapbox_vector_tile
import pytest

from tests.conftest import run_cli

_spec = importlib.util.spec_from_file_location(
    "basemap_archives", Path(__file__).resolve().parents[1] / "geo" / "basemap" / "archives.py"
)
archives = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(archives)

NAME = "city-test"
MAX_ZOOM = 13

# what the map draws of the base map: per source layer, the rendered features' `name`s;
# null until MapLibre has loaded every tile and drawn some base-map feature
DRAWN = """
(id) => {
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd._fullLayout.map || !gd._fullLayout.map._subplot) return null;
  const m = gd._fullLayout.map._subplot.map;
  if (!m || !m.loaded() || !m.areTilesLoaded()) return null;
  const layers = m.getStyle().layers.filter(l => l.id.startsWith('basemap-')).map(l => l.id);
  if (!layers.length) return null;
  const out = {};
  for (const f of m.queryRenderedFeatures({layers})) {
    (out[f.sourceLayer] = out[f.sourceLayer] || []).push(f.properties.name || '');
  }
  return Object.keys(out).length ? out : null;
}
"""
STYLE = """(id) => { const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  const s = gd._fullLayout.map._subplot.map.getStyle();
  return {sources: Object.keys(s.sources), layers: s.layers.map(l => l.id)}; }"""


@pytest.fixture(scope="module")
def source(city, engine) -> dict[str, gpd.GeoDataFrame]:
    water = gpd.read_postgis(
        "SELECT name, geom FROM admin_units WHERE level = 'community' ORDER BY code LIMIT 1",
        engine,
        geom_col="geom",
    )
    roads = gpd.read_postgis(
        "SELECT g.grid_code AS name, ST_Boundary(g.geom) AS geom FROM grids g "
        "JOIN grid_versions v ON v.id = g.version_id AND v.status = 'active'",
        engine,
        geom_col="geom",
    )
    sites = gpd.read_postgis("SELECT name, geom FROM facilities", engine, geom_col="geom")
    buildings = sites.set_geometry(
        sites.to_crs("EPSG:4549").buffer(50, cap_style="square").to_crs("EPSG:4326")
    )
    return {"water": water, "roads": roads, "buildings": buildings}


@pytest.fixture(scope="module")
def archive(source, tmp_path_factory) -> Path:
    return archives.build_mbtiles(
        source, tmp_path_factory.mktemp("basemap") / "city.mbtiles", 8, MAX_ZOOM
    )


@pytest.fixture(scope="module")
def registered(archive, db_url):
    """The archive registered for the test database, as a user would; removed after."""
    proc = run_cli("basemap", "add", str(archive), "--name", NAME, "--replace", "--json")
    assert proc.returncode == 0, proc.stderr
    yield json.loads(proc.stdout)
    run_cli("basemap", "remove", NAME)


def _get(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers.get("Content-Type", "")


def test_app_serves_the_archive_tiles_byte_for_byte(registered, server, archive, source):
    assert registered["layers"] == ["water", "roads", "buildings"]
    tiles = archives.some_tiles(archive, 12)
    assert tiles
    names: set[str] = set()
    for z, x, y in tiles:
        status, body, ctype = _get(f"{server}/basemap/{NAME}/{z}/{x}/{y}.pbf")
        assert (status, ctype) == (200, "application/vnd.mapbox-vector-tile")
        assert body == archives.raw_tile(archive, z, x, y)
        names |= {
            f["properties"]["name"]
            for f in mapbox_vector_tile.decode(body).get("buildings", {"features": []})["features"]
        }
    assert names == set(source["buildings"]["name"])  # every facility's building is in some tile
    assert _get(f"{server}/basemap/{NAME}/12/0/0.pbf")[:2] == (204, b"")  # no tile there
    status, body, _ = _get(f"{server}/basemap/nosuch/12/0/0.pbf")
    assert status == 404 and b"no base map named 'nosuch'" in body


@pytest.mark.browser
@pytest.mark.parametrize(
    "path, graph",
    [("/", "ov-map"), ("/hotspots", "hs-map"), ("/grids", "gr-map"), ("/coverage", "cv-map")],
)
def test_every_page_map_draws_the_base_map_under_its_layers(
    registered, page, server, probe, source, artifacts, path, graph
):
    page.goto(server + path)
    probe.wait(graph, traces=False)
    drawn = page.wait_for_function(
        f"(id) => {{ const d = ({DRAWN})(id); return d && d.water && d.roads && d.buildings ? d : null; }}",
        arg=graph,
        timeout=30000,
    ).json_value()
    assert set(drawn["water"]) == set(source["water"]["name"])
    assert set(drawn["roads"]) <= set(source["roads"]["name"])
    if path == "/":
        # the whole city is in view: every facility's building is drawn
        assert set(drawn["buildings"]) == set(source["buildings"]["name"])
        page.screenshot(path=str(artifacts / "overview-basemap.png"))
    style = page.evaluate(STYLE, graph)
    assert f"basemap-{NAME}" in style["sources"]
    mine = [i for i, layer in enumerate(style["layers"]) if layer.startswith("basemap-")]
    others = [
        i
        for i, layer in enumerate(style["layers"])
        if "layout-layer" in layer or "trace-layer" in layer or layer.startswith("places-")
    ]
    assert style["layers"][0] == "white-bg" and max(mine) < min(
        others
    )  # over the white, under the app's layers


@pytest.mark.browser
def test_without_a_base_map_the_map_stays_on_white(registered, page, server, probe):
    gone = run_cli("basemap", "remove", NAME, "--json")
    assert json.loads(gone.stdout)["status"] == "removed"
    page.goto(server + "/")
    probe.wait("ov-map")
    style = page.evaluate(STYLE, "ov-map")
    assert not [s for s in style["sources"] if s.startswith("basemap-")]
    assert not [layer for layer in style["layers"] if layer.startswith("basemap-")]

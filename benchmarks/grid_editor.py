"""Grid editor in Chromium: one edit → map and panel updated, against recomputing the whole balance.

On the synthetic city of `benchmarks/grids_check.py` (150 communities of 1 km², 1,500
grids) loaded into a database of its own, a draft is started (timed once: the whole
`geo.grids.drafts.start`, units cut, COPYed, read back with their adjacency), then the
app is served on a loopback port as users run it (`civicgrid serve`: gunicorn, a worker
process per core, each with its threads) and headless Chromium (/usr/bin/chromium, the
flags of tests/dashboards/conftest.py) opens the editor on the draft. N edits alternate:

- a move: the map is brought to a unit on a grid's edge (zoom 15, not timed), the unit
  is clicked on the map (selection in the browser), its neighbouring grid chosen as the
  target; then the timed part, from the click on 移动 to
- an undo: from Ctrl+Z to

the page showing the result: the save message of the new revision, the balance
panel's rows of the two grids touched, the edited-units trace holding the unit in its
new colour, and MapLibre `loaded()` with every tile in view loaded (the grid outlines
of the new revision), then one more animation frame painted. Payload: the bytes of
the Dash callback responses of the edit (as sent, gzip, and unpacked), plus the tile
bytes MapLibre fetched for it.

Peer, in the same run, after each edit: `geo.grids.workflow.grid_workload` of the
draft — the whole version's balance recomputed from PostGIS (grids and point layers
read, workload of every grid), what a page without the editor's units would do after
each edit.

First map: the bytes of the editor's figure with the units as vector tiles (the figure
JSON, plus every unit and grid-outline tile MapLibre asks for at the figure's zoom over
the whole city, cut by PostGIS through the app's /tiles route, cache empty) against the
GeoJSON of all the draft's units that the figure carried inline before (features with
ids only: the lower bound of what was sent).

    .venv/bin/python benchmarks/grid_editor.py [--communities 150] [--edits 12]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import plotly.utils
import shapely
from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks import bench_db
from benchmarks.grids_check import city
from dashboards import grids_editor, maps
from dashboards.app import create_app
from geo.db import cluster, migrate
from geo.db.engine import get_engine, owner_url
from geo.grids import drafts, edit, store, versions, workflow
from geo.views.places import extent
from tests.dashboards.conftest import CHROMIUM, CHROMIUM_ARGS


def _database() -> str:
    base = make_url(owner_url())  # migrations and the benchmark as the owner role
    url = base.set(database=f"{base.database}_bench_editor").render_as_string(hide_password=False)
    cluster.drop_database(url)
    cluster.ensure_database(url)
    migrate.upgrade(url)
    return url


def _load(engine, communities: int) -> int:
    grids, comms = city(communities, 10)
    rng = np.random.default_rng(7)
    grids["households"] = rng.integers(150, 650, len(grids))
    grids["population"] = grids["households"] * 3
    grids["district_code"] = "320508"
    grids["kind"] = "城镇"
    grids["name"] = grids["grid_code"]
    grids["geometry"] = grids.geometry.make_valid()
    rows = [
        {
            "code": r.code,
            "name": r.code,
            "level": "community",
            "parent": r.code[:9],
            "wkb": shapely.to_wkb(r.geometry),
        }
        for r in comms.itertuples()
    ]
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO admin_units (code, name, level, parent_code, geom) VALUES "
                "(:code, :name, :level, :parent, ST_Multi(ST_GeomFromWKB(:wkb, 4326)))"
            ),
            rows,
        )
        vid = versions.create(c, "bench")
        store.write_grids(c, vid, grids)
    versions.activate(engine, "bench")
    return len(grids)


def _neighbour_move(draft, rng):
    """A unit on a grid's edge and the neighbouring grid it can move into."""
    for u in rng.permutation(len(draft.units)):
        here = draft.assign[u]
        if here is None or len(draft.units_of(here)) < 2:
            continue
        for v in draft.neighbours[u]:
            there = draft.assign[v]
            if there is not None and there != here:
                return int(u), there
    raise RuntimeError("no movable unit")


def _tiles_at(west: float, south: float, east: float, north: float, z: int) -> list[tuple]:
    """The (z, x, y) of every tile of zoom z over the box."""
    n = 2**z

    def xy(lon: float, lat: float) -> tuple[int, int]:
        y = (1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n
        return int((lon + 180) / 360 * n), int(y)

    (x0, y0), (x1, y1) = xy(west, north), xy(east, south)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def first_map(engine, draft) -> None:
    """Bytes of the first map: tiles (figure + the tiles of its view) vs inline GeoJSON."""
    app = create_app(engine)
    client = app.server.test_client()
    with app.server.test_request_context("/grids"):
        fig = grids_editor._figure("bench-edit", draft, "zh")
    figure = len(json.dumps(fig.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder).encode())
    w, s, e, n = extent(engine)
    zoom = int(maps.view_of((w, s, e, n))[1])
    tiles = _tiles_at(w, s, e, n, zoom)
    urls = [
        f"/tiles/units/{z}/{x}/{y}.pbf?version=bench-edit&band={band}&rev={draft.revision}"
        for z, x, y in tiles
        for band in grids_editor.UNIT_BANDS
    ] + [f"/tiles/grids/{z}/{x}/{y}.pbf?version=bench-edit&rev=0" for z, x, y in tiles]
    t0 = time.perf_counter()
    sizes = [len(client.get(u).data) for u in urls]
    took = time.perf_counter() - t0
    geo = draft.units.geometry.set_precision(10**-maps.COORD_DIGITS).__geo_interface__
    for i, f in enumerate(geo["features"]):
        f["id"], f["properties"] = str(i), {}
        f.pop("bbox", None)
    inline = len(json.dumps(geo).encode())
    print(
        f"| first editor map, {len(draft.units)} units | figure {figure / 1024:.0f} KB + "
        f"{len(urls)} tiles at z{zoom} {sum(sizes) / 2**20:.1f} MB (cut in {took:.1f} s) "
        f"| units inline as GeoJSON {inline / 2**20:.1f} MB | "
        f"{inline / (figure + sum(sizes)):.1f}× fewer bytes |"
    )


# the editor's map and page, asked from inside Chromium
# the view is moved through Plotly, which keeps it when an edit patches the figure (as
# it keeps a view the planner panned to)
_JUMP = """([lon, lat, z]) => window.Plotly.relayout(
  document.querySelector('#ge-map .js-plotly-plot'),
  {'map.center': {lon: lon, lat: lat}, 'map.zoom': z})"""
_READY = """() => {
  const gd = document.querySelector('#ge-map .js-plotly-plot');
  const m = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
  if (!m || !m.loaded() || !m.areTilesLoaded()) return false;
  return m.queryRenderedFeatures().some((f) => f.sourceLayer === 'units');
}"""
_LOADED = """() => {
  const gd = document.querySelector('#ge-map .js-plotly-plot');
  const m = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot.map;
  // the editor's figure (three traces), not the empty map drawn before it
  return !!m && gd.data.length > 2 && m.loaded() && m.areTilesLoaded() &&
    m.queryRenderedFeatures().length > 0;
}"""
_XY = """([lon, lat]) => {
  const m = document.querySelector('#ge-map .js-plotly-plot')._fullLayout.map._subplot.map;
  const p = m.project([lon, lat]), r = m.getContainer().getBoundingClientRect();
  return [r.left + p.x, r.top + p.y];
}"""
# the next click or key press on the page starts the clock (its event time)
_MARK = """() => {
  const e = window.__geEdit = {t0: null, ms: null};
  const start = (ev) => { if (e.t0 === null) e.t0 = ev.timeStamp; };
  document.addEventListener('click', start, {capture: true, once: true});
  document.addEventListener('keydown', start, {capture: true, once: true});
}"""
# the milliseconds from that event to the next painted frame once the page shows
# the edit: save message of revision `rev`, balance rows of the touched grids, the unit
# in the edited-units trace with colour `z`, MapLibre loaded with every tile in view
_SHOWN = """([rev, codes, unit, z]) => {
  const e = window.__geEdit;
  if (e.ms !== null) return e.ms;
  if (e.wait || e.t0 === null) return null;
  const msg = document.querySelector('#ge-msg');
  if (!msg || !msg.textContent.includes('修订 ' + rev + '）')) return null;
  const rows = Array.from(document.querySelectorAll('#ge-balance .ag-row')).map((r) => r.textContent);
  if (!codes.every((c) => rows.some((t) => t.includes(c)))) return null;
  const gd = document.querySelector('#ge-map .js-plotly-plot');
  const at = gd.data[0].locations.indexOf(String(unit));
  if (at < 0 || gd.data[0].z[at] !== z) return null;
  const m = gd._fullLayout.map._subplot.map;
  if (!m.loaded() || !m.areTilesLoaded()) return null;
  e.wait = true;
  requestAnimationFrame(() => { e.ms = performance.now() - e.t0; });
  return null;
}"""


def browser_edits(engine, name: str, edits: int) -> tuple[list, list, list, list, list]:
    """`edits` edits made in Chromium (moves and their undos); per edit the ms until the
    page shows it, the Dash response bytes (gzip as sent, unpacked), the tile bytes,
    and the peer's ms."""
    from playwright.sync_api import sync_playwright

    base, srv = bench_db.serve(engine.url.database)
    rng = np.random.default_rng(1)
    took, sent, unpacked, tiles, peer = [], [], [], [], []
    seen: list = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.on("response", lambda r: seen.append(r))
            page.goto(base + "/grids")
            page.wait_for_selector("#grid-editor", timeout=180_000)
            page.wait_for_function(_LOADED, timeout=180_000)
            page.locator("#ge-map").scroll_into_view_if_needed()
            draft = drafts.open_draft(engine, name)
            for i in range(edits):
                if i % 2 == 0:
                    unit, target = _neighbour_move(draft, rng)
                    source = draft.assign[unit]
                    pt = draft.units.geometry.iloc[unit].representative_point()
                    page.evaluate(_JUMP, [pt.x, pt.y, 15])
                    page.wait_for_timeout(300)
                    page.wait_for_function(_READY, timeout=180_000)
                    page.mouse.click(*page.evaluate(_XY, [pt.x, pt.y]))
                    page.wait_for_function(
                        "() => document.querySelector('#ge-selcount').textContent.includes('已选 1 ')",
                        timeout=60_000,
                    )
                    page.evaluate(
                        "(c) => window.dash_clientside.set_props('ge-target', {value: c})", target
                    )
                    page.wait_for_timeout(300)
                    page.evaluate(_MARK)
                    del seen[:]
                    page.click("#ge-move")
                else:
                    page.evaluate(_MARK)
                    del seen[:]
                    page.keyboard.press("Control+z")
                # what the page must show: the same edit made on the draft in memory
                expected = edit.move(draft, [unit], target) if i % 2 == 0 else edit.undo(draft)
                bands = edit.balance(expected, [target, source]).set_index("grid_code")["band"]
                z = grids_editor.Z[bands[expected.assign[unit]]]
                handle = page.wait_for_function(
                    _SHOWN,
                    arg=[draft.revision + 1, [target, source], unit, z],
                    timeout=180_000,
                )
                took.append(handle.json_value())
                draft = drafts.open_draft(engine, name)
                dash = [r for r in seen if "_dash-update-component" in r.url]
                sent.append(sum(r.request.sizes()["responseBodySize"] for r in dash))
                unpacked.append(sum(len(r.body()) for r in dash))
                tiles.append(
                    sum(r.request.sizes()["responseBodySize"] for r in seen if "/tiles/" in r.url)
                )
                t0 = time.perf_counter()
                workflow.grid_workload(engine, name)
                peer.append(time.perf_counter() - t0)
            browser.close()
    finally:
        srv.terminate()
        srv.wait(timeout=30)
    return took, sent, unpacked, tiles, peer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=150)
    parser.add_argument("--edits", type=int, default=12)
    args = parser.parse_args()
    engine = get_engine(_database())
    n = _load(engine, args.communities)
    start = time.perf_counter()
    draft = drafts.start(engine, "bench-edit")
    took = time.perf_counter() - start
    print(
        f"{n} grids; draft started in {took:.1f} s with {len(draft.units)} units "
        f"(H3 res {versions.get(engine, 'bench-edit').params['editor']['res']})"
    )
    first_map(engine, draft)
    ms, sent, unpacked, tiles, peer = browser_edits(engine, "bench-edit", args.edits)
    mo, mp = statistics.median(ms), statistics.median(peer) * 1000
    print(f"per edit, ms in Chromium: {[round(x) for x in ms]}")
    print(
        f"| edit → map and panel updated in Chromium, {n} grids, median of {len(ms)} | "
        f"{mo:.0f} ms; Dash responses {statistics.median(sent) / 1024:.1f} KB sent "
        f"({statistics.median(unpacked) / 1024:.1f} KB unpacked) + tiles "
        f"{statistics.median(tiles) / 1024:.1f} KB | whole balance from PostGIS {mp:.0f} ms "
        f"| {mp / mo:.1f}× |"
    )


if __name__ == "__main__":
    main()

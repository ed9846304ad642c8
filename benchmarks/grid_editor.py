"""Grid editor: one edit → what the page receives, against recomputing the whole balance.

On the synthetic city of `benchmarks/grids_check.py` (150 communities of 1 km², 1,500
grids) loaded into a database of its own, a draft is started (timed once), then N edits
alternate between moving a unit into a neighbouring grid and undoing it. Per edit:

- ours: `geo.grids.drafts.save` (one transaction: revision check, units, the touched
  grids dissolved, log and audit rows) + `dashboards.grids_editor.edit_outputs` (the
  Patch of the units whose colour/hover changed, KPIs of the whole draft, balance rows
  of the touched grids) — the server side of the editor's callback; payload = the JSON
  the callback returns;
- peer: `geo.grids.workflow.grid_workload` of the draft — the whole version's balance
  recomputed from PostGIS (grids and point layers read, workload of every grid), what a
  page without the editor's units would do after each edit.

Server side only (no browser): the milliseconds exclude network and plotly.js drawing.

First map: the bytes of the editor's figure with the units as vector tiles (the figure
JSON, plus every unit and grid-outline tile MapLibre asks for at the figure's zoom over
the whole city, cut by PostGIS through the app's /tiles route, cache empty) against the
GeoJSON of all the draft's units that the figure carried inline before (features with
ids only: the lower bound of what was sent).

    .venv/bin/python benchmarks/grid_editor.py [--communities 150] [--edits 20]
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

from benchmarks.grids_check import city
from dashboards import grids_editor, maps
from dashboards.app import create_app
from dashboards.grids_editor import edit_outputs
from geo.db import cluster, migrate
from geo.db.engine import get_engine, owner_url
from geo.grids import drafts, store, versions, workflow
from geo.views.places import extent


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=150)
    parser.add_argument("--edits", type=int, default=20)
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
    rng = np.random.default_rng(1)
    ours, peer, payload = [], [], []
    shown: list[int] = []
    for i in range(args.edits):
        t0 = time.perf_counter()
        if i % 2 == 0:
            unit, target = _neighbour_move(draft, rng)
            draft = drafts.save(
                engine,
                "bench-edit",
                "move",
                draft.revision,
                unit_ids=[unit],
                to=target,
                user="bench",
            )
        else:
            draft = drafts.save(engine, "bench-edit", "undo", draft.revision, user="bench")
        out = edit_outputs("bench-edit", draft, shown, "zh")
        shown = out[1]
        ours.append(time.perf_counter() - t0)
        payload.append(len(json.dumps(out, cls=plotly.utils.PlotlyJSONEncoder).encode()))
        t0 = time.perf_counter()
        workflow.grid_workload(engine, "bench-edit")
        peer.append(time.perf_counter() - t0)
    mo, mp = statistics.median(ours) * 1000, statistics.median(peer) * 1000
    print(
        f"| edit → patch + panel, {n} grids | {mo:.0f} ms, {statistics.median(payload) / 1024:.1f} KB "
        f"| whole balance from PostGIS {mp:.0f} ms | {mp / mo:.1f}× |"
    )


if __name__ == "__main__":
    main()

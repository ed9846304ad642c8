"""Dashboard speed in headless Chromium on the city-scale sample (≥ 1M incidents).

Measured, median of N (default 20):
- time to first map: navigation start → MapLibre loaded with tile and trace features,
  and that map on screen (the animation frame after MapLibre first rendered it loaded
  with every tile in view and those features drawn), by the page's own clock, for the
  overview and hotspots pages (each in a fresh browser context, opened once Chromium
  has finished opening its window: `quiet`); beside it the same as the harness sees it
  (`wall_*`: its round trips and polls included);
- time per filter change on the hotspots page (resolution, layer, categories, dates)
  and the overview's period: input → the map redrawn with the new cells;
- payload bytes per update (the Dash callback response, decoded and as sent: gzip where
  the browser accepts it) and of the first view's tiles; for each filter change also the
  first time it is made (`first_s`: before the server keeps that view).

Peers measured in the same run, on the same filters:
- the same first maps opened as soon as the new browser window exists, while Chromium
  still starts it (how this benchmark opened them up to stop 22);
- the same pages and filter changes with the place names taken off the maps (the
  figures' symbol layers and text traces dropped in the browser before plotly.js draws
  them), alternating with the labelled pages: the labels' cost as a ratio;
- the hexagon layer read from the raw `incidents` table (GROUP BY cell over the
  million rows, parents in Python) instead of the aggregate the dashboard reads;
- the grids of the active version shipped as one GeoJSON instead of vector tiles.

The city is generated and loaded into its own database (`civicgrid_bench_dashboard`)
when absent: `civicgrid sample --scale city`, the loads of `civicgrid demo`, then
`aggregate` and an emerging `hotspots` run.

    .venv/bin/python benchmarks/dashboard.py [--repeat 20] [--prepare-only]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import bench_db

ROOT = Path(__file__).resolve().parents[1]
#: the database measured ($CIVICGRID_BENCH_DB: another already loaded with the city sample)
BENCH_DB = os.environ.get("CIVICGRID_BENCH_DB", "civicgrid_bench_dashboard")
SAMPLE = ROOT / "demo-data" / "city"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MIN_INCIDENTS = 900_000  # the city sample writes 1,000,000 rows, a few of them bad on purpose


def civicgrid(*args: str, required: bool = True) -> bool:
    """Run a CLI step on the bench database; stop when a required step fails."""
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "geo", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "CIVICGRID_DB_NAME": BENCH_DB},
    )
    print(f"  civicgrid {' '.join(args)}: {time.perf_counter() - t:.1f} s", file=sys.stderr)
    if done.returncode != 0:
        message = f"civicgrid {' '.join(args)} failed: {done.stderr.strip()[-300:]}"
        if required:
            sys.exit(message)
        print(f"  (skipped) {message}", file=sys.stderr)
    return done.returncode == 0


def prepare() -> str:
    """The bench database URL, with the city sample loaded and analysed."""
    url = bench_db.migrated(BENCH_DB)
    from sqlalchemy import text

    from geo.cli.demo import LOADS
    from geo.db.engine import get_engine

    with get_engine(url).connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM incidents")).scalar()
        facilities = conn.execute(text("SELECT count(*) FROM facilities")).scalar()
        counted = conn.execute(text("SELECT count(*) FROM aggregate_state")).scalar()
        runs = conn.execute(
            text("SELECT count(*) FROM hotspot_runs WHERE kind = 'emerging'")
        ).scalar()
    if n < MIN_INCIDENTS or not facilities:
        if not (SAMPLE / "manifest.json").exists():
            civicgrid("sample", "--out", str(SAMPLE), "--scale", "city")
        # loads are idempotent (a file already loaded is a no-op); only the
        # boundaries, grids and incidents are needed for the figures measured
        for kind, rel, extra in LOADS:
            civicgrid(
                "load",
                kind,
                str(SAMPLE / rel),
                *extra,
                required=kind in ("boundaries", "grids", "incidents"),
            )
    if not counted:
        civicgrid("aggregate")
    if not runs:
        civicgrid("hotspots", "--emerging", "--period", "month")
    return url


# in a MapLibre map `m` loaded with every tile in view: tile features drawn, and trace
# features too where `needTraces`
DRAWN = """
(m, needTraces) => {
  let tiles = 0, traces = 0;
  for (const f of m.queryRenderedFeatures()) {
    if (f.layer.id.includes('layout-layer') || f.layer.id.startsWith('places-')) tiles++; else if (f.layer.id.includes('trace-layer')) traces++;
  }
  return tiles > 0 && (traces > 0 || !needTraces);
}
"""
RENDERED = f"""
([id, needTraces]) => {{
  const gd = document.querySelector('#' + id + ' .js-plotly-plot');
  if (!gd || !gd._fullLayout || !gd._fullLayout.map || !gd._fullLayout.map._subplot) return false;
  const m = gd._fullLayout.map._subplot.map;
  return !!m && m.loaded() && m.areTilesLoaded() && ({DRAWN})(m, needTraces);
}}
"""


def painted(traces: bool) -> str:
    """Script run before the page's scripts: stamps each map's graph with the page's clock
    (`__paintedAt`, ms since navigation start) at the animation frame after MapLibre first
    rendered it loaded, with every tile in view and its features drawn (that frame is on
    screen), and marks it `__painted`. Read from the page, the time leaves out the test
    harness: its round trips and its polls, which wait while the page's main thread works
    on after the map is shown."""
    return f"""
(() => {{
  const drawn = {DRAWN};
  const watch = () => {{
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {{
      const sub = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
      const m = sub && sub.map;
      if (!m || m.__benchWatched) continue;
      m.__benchWatched = true;
      const stamp = () => {{
        if (!(m.loaded() && m.areTilesLoaded() && drawn(m, {str(traces).lower()}))) return;
        m.off('render', stamp);
        requestAnimationFrame(() => {{ gd.__paintedAt = performance.now(); gd.__painted = true; }});
      }};
      m.on('render', stamp);
    }}
  }};
  new MutationObserver(watch).observe(document, {{childList: true, subtree: true}});
}})();
"""


ON_SCREEN = "(id) => document.querySelector('#' + id + ' .js-plotly-plot')?.__painted === true"
PAINTED_AT = "(id) => document.querySelector('#' + id + ' .js-plotly-plot').__paintedAt"
# run before the page's scripts: plotly.js's react/newPlot draw each figure without its
# symbol layers (place names, in the style or in layout.map.layers) and text traces
UNLABELLED = """
(() => {
  const bare = (fig) => {
    const map = fig.layout && fig.layout.map;
    if (!map) return fig;
    const style = map.style && map.style.layers
      ? {...map.style, layers: map.style.layers.filter(l => l.type !== 'symbol')} : map.style;
    const layers = (map.layers || []).filter(l => l.type !== 'symbol');
    return {...fig, data: (fig.data || []).filter(t => t.mode !== 'text'),
            layout: {...fig.layout, map: {...map, style, layers}}};
  };
  let plotly;
  Object.defineProperty(window, 'Plotly', {configurable: true, get: () => plotly, set: (v) => {
    if (v && typeof v.react === 'function') {
      for (const name of ['react', 'newPlot']) {
        const draw = v[name];
        v[name] = (gd, data, layout, config) => {
          if (data && !Array.isArray(data)) return draw(gd, bare(data), layout);  // a figure
          const fig = bare({data: data || [], layout: layout || {}});
          return draw(gd, fig.data, fig.layout, config);
        };
      }
    }
    plotly = v;
  }});
})();
"""
LOCATIONS = "(id) => JSON.stringify(document.querySelector('#' + id + ' .js-plotly-plot').data.flatMap(t => t.locations || []))"


class Payload:
    """Bytes of the Dash callback responses and tiles a page receives (as decoded, and
    as sent: gzip-encoded where the server compressed them). The bodies are read once
    the step measured is over (`read`): read as they came, each was a round trip to the
    browser while the page drew its map."""

    def __init__(self, page) -> None:
        self._responses: list = []
        page.on("response", self._seen)

    def _seen(self, resp) -> None:
        if "_dash-update-component" in resp.url or "/tiles/" in resp.url:
            self._responses.append(resp)

    def skip(self) -> None:
        """Forget the responses received so far, unread: they belong to no step measured."""
        self._responses.clear()

    def read(self) -> tuple[list[int], list[int], list[int]]:
        """(callback bytes, callback bytes as sent, tile bytes) of the responses received
        since the last read."""
        callbacks, wire, tiles = [], [], []
        responses, self._responses = self._responses, []
        for resp in responses:
            try:
                size = len(resp.body())
            except Exception:  # noqa: BLE001 - the browser no longer holds this body
                continue
            if "/tiles/" in resp.url:
                tiles.append(size)
            else:
                callbacks.append(size)
                wire.append(int(resp.headers.get("content-length") or size))
        return callbacks, wire, tiles


def quiet(limit_s: float = 3.0, window_s: float = 0.1, busy: float = 0.15) -> None:
    """Wait until the machine's cores were at most `busy` busy over `window_s` (at most
    `limit_s`). A new browser context opens a window, and Chromium goes on starting it
    (its WebUI and tab renderers) for ~0.4 s after `new_page` returns, 55-90 % of this
    machine's two cores: a page opened at once shares them with that start-up, which a
    user's browser, open before the address is typed, has done."""

    def ticks() -> tuple[int, int]:  # (all, idle) jiffies of all cores, from Linux
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]

    start = time.perf_counter()
    before = ticks()
    while time.perf_counter() - start < limit_s:
        time.sleep(window_s)
        now = ticks()
        spent = now[0] - before[0]
        if spent and 1 - (now[1] - before[1]) / spent <= busy:
            return
        before = now


def first_map(
    browser,
    base: str,
    path: str,
    graph: str,
    repeat: int,
    traces: bool = True,
    keep_cache: bool = False,
    labels: bool = True,
    settle: bool = True,
) -> dict:
    """Median seconds from navigation start to the map on screen, by the page's clock
    (`painted`), and as the harness saw it (`wall_*`: from its call to open the page to
    its poll that found the map on screen); each time in a fresh browser context
    (nothing cached), or with `keep_cache` in one context whose HTTP cache holds the
    scripts from the visit before (a returning user); without `labels`, the map is drawn
    without its place names (UNLABELLED). The page is opened once its new browser window
    has settled (`quiet`), or with `settle=False` as soon as the window exists."""
    times, walls, tile_bytes, cb_bytes = [], [], [], []
    shared = browser.new_context(viewport={"width": 1440, "height": 1000}) if keep_cache else None
    if shared is not None:
        warmup = shared.new_page()
        warmup.goto(base + path)
        warmup.wait_for_function(RENDERED, arg=[graph, traces], timeout=300_000, polling=20)
        warmup.close()
    for _ in range(repeat):
        ctx = shared or browser.new_context(viewport={"width": 1440, "height": 1000})
        if not labels:
            ctx.add_init_script(UNLABELLED)
        page = ctx.new_page()
        page.add_init_script(painted(traces))
        pay = Payload(page)
        if settle:
            quiet()
        t = time.perf_counter()
        page.goto(base + path)
        page.wait_for_function(ON_SCREEN, arg=graph, timeout=300_000, polling=10)
        walls.append(time.perf_counter() - t)
        times.append(page.evaluate(PAINTED_AT, graph) / 1000)
        callbacks, _, tiles = pay.read()
        tile_bytes.append(sum(tiles))
        cb_bytes.append(max(callbacks, default=0))
        page.close()
        if shared is None:
            ctx.close()
    if shared is not None:
        shared.close()
    return {
        "median_s": statistics.median(times),
        "max_s": max(times),
        "wall_median_s": statistics.median(walls),
        "wall_max_s": max(walls),
        "tile_bytes": statistics.median(tile_bytes),
        "largest_callback_bytes": statistics.median(cb_bytes),
    }


def hotspot_updates(browser, base: str, repeat: int, labels: bool = True) -> dict:
    """Median seconds and callback bytes per filter change on the hotspots page (without
    `labels`: on maps drawn without their place names)."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    if not labels:
        ctx.add_init_script(UNLABELLED)
    page = ctx.new_page()
    page.goto(base + "/hotspots")
    page.wait_for_function(RENDERED, arg=["hs-map", True], timeout=120_000)
    # the page's own answers after the map (the table's rows, the alerts) are not the
    # first change's payload
    page.wait_for_load_state("networkidle")
    pay = Payload(page)

    def res_down():
        page.focus("#hs-res [role=slider]")
        page.keyboard.press("ArrowLeft")

    def res_up():
        page.focus("#hs-res [role=slider]")
        page.keyboard.press("ArrowRight")

    actions = {
        "resolution 9 → 8": res_down,
        "resolution 8 → 9": res_up,
        "layer Gi* → counts": lambda: page.get_by_label("警情数").check(),
        "layer counts → Gi*": lambda: page.get_by_label("Gi* 热冷点").check(),
    }
    out = {name: {"times": [], "bytes": [], "wire": []} for name in actions}
    for _ in range(repeat):
        for name, act in actions.items():
            before = page.evaluate(LOCATIONS, "hs-map")
            pay.skip()
            t = time.perf_counter()
            act()
            page.wait_for_function(
                f"(b) => ({LOCATIONS})('hs-map') !== b", arg=before, timeout=60_000, polling=10
            )
            page.wait_for_function(RENDERED, arg=["hs-map", True], timeout=60_000, polling=10)
            out[name]["times"].append(time.perf_counter() - t)
            callbacks, wire, _ = pay.read()
            out[name]["bytes"].append(sum(callbacks))
            out[name]["wire"].append(sum(wire))
    ctx.close()
    # first_s: the first time each change is made, before the server has kept that view
    return {
        name: {
            "median_s": statistics.median(v["times"]),
            "max_s": max(v["times"]),
            "first_s": v["times"][0],
            "payload_bytes": statistics.median(v["bytes"]),
            "payload_wire_bytes": statistics.median(v["wire"]),
        }
        for name, v in out.items()
    }


def labels_cost(browser, base: str, repeat: int) -> dict:
    """First maps of the overview and hotspots pages with and without place names,
    alternating (so a change of load hits both alike): medians and their ratio."""
    out = {}
    for path, graph in (("/", "ov-map"), ("/hotspots", "hs-map")):
        runs: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(repeat):
            for labels in (True, False):
                got = first_map(browser, base, path, graph, 1, labels=labels)
                runs[labels].append(got["median_s"])
        with_s, without_s = statistics.median(runs[True]), statistics.median(runs[False])
        out[path] = {"labels_s": with_s, "no_labels_s": without_s, "ratio": with_s / without_s}
    return out


def layer_vs_raw(url: str, repeat: int) -> dict:
    """Server side: the hexagon layer from the aggregate (ours) vs from the raw incidents (peer)."""
    import numpy as np
    import pandas as pd
    from sqlalchemy import text

    from geo.db.engine import get_engine
    from geo.hexes import parents
    from geo.views.counts import _cell_counts, incident_span
    from geo.views.hexlayer import coarsen, hex_layer

    eng = get_engine(url)
    lo, hi = incident_span(eng)
    start = max(lo, hi - dt.timedelta(days=89))

    def ours():
        _cell_counts.cache_clear()  # measure the query, not the dashboard's filter cache
        return hex_layer(eng, 9, start, hi)

    def peer():
        with eng.connect() as c:
            rows = c.execute(
                text(
                    "SELECT h3, count(*) FROM incidents WHERE (occurred_at AT TIME ZONE 'Asia/Shanghai')::date "
                    "BETWEEN :a AND :b GROUP BY h3"
                ),
                {"a": start, "b": hi},
            ).all()
        cells = np.array([r[0] for r in rows], dtype=np.int64)
        counts = pd.Series([r[1] for r in rows], index=cells)
        counts = counts.groupby(parents(cells.astype(np.uint64), 9).astype(np.int64)).sum()
        return coarsen(counts, 9, 5000)[0]

    a, b = ours(), peer()
    assert int(a.frame["count"].sum()) == int(b.sum()), "ours and the peer disagree"

    def timed(fn) -> float:
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t

    t_ours = [timed(ours) for _ in range(repeat)]
    t_peer = [timed(peer) for _ in range(max(3, repeat // 4))]  # the slow side, fewer runs
    return {
        "ours_s": statistics.median(t_ours),
        "peer_s": statistics.median(t_peer),
        "cells": len(a.frame),
        "res_shown": a.res,
    }


def grids_geojson_bytes(url: str) -> int:
    """The peer of the grid tiles: every active grid as one GeoJSON (5 decimals)."""
    from sqlalchemy import text

    from geo.db.engine import get_engine

    with get_engine(url).connect() as c:
        return (
            c.execute(
                text(
                    "SELECT length(json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object("
                    "'type', 'Feature', 'properties', json_build_object('grid_code', g.grid_code, 'households', g.households),"
                    "'geometry', ST_AsGeoJSON(g.geom, 5)::json)))::text) FROM grids g JOIN grid_versions v "
                    "ON v.id = g.version_id WHERE v.status = 'active'"
                )
            ).scalar()
            or 0
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--prepare-only", action="store_true")
    ap.add_argument(
        "--server-only", action="store_true", help="only the server-side peer comparisons"
    )
    args = ap.parse_args()
    url = prepare()
    if args.prepare_only:
        return
    if args.server_only:
        print(
            json.dumps(
                {
                    "layer_vs_raw": layer_vs_raw(url, args.repeat),
                    "geojson_bytes": grids_geojson_bytes(url),
                },
                indent=2,
            )
        )
        return
    from playwright.sync_api import sync_playwright
    from sqlalchemy import text

    from geo.db.engine import get_engine

    with get_engine(url).connect() as c:
        n_incidents = c.execute(text("SELECT count(*) FROM incidents")).scalar()
        n_grids = c.execute(text("SELECT count(*) FROM grids")).scalar()
    base, srv = bench_db.serve(BENCH_DB)
    result = {"incidents": n_incidents, "grids": n_grids, "repeat": args.repeat}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        # one visit of each page warms the server's caches (as after the first user)
        for path, graph, traces in (
            ("/", "ov-map", True),
            ("/hotspots", "hs-map", True),
            ("/grids", "gr-map", False),
            ("/coverage", "cv-map", True),
        ):
            t = time.perf_counter()
            first_map(browser, base, path, graph, 1, traces)
            result.setdefault("cold_first_map_s", {})[path] = time.perf_counter() - t
        result["first_map"] = {
            path: first_map(browser, base, path, graph, args.repeat)
            for path, graph in (("/", "ov-map"), ("/hotspots", "hs-map"))
        }
        # peer: the same pages opened as soon as their new window exists, as before stop 23
        result["first_map_window_opening"] = {
            path: first_map(browser, base, path, graph, args.repeat, settle=False)
            for path, graph in (("/", "ov-map"), ("/hotspots", "hs-map"))
        }
        result["first_map_cached_scripts"] = {
            path: first_map(browser, base, path, graph, args.repeat, keep_cache=True)
            for path, graph in (("/", "ov-map"), ("/hotspots", "hs-map"))
        }
        result["updates"] = hotspot_updates(browser, base, args.repeat)
        result["labels_cost"] = labels_cost(browser, base, args.repeat)
        result["updates_no_labels"] = hotspot_updates(browser, base, args.repeat, labels=False)
        grids_view = first_map(browser, base, "/grids", "gr-map", 1, traces=False)
        browser.close()
    srv.terminate()
    srv.wait(timeout=30)
    result["layer_vs_raw"] = layer_vs_raw(url, args.repeat)
    result["grids_tiles_vs_geojson"] = {
        "tile_bytes_first_view": grids_view["tile_bytes"],
        "geojson_bytes": grids_geojson_bytes(url),
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    for path, f in result["first_map"].items():
        print(
            f"first map {path}: {f['median_s']:.2f} s (max {f['max_s']:.2f}) by the page's clock, "
            f"{f['wall_median_s']:.2f} s (max {f['wall_max_s']:.2f}) as the harness saw it",
            file=sys.stderr,
        )
    for path, f in result["first_map_window_opening"].items():
        print(
            f"first map {path}, opened as its window opens: {f['median_s']:.2f} s "
            f"(max {f['max_s']:.2f}) by the page's clock",
            file=sys.stderr,
        )
    for path, c in result["labels_cost"].items():
        print(
            f"first map {path}: {c['labels_s']:.2f} s with place names, "
            f"{c['no_labels_s']:.2f} s without → ×{c['ratio']:.2f}",
            file=sys.stderr,
        )
    lv = result["layer_vs_raw"]
    gv = result["grids_tiles_vs_geojson"]
    print(
        f"hex layer: aggregate {lv['ours_s']:.3f} s vs raw incidents {lv['peer_s']:.3f} s "
        f"→ {lv['peer_s'] / lv['ours_s']:.1f}× faster",
        file=sys.stderr,
    )
    print(
        f"grids: tiles {gv['tile_bytes_first_view']:,} B vs GeoJSON {gv['geojson_bytes']:,} B "
        f"→ {gv['geojson_bytes'] / max(gv['tile_bytes_first_view'], 1):.1f}× smaller",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

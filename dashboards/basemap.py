"""The base map on the app: its tiles at /basemap/<name>/<z>/<x>/<y>.pbf, read from the
registered archive on the server (geo.basemap), and the style parts every map puts
under its own layers (`style_parts`, used by dashboards.maps.map_style).

The archives of the app's database are the ones `civicgrid basemap add` registered;
with none, maps stay on white. Tile URLs carry the archive's SHA-256 prefix, so a
replaced archive gets new URLs and browsers may keep tiles for a day.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from flask import Flask, Response, current_app, has_app_context
from sqlalchemy import Engine

from dashboards.components import ENGINE_KEY
from geo.basemap import store, style
from geo.basemap.archive import Archive, open_archive
from geo.errors import InputError

ROUTE = "/basemap/<name>/<int:z>/<int:x>/<int:y>.pbf"
MVT_TYPE = "application/vnd.mapbox-vector-tile"
CACHE_SECONDS = 86400
#: archives kept open (a replaced archive is a new key)
OPEN_KEPT = 8


@lru_cache(maxsize=OPEN_KEPT)
def _archive(file: str, sha256: str) -> Archive:
    """The registered copy at `file` (its `sha256` tells a replaced one apart), open."""
    return open_archive(Path(file))


def tile_url(base: str, entry: store.Entry) -> str:
    """The absolute tile URL template of `entry` on this app (MapLibre needs absolute)."""
    return f"{base.rstrip('/')}/basemap/{quote(entry.name)}/{{z}}/{{x}}/{{y}}.pbf?v={entry.sha256[:12]}"


def source_id(entry: store.Entry) -> str:
    return f"basemap-{entry.name}"


def style_parts(base: str, database: str | None = None) -> tuple[dict, list[dict]]:
    """The MapLibre sources and layers of the base maps of `database` (default: the
    running app's), bottom up; ({}, []) when none is registered or outside the app."""
    if database is None:
        if not has_app_context() or ENGINE_KEY not in current_app.config:
            return {}, []
        database = current_app.config[ENGINE_KEY].url.database
    sources: dict = {}
    layers: list[dict] = []
    for entry in store.entries(database):
        sid = source_id(entry)
        sources[sid] = style.source(
            tile_url(base, entry), entry.minzoom, entry.maxzoom, entry.bounds
        )
        layers += style.layers(sid, entry.layers)
    return sources, layers


def register(server: Flask, engine: Callable[[], Engine]) -> None:
    """Add the base-map tile route to `server`; `engine()` names the database whose
    base maps are served."""

    @server.route(ROUTE)
    def basemap_tile(name: str, z: int, x: int, y: int) -> Response:
        try:
            entry = store.get(engine().url.database, name)
            data = _archive(entry.file, entry.sha256).tile(z, x, y)
        except InputError as exc:
            return Response(str(exc), status=404, mimetype="text/plain")
        if data is None:  # no tile there: an empty answer MapLibre draws as nothing
            return Response(status=204)
        resp = Response(data, mimetype=MVT_TYPE)
        resp.headers["Cache-Control"] = f"max-age={CACHE_SECONDS}"
        return resp

"""The Flask route serving vector tiles on the Dash server: /tiles/<layer>/<z>/<x>/<y>.pbf.

Tiles are cut by PostGIS (geo.views.tiles) and kept in a small in-process cache for a
minute, so panning back and forth does not re-query the database.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from flask import Flask, Response, request
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from geo.errors import InputError
from geo.views.tiles import TileRequest, tile

MVT_TYPE = "application/vnd.mapbox-vector-tile"
CACHE_SECONDS = 60
CACHE_SIZE = 4096


class TileCache:
    """A bounded LRU of tile bytes whose entries expire after `ttl` seconds."""

    def __init__(self, size: int = CACHE_SIZE, ttl: float = CACHE_SECONDS) -> None:
        self.size, self.ttl = size, ttl
        self._items: OrderedDict[tuple, tuple[float, bytes]] = OrderedDict()

    def get(self, key: tuple) -> bytes | None:
        hit = self._items.get(key)
        if hit is None or time.monotonic() - hit[0] > self.ttl:
            return None
        self._items.move_to_end(key)
        return hit[1]

    def put(self, key: tuple, data: bytes) -> None:
        self._items[key] = (time.monotonic(), data)
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


def register(server: Flask, engine: Callable[[], Engine]) -> None:
    """Add the tile route to `server`; `engine()` gives the database to read."""
    cache = TileCache()

    @server.route("/tiles/<layer>/<int:z>/<int:x>/<int:y>.pbf")
    def vector_tile(layer: str, z: int, x: int, y: int) -> Response:
        req = TileRequest(
            layer,
            z,
            x,
            y,
            version=request.args.get("version") or None,
            band=request.args.get("band") or None,
            revision=request.args.get("rev") or None,
        )
        try:
            req.validate()
            key = (req, engine().url)
            data = cache.get(key)
            if data is None:
                data = tile(engine(), req)
                cache.put(key, data)
        except InputError as exc:
            return Response(str(exc), status=400, mimetype="text/plain")
        except SQLAlchemyError:
            return Response("database unavailable", status=503, mimetype="text/plain")
        resp = Response(data, mimetype=MVT_TYPE)
        resp.headers["Cache-Control"] = f"max-age={CACHE_SECONDS}"
        return resp

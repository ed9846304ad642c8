"""gzip for the dashboard's responses (flask-compress), when the browser accepts it.

Callback responses (map figures of 0.2-0.7 MB of GeoJSON) are compressed per response;
the static scripts (Dash's component bundles, the plotly.js bundle: several MB) are
compressed once and the result kept, as their URLs change whenever their content does.
Each server process compresses the plotly.js bundle as it starts (`keep`, from
dashboards.app.warm), not on its first visitor's request.
"""

from __future__ import annotations

from collections import OrderedDict

from flask import Flask, Request
from flask_compress import Compress

LEVEL = 6
#: GET paths whose bytes never change under the same URL (fingerprinted or hashed)
STATIC_PREFIXES = ("/_dash-component-suites/", "/vendor/")
CACHE_ENTRIES = 64


def cache_key(request: Request) -> str:
    """flask-compress's cache key: the URL of a static script, '' for anything else."""
    if request.method == "GET" and request.path.startswith(STATIC_PREFIXES):
        return request.full_path
    return ""


class StaticCache:
    """Compressed bytes of static scripts (bounded LRU); other responses are not kept."""

    def __init__(self, size: int = CACHE_ENTRIES) -> None:
        self.size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()

    @staticmethod
    def _keeps(key: str) -> bool:
        return not key.endswith(";")  # "<algorithm>;<cache_key>" with an empty key

    def get(self, key: str) -> bytes | None:
        if not self._keeps(key) or key not in self._items:
            return None
        self._items.move_to_end(key)
        return self._items[key]

    def set(self, key: str, value: bytes) -> None:
        if not self._keeps(key):
            return
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)


def register(server: Flask) -> None:
    """gzip every compressible response of `server` for browsers that accept it."""
    server.config.update(
        COMPRESS_ALGORITHM=["gzip"],
        COMPRESS_ALGORITHM_STREAMING=["gzip"],  # files sent by Flask (the local CSS) too
        COMPRESS_LEVEL=LEVEL,
        COMPRESS_CACHE_KEY=cache_key,
        COMPRESS_CACHE_BACKEND=StaticCache,
    )
    server.extensions["compress"] = Compress(server)


def keep(server: Flask, path: str) -> None:
    """Compress the static script at `path` now, into this server process's cache, so the
    first browser to ask this process for it does not wait while it is compressed."""
    server.test_client().get(path, headers={"Accept-Encoding": "gzip"})


def kept(server: Flask, path: str) -> bool:
    """Whether this process holds the gzip bytes of the static script at `path`."""
    return server.extensions["compress"].cache.get(f"gzip;{path}?") is not None

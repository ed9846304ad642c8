"""GeoJSON reader. Without a "crs" member the file is WGS-84 by RFC 7946 — a convention
the loader lets `--crs` override (GCJ-02/BD-09 files cannot declare themselves).

The file is screened in one streaming pass of fixed memory before GDAL parses it: it
must be UTF-8 (RFC 8259), open with an object, stay under the GeoJSON size limit (GDAL
and the frames built from it take several times the file's size in memory) and nest
arrays and objects no deeper than MAX_DEPTH (a polygon needs five levels, a collection
of multipolygons about ten; thousands of levels only serve to exhaust a parser's stack).
"""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np

from etl.readers.source import Source
from etl.readers.vector import read_vector
from geo.config import settings
from geo.errors import InputError

#: deepest nesting of arrays and objects accepted
MAX_DEPTH = 64
_CHUNK = 1 << 20
_OPEN = np.zeros(256, np.int8)
_OPEN[[ord("["), ord("{")]] = 1
_OPEN[[ord("]"), ord("}")]] = -1
_QUOTE, _BACKSLASH = ord('"'), ord("\\")


class _Nesting:
    """Depth of arrays and objects through a JSON text read in chunks, brackets inside
    strings left out: a quote opens or closes a string unless an odd run of backslashes
    escapes it (the run and the open string carry over from one chunk to the next)."""

    def __init__(self) -> None:
        self.depth, self.deepest, self.in_string, self.backslashes = 0, 0, False, 0

    def feed(self, chunk: bytes) -> None:
        data = np.frombuffer(chunk, np.uint8)
        if not len(data):
            return
        pos = np.arange(len(data))
        slash = data == _BACKSLASH
        last_other = np.maximum.accumulate(np.where(slash, -1 - self.backslashes, pos))
        run = np.empty(len(data), np.int64)  # backslashes just before each byte
        run[0] = self.backslashes
        run[1:] = pos[:-1] - last_other[:-1]
        quotes = np.cumsum((data == _QUOTE) & (run % 2 == 0)) + self.in_string
        steps = np.where(quotes % 2 == 1, 0, _OPEN[data])
        levels = self.depth + np.cumsum(steps, dtype=np.int64)
        self.deepest = max(self.deepest, int(levels.max()))
        self.depth, self.in_string = int(levels[-1]), bool(quotes[-1] % 2)
        self.backslashes = int(len(data) - 1 - last_other[-1]) if slash[-1] else 0


def _mb(n: int) -> str:
    return f"{n / (1 << 20):,.0f} MB"


def screen(path: Path, limit: int | None = None) -> None:
    """InputError when the file is over the limit, not UTF-8, not an object, nested
    deeper than MAX_DEPTH or cut short (brackets left open)."""
    limit = settings().max_geojson_bytes if limit is None else limit
    size = path.stat().st_size
    if size > limit:
        raise InputError(
            f"GeoJSON too large ({_mb(size)}; the limit is {_mb(limit)}, "
            "CIVICGRID_MAX_GEOJSON_MB); load it as GeoPackage or CSV"
        )
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    nesting, first = _Nesting(), None
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise InputError("GeoJSON is not UTF-8 (garbled or binary file)") from exc
            if first is None and chunk.lstrip(b"\xef\xbb\xbf \t\r\n"):
                first = chunk.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
            nesting.feed(chunk)
            if nesting.deepest > MAX_DEPTH:
                raise InputError(f"GeoJSON nested more than {MAX_DEPTH} levels deep; refused")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise InputError("GeoJSON is not UTF-8 (ends inside a character)") from exc
    if first != b"{":
        raise InputError("not a GeoJSON FeatureCollection" if first else "empty file")
    if nesting.depth > 0:
        raise InputError(
            f"not valid JSON: the file ends inside {nesting.depth} open arrays or "
            "objects (cut short?)"
        )


def read_geojson(path: Path, encoding: str | None = None) -> Source:
    """Read a FeatureCollection; text must be UTF-8 (RFC 8259)."""
    screen(path)
    source = read_vector(path, "geojson")
    # GDAL reports WGS-84 both for a file without "crs" member and for one declaring
    # CRS84 or EPSG:4326: either way the RFC 7946 convention, not a real declaration
    source.crs_is_default = source.crs in (None, "wgs84")
    source.encoding, source.encoding_source = "utf-8", "format"
    return source

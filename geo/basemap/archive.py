"""Reading a vector-tile archive: PMTiles (v3, with protomaps' `pmtiles` reader) or
MBTiles (SQLite, as the MBTiles 1.3 spec lays it out).

`open_archive(path)` checks what a city's GIS unit handed over and gives an `Archive`:
its `info` (format, zooms, bounds, vector layers) and `tile(z, x, y)`, the tile's
Mapbox Vector Tile bytes, uncompressed (None when the archive has no such tile).
Anything else — not an archive, raster tiles, a compression we do not read, an
unreadable file — is an `InputError` of one line.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import Compression, MagicNumberNotFound, SpecVersionUnsupported, TileType

from geo.errors import InputError

PMTILES_MAGIC = b"PMTiles"
SQLITE_MAGIC = b"SQLite format 3\x00"
GZIP_MAGIC = b"\x1f\x8b"
#: MBTiles `format` values that are vector tiles
MVT_FORMATS = ("pbf", "mvt")
MAX_ZOOM = 24


@dataclass(frozen=True)
class ArchiveInfo:
    """What a base map archive holds: `layers` are its vector layers' ids, `bounds`
    (west, south, east, north) in degrees when the archive says."""

    format: str
    minzoom: int
    maxzoom: int
    bounds: tuple[float, float, float, float] | None
    layers: tuple[str, ...]
    name: str | None = None
    attribution: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


class Archive:
    """An open archive: `info` and `tile(z, x, y)` (uncompressed MVT bytes or None)."""

    info: ArchiveInfo

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        raise NotImplementedError

    def close(self) -> None:
        """Release the file."""


def valid_tile(z: int, x: int, y: int) -> bool:
    """Whether z/x/y names a tile of the Web-Mercator pyramid (zoom ≤ MAX_ZOOM)."""
    return 0 <= z <= MAX_ZOOM and 0 <= x < 1 << z and 0 <= y < 1 << z


def _gunzip(data: bytes) -> bytes:
    return gzip.decompress(data) if data[:2] == GZIP_MAGIC else data


def _vector_layers(meta: dict[str, Any]) -> tuple[str, ...]:
    """The ids of `vector_layers` in an archive's metadata, or in its `json` text (where
    MBTiles keep them, and PMTiles converted from MBTiles too)."""
    layers = meta.get("vector_layers")
    if not layers and isinstance(meta.get("json"), str):
        try:
            layers = json.loads(meta["json"]).get("vector_layers")
        except (json.JSONDecodeError, AttributeError):
            layers = None
    return tuple(
        str(layer["id"]) for layer in layers or [] if isinstance(layer, dict) and "id" in layer
    )


def _layers_in_tiles(
    archive: Archive, bounds: tuple[float, float, float, float] | None, zoom: int
) -> tuple[str, ...]:
    """The layer names found in the tiles of `zoom` over `bounds` (at most 16 tiles), for
    an archive whose metadata does not list them."""
    import mapbox_vector_tile

    from geo.basemap.features import tiles_covering

    found: dict[str, None] = {}
    for z, x, y in tiles_covering(bounds or (-180.0, -85.0, 180.0, 85.0), zoom)[:16]:
        data = archive.tile(z, x, y)
        if data:
            found.update(dict.fromkeys(mapbox_vector_tile.decode(data)))
    return tuple(found)


def _with_layers(archive: Archive, path: Path) -> Archive:
    """`archive`, its layers found in its tiles when its metadata names none; refused
    when there are none at all (nothing could be drawn)."""
    info = archive.info
    if not info.layers:
        layers = _layers_in_tiles(archive, info.bounds, info.minzoom)
        if not layers:
            archive.close()
            raise InputError(
                "the archive names no vector layer and its tiles hold none", file=str(path)
            )
        archive.info = replace(info, layers=layers)
    return archive


class PMTilesArchive(Archive):
    """A PMTiles v3 archive, memory-mapped."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("rb")
        try:
            self._reader = Reader(MmapSource(self._file))
            header = self._reader.header()
        except (OSError, MagicNumberNotFound, ValueError, IndexError) as exc:
            self._file.close()
            raise InputError("not a readable PMTiles archive", file=str(path)) from exc
        except SpecVersionUnsupported as exc:
            self._file.close()
            raise InputError(
                "PMTiles before version 3 is not read; convert it with `pmtiles convert` first",
                file=str(path),
            ) from exc
        try:
            if header["tile_type"] != TileType.MVT:
                raise InputError(
                    f"not vector tiles: this archive holds {header['tile_type'].name.lower()} "
                    "tiles (a base map must be Mapbox Vector Tiles)",
                    file=str(path),
                )
            if header["tile_compression"] not in (
                Compression.NONE,
                Compression.GZIP,
                Compression.UNKNOWN,
            ):
                raise InputError(
                    f"tiles compressed with {header['tile_compression'].name.lower()}; "
                    "civicgrid reads gzip or uncompressed tiles",
                    file=str(path),
                )
            if header["addressed_tiles_count"] == 0:
                raise InputError("the archive holds no tiles", file=str(path))
            meta = self._reader.metadata()
        except InputError:
            self._file.close()
            raise
        except (ValueError, IndexError, OSError, EOFError, UnicodeDecodeError) as exc:
            self._file.close()
            raise InputError(
                "not a readable PMTiles archive (its metadata is damaged)", file=str(path)
            ) from exc
        self._gzip = header["tile_compression"] == Compression.GZIP
        e7 = 1e7
        self.info = ArchiveInfo(
            format="pmtiles",
            minzoom=header["min_zoom"],
            maxzoom=header["max_zoom"],
            bounds=(
                header["min_lon_e7"] / e7,
                header["min_lat_e7"] / e7,
                header["max_lon_e7"] / e7,
                header["max_lat_e7"] / e7,
            ),
            layers=_vector_layers(meta),
            name=meta.get("name"),
            attribution=meta.get("attribution"),
        )

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        if not valid_tile(z, x, y):
            return None
        data = self._reader.get(z, x, y)
        if data is None:
            return None
        return gzip.decompress(data) if self._gzip else _gunzip(data)

    def close(self) -> None:
        self._file.close()


class MBTilesArchive(Archive):
    """An MBTiles archive (SQLite, opened read-only; rows are TMS: y counted from the south)."""

    def __init__(self, path: Path) -> None:
        try:
            self._db = sqlite3.connect(
                f"file:{path.resolve()}?mode=ro", uri=True, check_same_thread=False
            )
            meta = dict(self._db.execute("SELECT name, value FROM metadata").fetchall())
            zooms = self._db.execute(
                "SELECT min(zoom_level), max(zoom_level) FROM tiles"
            ).fetchone()
        except sqlite3.Error as exc:
            raise InputError(f"not an MBTiles archive ({exc})", file=str(path)) from exc
        self._lock = threading.Lock()
        fmt = str(meta.get("format", "")).lower()
        if fmt not in MVT_FORMATS:
            self._db.close()
            raise InputError(
                f"not vector tiles: this archive holds {fmt or 'unnamed'} tiles "
                "(a base map must be Mapbox Vector Tiles, format pbf)",
                file=str(path),
            )
        if zooms[0] is None:
            self._db.close()
            raise InputError("the archive holds no tiles", file=str(path))
        try:
            extra = json.loads(meta.get("json") or "{}")
        except json.JSONDecodeError as exc:
            self._db.close()
            raise InputError("its metadata `json` is not JSON", file=str(path)) from exc
        self.info = ArchiveInfo(
            format="mbtiles",
            minzoom=int(zooms[0]),
            maxzoom=int(zooms[1]),
            bounds=_bounds(meta.get("bounds")),
            layers=_vector_layers(extra),
            name=meta.get("name"),
            attribution=meta.get("attribution"),
        )

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        if not valid_tile(z, x, y):
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                "AND tile_row = ?",
                (z, x, (1 << z) - 1 - y),
            ).fetchone()
        return None if row is None else _gunzip(bytes(row[0]))

    def close(self) -> None:
        self._db.close()


def _bounds(text: str | None) -> tuple[float, float, float, float] | None:
    """MBTiles `bounds` ("w,s,e,n") as floats; None when absent or malformed."""
    try:
        w, s, e, n = (float(v) for v in str(text).split(","))
    except ValueError:
        return None
    return w, s, e, n


def open_archive(path: Path) -> Archive:
    """Open `path` as a PMTiles or MBTiles vector archive (decided by its first bytes)."""
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except FileNotFoundError as exc:
        raise InputError("no such file", file=str(path)) from exc
    except IsADirectoryError as exc:
        raise InputError("a folder, not an archive file", file=str(path)) from exc
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})", file=str(path)) from exc
    if head.startswith(PMTILES_MAGIC):
        return _with_layers(PMTilesArchive(path), path)
    if head.startswith(SQLITE_MAGIC):
        return _with_layers(MBTilesArchive(path), path)
    raise InputError("not a vector-tile archive (PMTiles or MBTiles expected)", file=str(path))

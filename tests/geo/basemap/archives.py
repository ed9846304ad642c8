"""Small vector-tile archives for the base-map tests, built with the tools a GIS unit
uses: GDAL's MBTiles driver (MVT tiles, gzip, TMS rows) from a GeoPackage, and
protomaps' converter for the PMTiles twin."""

from __future__ import annotations

import gzip
import sqlite3
import subprocess
from pathlib import Path

import geopandas as gpd
from pmtiles.convert import mbtiles_to_pmtiles


def build_mbtiles(
    layers: dict[str, gpd.GeoDataFrame], out: Path, minzoom: int = 8, maxzoom: int = 13
) -> Path:
    """`layers` (name → WGS-84 GeoDataFrame) as an MBTiles of vector tiles (ogr2ogr)."""
    gpkg = out.with_suffix(".gpkg")
    gpkg.unlink(missing_ok=True)
    for name, frame in layers.items():
        frame.to_file(gpkg, layer=name, driver="GPKG")
    out.unlink(missing_ok=True)
    subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "MBTiles",
            str(out),
            str(gpkg),
            "-dsco",
            f"MINZOOM={minzoom}",
            "-dsco",
            f"MAXZOOM={maxzoom}",
        ],
        check=True,
        capture_output=True,
    )
    return out


def to_pmtiles(mbtiles: Path, out: Path) -> Path:
    out.unlink(missing_ok=True)
    mbtiles_to_pmtiles(str(mbtiles), str(out), None)
    return out


def raw_tile(mbtiles: Path, z: int, x: int, y: int) -> bytes | None:
    """Tile z/x/y (y from the north) read straight from the SQLite rows, gunzipped: the
    oracle the served bytes are compared with."""
    with sqlite3.connect(mbtiles) as db:
        row = db.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, (1 << z) - 1 - y),
        ).fetchone()
    return None if row is None else gzip.decompress(row[0])


def some_tiles(mbtiles: Path, z: int) -> list[tuple[int, int, int]]:
    """The z/x/y (y from the north) of every tile of zoom `z` in the archive."""
    with sqlite3.connect(mbtiles) as db:
        rows = db.execute(
            "SELECT tile_column, tile_row FROM tiles WHERE zoom_level = ? ORDER BY 1, 2", (z,)
        ).fetchall()
    return [(z, x, (1 << z) - 1 - row) for x, row in rows]

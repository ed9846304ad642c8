"""Base-map features as geometries (pure): for maps drawn without MapLibre (the meeting
brief's PDF) and for checking what an archive holds.

`tiles_covering` picks the tiles of one zoom over an extent, `decode` turns one tile's
MVT bytes into a GeoDataFrame in WGS-84 (`layer`, `class`, properties dropped): tile
coordinates (0…extent, y down) → Web-Mercator → degrees.
"""

from __future__ import annotations

import math

import geopandas as gpd
import mapbox_vector_tile
import numpy as np
import shapely
from shapely.geometry import shape

from geo.basemap.style import layer_class

WGS84 = "EPSG:4326"


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The tile of zoom `z` holding (lon, lat) (Web-Mercator, y from the north)."""
    n = 1 << z
    lat = max(min(lat, 85.0511), -85.0511)
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tiles_covering(bounds: tuple[float, float, float, float], z: int) -> list[tuple[int, int, int]]:
    """The z/x/y of every tile of zoom `z` over `bounds` (west, south, east, north)."""
    w, s, e, n = bounds
    x0, y0 = tile_xy(w, n, z)
    x1, y1 = tile_xy(e, s, z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def zoom_for(
    bounds: tuple[float, float, float, float], minzoom: int, maxzoom: int, max_tiles: int = 16
) -> int:
    """The highest zoom within [minzoom, maxzoom] whose tiles over `bounds` number at
    most `max_tiles` (at least `minzoom`)."""
    z = minzoom
    for cand in range(minzoom, maxzoom + 1):
        if len(tiles_covering(bounds, cand)) > max_tiles:
            break
        z = cand
    return z


def _to_lonlat(coords: np.ndarray, z: int, x: int, y: int, extent: int) -> np.ndarray:
    n = 1 << z
    gx = (x + coords[:, 0] / extent) / n
    gy = (y + coords[:, 1] / extent) / n
    lon = gx * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(math.pi * (1 - 2 * gy))))
    return np.column_stack([lon, lat])


def decode(data: bytes, z: int, x: int, y: int) -> gpd.GeoDataFrame:
    """The features of tile z/x/y (`data`: uncompressed MVT) with their `layer` and
    style `class`, in WGS-84."""
    rows, geoms = [], []
    for layer, content in mapbox_vector_tile.decode(
        data, default_options={"y_coord_down": True}
    ).items():
        extent = content.get("extent", 4096)
        for feature in content["features"]:
            geom = shape(feature["geometry"])
            geoms.append(shapely.transform(geom, lambda c, e=extent: _to_lonlat(c, z, x, y, e)))
            rows.append({"layer": layer, "class": layer_class(layer)})
    frame = gpd.GeoDataFrame(rows, columns=["layer", "class"], geometry=geoms, crs=WGS84)
    return frame

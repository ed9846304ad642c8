"""Geometry helpers shared by the grid functions: metric projection, polygonal parts."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.config import Settings

WGS84 = "EPSG:4326"
#: the city's metric CRS (the settings' value: no environment variable changes it)
METRIC = Settings.metric_crs
POLYGON, COLLECTION = 3, 7


def to_metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """`gdf` in the city's metric CRS (WGS-84 assumed when it has none)."""
    if gdf.crs is None:
        gdf = gdf.set_crs(WGS84)
    return gdf.to_crs(METRIC)


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """One MultiPolygon (maybe empty) per geometry, keeping only its polygon parts.

    An overlay of two touching polygons also yields lines and points; those have no
    area and must not show up as problems or changes.
    """
    geoms = np.asarray(geoms, dtype=object)
    parts, index = shapely.get_parts(geoms, return_index=True)
    nested = shapely.get_type_id(parts) == COLLECTION
    if nested.any():
        sub, sub_idx = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        index = np.concatenate([index[~nested], index[nested][sub_idx]])
    keep = shapely.get_type_id(parts) == POLYGON
    parts, index = parts[keep], index[keep]
    order = np.argsort(index, kind="stable")
    out = np.array([shapely.MultiPolygon()] * len(geoms), dtype=object)
    if len(parts):
        shapely.multipolygons(parts[order], indices=index[order], out=out)
    return out


def repaired(geoms: np.ndarray) -> np.ndarray:
    """Valid polygonal versions of `geoms` (make_valid, then polygon parts only)."""
    geoms = np.asarray(geoms, dtype=object).copy()
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms[bad] = polygonal(shapely.make_valid(geoms[bad]))
    return geoms

"""Geometry helpers shared by the grid functions: metric projection, polygonal parts."""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from geo.config import Settings

WGS84 = "EPSG:4326"
#: the city's metric CRS (the settings' value: no environment variable changes it)
METRIC = Settings.metric_crs
POLYGON, COLLECTION = 3, 7
#: polygon parts and holes smaller than this (m²) are digitising or overlay slivers
SLIVER_M2 = 1.0


def to_metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """`gdf` in the city's metric CRS (WGS-84 assumed when it has none)."""
    if gdf.crs is None:
        gdf = gdf.set_crs(WGS84)
    if not CRS(gdf.crs).equals(WGS84):
        return gdf.to_crs(METRIC)
    forward = _wgs84_to_metric()
    moved = shapely.transform(
        gdf.geometry.to_numpy(), lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1]))
    )
    return gdf.set_geometry(
        gpd.GeoSeries(moved, index=gdf.index, crs=METRIC, name=gdf.geometry.name)
    )


@cache
def _wgs84_to_metric() -> Transformer:
    """WGS-84 → METRIC as the PROJ pipeline that `from_crs` chooses (the same numbers as
    `to_crs`). pyproj makes a transformer again in each thread that uses it: from the
    pipeline in under a millisecond, from the CRS pair in ~45 ms (its operation is looked
    up in PROJ's database again), which each server thread's first grid edit paid."""
    chosen = Transformer.from_crs(WGS84, METRIC, always_xy=True)
    return Transformer.from_pipeline(chosen.definition)


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


def without_slivers(geoms: np.ndarray, crs=WGS84, tolerance_m2: float = SLIVER_M2) -> np.ndarray:
    """`geoms` (polygonal, in `crs`) without the parts and holes under `tolerance_m2`.

    Areas are measured in the city's metric CRS, but the shapes kept are the given
    ones, untouched (no round trip through another CRS that could pinch them again).
    A geometry whose parts are all slivers is kept whole: it is a grid, not dust.
    Overlays and reprojection leave parts of 1e-9 m² and holes of 1e-5 m² behind,
    which a shapefile would carry as extra rings.
    """
    geoms = np.asarray(geoms, dtype=object).copy()
    parts, index = shapely.get_parts(geoms, return_index=True)
    if not len(parts):
        return geoms
    area = _metric_areas(parts, crs)
    keep = area >= tolerance_m2
    for i in np.unique(index):
        mine = index == i
        chosen = parts[mine & keep] if (mine & keep).any() else parts[mine]
        cleaned = [_without_small_holes(p, crs, tolerance_m2) for p in chosen]
        if len(cleaned) != mine.sum() or any(
            c is not p for c, p in zip(cleaned, chosen, strict=True)
        ):
            geoms[i] = shapely.MultiPolygon(cleaned)
    return geoms


def _metric_areas(geoms, crs) -> np.ndarray:
    """Areas in m² of `geoms` given in `crs`."""
    return to_metric(gpd.GeoDataFrame(geometry=list(geoms), crs=crs)).area.to_numpy()


def _without_small_holes(polygon, crs, tolerance_m2: float):
    """`polygon` itself when no hole is a sliver, else a copy without those holes."""
    holes = [shapely.Polygon(r) for r in polygon.interiors]
    if not holes:
        return polygon
    area = _metric_areas(holes, crs)
    if (area >= tolerance_m2).all():
        return polygon
    return shapely.Polygon(
        polygon.exterior,
        [h.exterior for h, a in zip(holes, area, strict=True) if a >= tolerance_m2],
    )

"""Polygon layers (boundaries, grids): geometries into WGS-84 MultiPolygons.

Polygons are stored normalised (shapely.normalize), so a re-load of the same shapes
from another format is 'unchanged'. Invalid polygons are repaired with shapely's make_valid (keeping the polygonal parts)
and counted as repaired; a geometry that is missing, not polygonal, or empty after the
repair is rejected as invalid_geometry.
"""

from __future__ import annotations

import numpy as np
import shapely

from etl import validate as v
from etl.coords import offset_warning
from etl.loaders.rows import Rows
from geo.crs import CGCS2000, WGS84, transform_geometries
from geo.db.copy import Column
from geo.errors import InputError

_POLYGON, _MULTIPOLYGON = 3, 6


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry | None:
    """The polygonal part of a geometry as a MultiPolygon (None when there is none)."""
    parts = [
        p for p in shapely.get_parts(geom) if shapely.get_type_id(p) == _POLYGON and not p.is_empty
    ]
    if not parts:
        collections = [
            p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (_MULTIPOLYGON, 7)
        ]
        for c in collections:
            parts.extend(p for p in shapely.get_parts(c) if shapely.get_type_id(p) == _POLYGON)
    return shapely.MultiPolygon(parts) if parts else None


def repair_warning(repaired: np.ndarray, loaded_idx: np.ndarray) -> str | None:
    """The warning for the polygons make_valid repaired among the rows loaded.

    Counted over the loaded rows only, as the load's `repaired` figure is: a repaired
    row rejected later (unknown parent, duplicate…) was not loaded repaired.
    """
    rows_repaired = np.sort(loaded_idx[repaired[loaded_idx]])
    if not len(rows_repaired):
        return None
    numbers = ", ".join(str(i + 1) for i in rows_repaired[:10])
    return (
        f"{len(rows_repaired)} invalid polygon(s) repaired with make_valid "
        f"(rows {numbers}{' …' if len(rows_repaired) > 10 else ''})"
    )


def shape(rows: Rows) -> None:
    """Set rows.geoms (WGS-84 MultiPolygons), repairing what make_valid can repair."""
    if rows.geometry is None:
        raise InputError(
            f"{rows.schema.kind} need polygons: give a Shapefile, GeoPackage or GeoJSON"
        )
    g = np.asarray(rows.geometry, dtype=object)
    missing = shapely.is_missing(g) | shapely.is_empty(g)
    rows.verdict.reject(missing, "missing_geometry", "geometry")
    if rows.crs not in (WGS84, CGCS2000):
        g = np.asarray(transform_geometries(g, rows.crs, WGS84), dtype=object)
    out = np.full(rows.n, None, dtype=object)
    repaired = np.zeros(rows.n, dtype=bool)
    types = shapely.get_type_id(g)
    valid = shapely.is_valid(g)
    for i in np.flatnonzero(~missing):
        geom = g[i]
        if valid[i] and types[i] == _MULTIPOLYGON:
            out[i] = geom
        elif valid[i] and types[i] == _POLYGON:
            out[i] = shapely.MultiPolygon([geom])
        else:
            fixed = _polygonal(geom if valid[i] else shapely.make_valid(geom))
            if fixed is None or fixed.is_empty:
                rows.verdict.reject(np.arange(rows.n) == i, "invalid_geometry", "geometry")
                continue
            out[i] = fixed
            repaired[i] = not valid[i]
    present = out != None  # noqa: E711 - elementwise on an object array
    centre = np.full((rows.n, 2), np.nan)
    if present.any():
        c = shapely.centroid(out[present])
        centre[present] = np.column_stack([shapely.get_x(c), shapely.get_y(c)])
    rows.verdict.reject(
        present & v.off_globe(centre[:, 0], centre[:, 1]), "bad_coordinates", "geometry"
    )
    rows.verdict.reject(
        present & ~v.in_china(centre[:, 0], centre[:, 1]), "outside_city", "geometry"
    )
    present_idx = np.flatnonzero(out != None)  # noqa: E711
    # canonical ring order and orientation: the same shape from any format compares equal
    out[present_idx] = shapely.normalize(out[present_idx])
    rows.geoms, rows.repaired = out, repaired
    if rows.schema.kind == "grids" and len(present_idx):  # boundaries define the city itself
        xy = shapely.get_coordinates(out[present_idx])
        warning = offset_warning(rows.context.city, xy[:, 0], xy[:, 1], rows.crs)
        if warning:
            rows.warnings.append(warning.replace("points", "grid vertices"))
    rows.lon, rows.lat = centre[:, 0], centre[:, 1]


def geometry_column(rows: Rows) -> Column:
    """The WGS-84 MultiPolygons as EWKB (SRID 4326); rejected rows carry an empty one."""
    geoms = np.where(rows.geoms == None, shapely.MultiPolygon(), rows.geoms)  # noqa: E711
    geoms = shapely.set_srid(geoms.astype(object), 4326)
    return Column("geom", "geometry", shapely.to_wkb(geoms, include_srid=True))

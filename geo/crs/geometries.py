"""Shapely geometries between coordinate systems, and into the city's metric CRS."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike

from geo.config import Settings
from geo.crs.names import crs_of, normalise_name
from geo.crs.points import transform


def transform_geometries(
    geoms: gpd.GeoSeries | ArrayLike, src: str, dst: str = "wgs84"
) -> gpd.GeoSeries | np.ndarray:
    """Every vertex of `geoms` from `src` to `dst`, in one vectorised pass (2-D result).

    A GeoSeries comes back as a GeoSeries with the same index and the CRS of `dst` (None
    for GCJ-02/BD-09, which are not EPSG systems); anything else as an array of shapely
    geometries. Missing geometries stay missing.
    """
    src, dst = normalise_name(src), normalise_name(dst)

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = transform(xy[:, 0], xy[:, 1], src, dst)
        return np.column_stack([x, y])

    if isinstance(geoms, gpd.GeoSeries):
        moved = shapely.transform(geoms.values, move)
        return gpd.GeoSeries(moved, index=geoms.index, crs=crs_of(dst), name=geoms.name)
    return shapely.transform(np.asarray(geoms, dtype=object), move)


def metric(
    geoms: gpd.GeoSeries | gpd.GeoDataFrame, crs: str = Settings.metric_crs
) -> gpd.GeoSeries | gpd.GeoDataFrame:
    """`geoms` in the city's metric CRS `crs` (the settings' default), for areas and distances.

    Input without a CRS is taken to be WGS-84 (how civicgrid stores geometries).
    """
    if geoms.crs is None:
        geoms = geoms.set_crs("EPSG:4326")
    return geoms.to_crs(crs)

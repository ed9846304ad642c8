"""Constructed grid versions in metric coordinates (EPSG:4549), returned in WGS-84."""

from __future__ import annotations

import geopandas as gpd
import shapely

# a point in Suzhou on the 120°E Gauss-Kruger grid (x = 500 km false easting)
X0, Y0 = 500_000.0, 3_460_000.0


def box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    """A rectangle in metres relative to the origin above."""
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def poly(*xy: tuple[float, float]) -> shapely.Polygon:
    return shapely.Polygon([(X0 + x, Y0 + y) for x, y in xy])


def frame(rows: list[dict]) -> gpd.GeoDataFrame:
    """Rows with a `geometry` in metres → a WGS-84 GeoDataFrame."""
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4549").to_crs("EPSG:4326")

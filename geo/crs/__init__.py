"""Coordinate systems of Chinese city data: WGS-84, GCJ-02, BD-09, CGCS2000 and EPSG codes.

Public entry points:
- `to_wgs84(lon, lat, src)`, `from_wgs84(lon, lat, dst)`, `transform(lon, lat, src, dst)`
- `normalise_name(src)`, `from_prj(wkt_or_crs)`, `crs_of(name)`
- `transform_geometries(geoms, src, dst)`, `metric(geoseries)`
"""

from geo.crs.geometries import metric, transform_geometries
from geo.crs.names import BD09, CGCS2000, GCJ02, NAMED, WGS84, crs_of, from_prj, normalise_name
from geo.crs.points import from_wgs84, to_wgs84, transform

__all__ = [
    "BD09",
    "CGCS2000",
    "GCJ02",
    "NAMED",
    "WGS84",
    "crs_of",
    "from_prj",
    "from_wgs84",
    "metric",
    "normalise_name",
    "to_wgs84",
    "transform",
    "transform_geometries",
]

"""Exports for auditors: any layer or analysis result to shp, gpkg, geojson or csv.

- `write(gdf, path, fmt, encoding="utf-8", crs="EPSG:4490")` — one GeoDataFrame to files.
"""

from geo.export.formats import FORMATS, write

__all__ = ["FORMATS", "write"]

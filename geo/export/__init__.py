"""Exports for auditors: any layer or analysis result to shp, gpkg, geojson or csv.

- `write(gdf, path, fmt, encoding="utf-8", crs="EPSG:4490")` — one GeoDataFrame to files
  (returns the paths written).
- `export_layer(layer, fmt, out, version=, where=, date_from=, date_to=, category=,
  encoding=, crs=, user=)` — read a layer from PostGIS, write it, zip it with a manifest,
  log it; returns `ExportResult(path, manifest, export_id)`.
- `layer_names()`, `versions(layer)`, `categories(layer)`, `districts()`, `history(limit)` —
  the choices and the log of past exports, for the CLI and the dashboard.
"""

from geo.export.catalogue import Filters
from geo.export.formats import FORMATS, write
from geo.export.history import history
from geo.export.package import ExportResult, export_layer
from geo.export.prepare import ENCODINGS
from geo.export.store import categories, districts, layer_names, read_layer, versions

__all__ = [
    "ENCODINGS",
    "FORMATS",
    "ExportResult",
    "Filters",
    "categories",
    "districts",
    "export_layer",
    "history",
    "layer_names",
    "read_layer",
    "versions",
    "write",
]

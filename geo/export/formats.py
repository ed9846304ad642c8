"""`write(gdf, path, fmt, encoding, crs)`: one layer to shp, gpkg, geojson or csv.

GeoPackage and GeoJSON are UTF-8 by definition, so `encoding` applies to shapefiles and
CSV only (asking for GBK there is refused rather than ignored). CSV carries the geometry
as WKT in a column named `WKT` (which GDAL's CSV driver reads as the geometry), with a
`.csvt` naming each column's type and a `.prj`, so GDAL reads it back typed.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.errors import InputError
from geo.export.prepare import (
    TargetCrs,
    check_text,
    coerce,
    is_dates,
    normalise_encoding,
    reproject,
    target_crs,
)
from geo.export.privacy import drop_personal
from geo.export.shapefile import write_shapefile

FORMATS = ("shp", "gpkg", "geojson", "csv")
SUFFIX = {"shp": ".shp", "gpkg": ".gpkg", "geojson": ".geojson", "csv": ".csv"}
_UTF8_ONLY = {"gpkg": "GeoPackage", "geojson": "GeoJSON"}


def _write_prj(target: TargetCrs, path: Path) -> Path:
    path.write_text(target.declared.to_wkt("WKT1_ESRI"), encoding="ascii")
    return path


def _csvt_type(col: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(col):
        return "Integer(Boolean)"
    if pd.api.types.is_integer_dtype(col):
        return "Integer64"
    if pd.api.types.is_float_dtype(col):
        return "Real"
    return "String"


def write_csv(
    gdf: gpd.GeoDataFrame,
    path: Path,
    encoding: str,
    target: TargetCrs,
    date_columns: tuple[str, ...] = (),
    datetime_columns: tuple[str, ...] = (),
) -> list[Path]:
    """CSV with a `WKT` geometry column, plus `.csvt` (column types) and `.prj`."""
    geom = gdf.geometry.name
    table = pd.DataFrame(gdf.drop(columns=geom))
    types = ["WKT"] + [
        "Date"
        if c in date_columns
        else "DateTime"
        if c in datetime_columns
        else _csvt_type(table[c])
        for c in table.columns
    ]
    for c in table.columns:
        if pd.api.types.is_bool_dtype(table[c]):
            table[c] = table[c].map({True: 1, False: 0}).astype("Int64")
    wkt = gdf.geometry.to_wkt()
    table.insert(0, "WKT", wkt.where(gdf.geometry.notna(), None))
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    table.to_csv(path, index=False, encoding=codec, lineterminator="\r\n")
    csvt = path.with_suffix(".csvt")
    csvt.write_text(",".join(f'"{t}"' for t in types), encoding="ascii")
    return [path, csvt, _write_prj(target, path.with_suffix(".prj"))]


def write(
    gdf: gpd.GeoDataFrame,
    path: str | Path,
    fmt: str,
    encoding: str = "utf-8",
    crs: str = "EPSG:4490",
) -> list[Path]:
    """Write `gdf` (EPSG:4326) to `path` as `fmt`; returns every file written.

    `fmt`: shp, gpkg, geojson or csv. `encoding`: utf-8 or gbk (shp and csv). `crs`:
    EPSG:4490 (CGCS2000, default), EPSG:4326, any EPSG code, or gcj02/bd09 (coordinates
    converted; the file declares WGS 84 since those systems have no standard definition).
    Personal columns are always dropped (geo.export.privacy).
    """
    fmt = str(fmt).lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; use {', '.join(FORMATS)}")
    encoding = normalise_encoding(encoding)
    if fmt in _UTF8_ONLY and encoding != "utf-8":
        raise InputError(
            f"{_UTF8_ONLY[fmt]} is always UTF-8; --encoding gbk applies to shp and csv"
        )
    path = Path(path)
    if path.suffix.lower() != SUFFIX[fmt]:
        path = path.with_suffix(SUFFIX[fmt])
    path.parent.mkdir(parents=True, exist_ok=True)
    target = target_crs(crs)
    frame, _ = drop_personal(gdf)
    frame = reproject(gpd.GeoDataFrame(frame, geometry=gdf.geometry.name, crs=gdf.crs), target)
    if fmt == "shp":
        return write_shapefile(frame, path, encoding)
    typed = coerce(frame, fmt)
    check_text(typed, encoding, file=path.name)
    if fmt == "csv":
        dates = tuple(c for c in typed.columns if c in frame.columns and is_dates(frame[c]))
        stamps = tuple(c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c]))
        return write_csv(typed, path, encoding, target, dates, stamps)
    driver = {"gpkg": "GPKG", "geojson": "GeoJSON"}[fmt]
    if path.exists():
        path.unlink()
    # GeoPackage 1.2: what GDAL < 3.8, QGIS 3.x and ArcGIS read without a warning
    options = {"VERSION": "1.2"} if fmt == "gpkg" else None
    pyogrio.write_dataframe(
        typed, path, driver=driver, layer=path.stem, use_arrow=True, dataset_options=options
    )
    return [path]

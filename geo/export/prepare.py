"""Make a GeoDataFrame fit a file format: target coordinate system, value types, encoding.

Pure functions: no files are written here. Input geometries are WGS-84 (EPSG:4326),
as civicgrid stores them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyproj

from geo import localtime
from geo.crs import crs_of, normalise_name, transform_geometries
from geo.errors import InputError

#: encodings an export may use → how a .cpg names them
ENCODINGS = {"utf-8": "UTF-8", "gbk": "GBK"}
_ENCODING_ALIASES = {
    "utf8": "utf-8",
    "utf_8": "utf-8",
    "utf-8": "utf-8",
    "gbk": "gbk",
    "cp936": "gbk",
    "936": "gbk",
}

#: local time of the data (China Standard Time); date-times are exported in it

#: integers beyond this lose precision in programs that read dBASE numbers as doubles
EXACT_DOUBLE = 2**53


@dataclass(frozen=True)
class TargetCrs:
    """The coordinate system asked for, the one the file declares, and why they differ."""

    name: str  # canonical: 'cgcs2000', 'wgs84', 'gcj02', 'bd09' or 'EPSG:n'
    declared: pyproj.CRS  # written to .prj / the file's SRS
    note: str | None = None


def normalise_encoding(encoding: str) -> str:
    """'utf-8' or 'gbk' for any usual spelling; InputError otherwise."""
    key = str(encoding).strip().lower()
    if key not in _ENCODING_ALIASES:
        raise InputError(f"unsupported export encoding {encoding!r}; use utf-8 or gbk")
    return _ENCODING_ALIASES[key]


def target_crs(crs: str) -> TargetCrs:
    """Resolve `crs` ('EPSG:4490', 'EPSG:4326', 'gcj02', any EPSG code …) for writing."""
    name = normalise_name(crs)
    declared = crs_of(name)
    if declared is not None:
        return TargetCrs(name, declared)
    label = {"gcj02": "GCJ-02", "bd09": "BD-09"}.get(name, name)
    return TargetCrs(
        name,
        pyproj.CRS.from_epsg(4326),
        note=(
            f"coordinates are {label} (a Chinese offset system), which has no EPSG code or "
            "standard .prj; the files declare WGS 84 (EPSG:4326), so GIS programs place them "
            f"within ~500 m of the truth / 坐标为{label}，无标准投影文件，文件声明为 WGS 84"
        ),
    )


def reproject(gdf: gpd.GeoDataFrame, target: TargetCrs) -> gpd.GeoDataFrame:
    """`gdf` (WGS-84) with coordinates in `target` and the declared CRS set."""
    src = gdf.crs.to_epsg() if gdf.crs is not None else 4326
    if src not in (4326, 4490):
        raise InputError(f"export input must be WGS-84 (EPSG:4326), got {gdf.crs.name!r}")
    out = gdf.copy()
    if target.name in ("wgs84", "cgcs2000"):  # equal at the metre level (DESIGN.md)
        return out.set_crs(target.declared, allow_override=True)
    geoms = gpd.GeoSeries(out.geometry.values, index=out.index)
    moved = transform_geometries(geoms, "wgs84", target.name)
    return out.set_geometry(
        gpd.GeoSeries(np.asarray(moved.values), index=out.index, crs=target.declared),
        crs=target.declared,
    )


def is_dates(col: pd.Series) -> bool:
    values = col.dropna()
    return len(values) > 0 and all(
        isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in values
    )


def _jsonish(value: object) -> object:
    """Text for a value of a mixed column: dicts and lists as JSON, others as str."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value if isinstance(value, str) else str(value)


def _as_text(col: pd.Series) -> pd.Series:
    return col.map(
        lambda v: (
            None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)
        )
    ).astype(object)


def _local_iso(col: pd.Series) -> pd.Series:
    local = col.dt.tz_convert(localtime.TZ) if col.dt.tz is not None else col
    return local.map(lambda v: None if pd.isna(v) else v.isoformat()).astype(object)


def coerce(gdf: gpd.GeoDataFrame, fmt: str) -> gpd.GeoDataFrame:
    """Value types every target format holds exactly.

    - dates (``datetime.date``) become Arrow date32, so GDAL writes real Date fields
      (csv: ISO text);
    - date-times go to local time (fixed UTC+8, geo.localtime; GeoPackage: UTC, as its standard asks);
      shapefile and csv get ISO 8601 text with the offset (dBASE has no date-time type);
    - integers become nullable Int64 (GDAL Integer64); in a shapefile, integers beyond
      2**53 become text, since dBASE readers that use doubles would round them;
    - other object columns become text (dicts and lists as JSON).
    """
    out = gdf.copy()
    out.columns = [str(c) for c in out.columns]
    geom = out.geometry.name
    for name in out.columns:
        if name == geom:
            continue
        col = out[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            if fmt in ("shp", "csv"):
                out[name] = _local_iso(col)
            elif col.dt.tz is not None:  # GeoPackage stores UTC ('Z') by its standard
                out[name] = col.dt.tz_convert("UTC" if fmt == "gpkg" else localtime.TZ)
        elif pd.api.types.is_bool_dtype(col) or pd.api.types.is_float_dtype(col):
            continue
        elif pd.api.types.is_integer_dtype(col):
            big = col.dropna().abs().max() if col.notna().any() else 0
            if int(big) >= (EXACT_DOUBLE if fmt == "shp" else 2**63):
                out[name] = _as_text(col)
            else:
                out[name] = col.astype("Int64")
        elif is_dates(col):
            if fmt == "csv":
                out[name] = _as_text(col)
            else:
                out[name] = pd.array(
                    list(col.where(col.notna(), None)), dtype=pd.ArrowDtype(pa.date32())
                )
        elif col.dtype == object:
            out[name] = col.map(_jsonish)
    return out


def strings(col: pd.Series) -> pa.Array:
    """A column's text values as an Arrow string array (non-text values as null)."""
    if hasattr(col.array, "__arrow_array__") and pd.api.types.is_string_dtype(col):
        arr = pa.array(col.array)  # pandas' Arrow-backed str: no copy
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            return arr
    try:  # strings and missing values only: converted in C
        arr = pa.array(col.to_numpy(dtype=object), from_pandas=True)
        if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
            return arr
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    values = col.to_numpy(dtype=object)
    return pa.array([v if isinstance(v, str) else None for v in values], type=pa.large_string())


def text_bytes(col: pd.Series, encoding: str) -> np.ndarray:
    """Bytes each text value takes in `encoding` (0 for missing or non-text values).

    Computed in Arrow: UTF-8 is the byte length; GBK puts every non-ASCII character it
    can hold in two bytes, so its length is 2 x characters - ASCII characters.
    """
    arr = strings(col)
    if encoding == "utf-8":
        sizes = pc.binary_length(arr)
    else:
        ascii_count = pc.utf8_length(pc.replace_substring_regex(arr, r"[^\x00-\x7f]", ""))
        sizes = pc.subtract(pc.multiply(pc.utf8_length(arr), 2), ascii_count)
    return pc.fill_null(sizes, 0).to_numpy(zero_copy_only=False).astype(np.int64)


def _first_unencodable(col: pd.Series, encoding: str) -> tuple[int, str] | None:
    """(position, character) of the first value `encoding` cannot hold, or None.

    The values are encoded as one joined string (one C call), so the common case costs
    no Python loop; the position of a failure maps back to its row.
    """
    values = [v if isinstance(v, str) else "" for v in col.to_numpy(dtype=object)]
    joined = "\n".join(values)
    try:
        joined.encode(encoding)
    except UnicodeEncodeError as exc:
        row = joined.count("\n", 0, exc.start)
        return row, joined[exc.start : exc.end]
    return None


def check_text(gdf: gpd.GeoDataFrame, encoding: str, file: str | None = None) -> None:
    """Every text value can be written in `encoding`.

    Raises InputError naming the row and field of the first value that cannot, instead
    of letting GDAL replace characters with '?'.
    """
    geom = gdf.geometry.name
    for name in gdf.columns:
        col = gdf[name]
        if name == geom or not (col.dtype == object or pd.api.types.is_string_dtype(col)):
            continue
        bad = _first_unencodable(col, encoding)
        if bad is not None:
            raise InputError(
                f"character {bad[1]!r} cannot be written in {encoding.upper()}; export in UTF-8",
                file=file,
                row=bad[0] + 1,
                field=name,
            )

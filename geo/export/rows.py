"""Rows read from PostGIS as pandas columns and GeoDataFrames, values kept exact.

Integers stay Int64 (nullable), booleans boolean, date-times UTC; a JSON attribute
column is spread into one column per key.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import BigInteger, Boolean, DateTime, Float, Integer, SmallInteger
from sqlalchemy.dialects.postgresql import JSONB

_INT = (Integer, BigInteger, SmallInteger)


def column(values: list, sqltype: object) -> pd.Series | pd.api.extensions.ExtensionArray:
    """Values of one SQL column with a pandas dtype that keeps them exact."""
    if isinstance(sqltype, _INT):
        return pd.array(values, dtype="Int64")
    if isinstance(sqltype, Boolean):
        return pd.array(values, dtype="boolean")
    if isinstance(sqltype, Float):
        return np.array([np.nan if v is None else v for v in values], dtype="float64")
    if isinstance(sqltype, DateTime):
        return pd.to_datetime(pd.Series(values, dtype=object), utc=True)
    return pd.Series(values, dtype=object)


def json_column(values: list) -> pd.Series | pd.api.extensions.ExtensionArray:
    """A JSON attribute as Int64 / float / boolean when all its values are, else objects."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pd.array(values, dtype="boolean")
    if present and all(
        isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63 for v in present
    ):
        return pd.array(values, dtype="Int64")
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else float(v) for v in values])
    return pd.Series(values, dtype=object)


def expand_json(frame: pd.DataFrame, column: str, dicts: list) -> pd.DataFrame:
    """Add the keys of JSON objects `dicts` as columns (a key clashing gets 'attr_')."""
    keys: list[str] = []
    for d in dicts:
        for k in d or {}:
            if k not in keys:
                keys.append(k)
    for key in keys:
        name = key if key not in frame.columns else f"attr_{key}"
        frame[name] = json_column([(d or {}).get(key) for d in dicts])
    return frame


def geoframe(rows: list, columns: list[tuple[str, object]], geom: str = "geom") -> gpd.GeoDataFrame:
    """Rows (the last value WKB bytes of `geom`) as a GeoDataFrame in EPSG:4326."""
    data: dict = {}
    expand: list[tuple[str, list]] = []
    for i, (name, sqltype) in enumerate(columns):
        values = [r[i] for r in rows]
        if isinstance(sqltype, JSONB):
            expand.append((name, values))
        elif name != geom:
            data[name] = column(values, sqltype)
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    for name, values in expand:
        frame = expand_json(frame, name, values)
    wkb = [r[len(columns) - 1] for r in rows]
    geoms = shapely.from_wkb(
        np.array([bytes(b) if b is not None else None for b in wkb], dtype=object)
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs="EPSG:4326"), crs="EPSG:4326")

"""Shared part of the vector readers: one pyogrio read into a `Source`."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError
from shapely.errors import GEOSException

from etl.readers.source import Source
from geo.crs import from_prj
from geo.errors import InputError

# an unclosed polygon ring reads as an empty geometry (a rejected row), not a GDAL warning
pyogrio.set_gdal_config_options({"OGR_GEOMETRY_ACCEPT_UNCLOSED_RING": "NO"})
#: GEOSException: geometries GEOS cannot build (an unclosed ring in a GeoJSON polygon)
_ERRORS = (
    DataSourceError,
    DataLayerError,
    GeometryError,
    FieldError,
    RuntimeError,
    ValueError,
    GEOSException,
)


def read_vector(
    path: Path,
    fmt: str,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    label: Path | None = None,
) -> Source:
    """All features of one layer: attributes as a DataFrame, geometries as shapely objects.

    The CRS the layer declares is normalised with `geo.crs.from_prj` (None when absent).
    GDAL warnings about damaged records become errors: a damaged file loads nothing.
    """
    kwargs = {"encoding": encoding} if encoding else {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            gdf = pyogrio.read_dataframe(path, layer=layer, **kwargs)
    except _ERRORS as exc:
        raise InputError(
            f"cannot read as {fmt}: {_first_line(exc)}", file=str(label or path)
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            f"attributes are not {encoding}: {exc.reason}", file=str(label or path)
        ) from exc
    crs = None
    if gdf.crs is not None:
        crs = from_prj(gdf.crs)
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    frame.index = pd.RangeIndex(len(frame))
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    return Source(path=label or path, format=fmt, frame=frame, geometry=geoms, crs=crs)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

"""Point layers: coordinates from 经度/纬度 columns or point geometries, into WGS-84.

Checks, in order: missing_coordinates, bad_coordinates (unparseable, off the globe),
swapped_coordinates (this row only makes sense with lon and lat exchanged — when most
rows do, the columns are exchanged for the whole file, with a warning), outside_city.
"""

from __future__ import annotations

import numpy as np
import shapely

from etl import validate as v
from etl.coords import offset_warning
from etl.loaders.plan import Plan
from etl.loaders.rows import Rows
from geo.crs import to_wgs84
from geo.db.copy import Column, points_ewkb
from geo.errors import InputError

NO_BOUNDARIES = "no city boundaries loaded: outside_city checked against China's extent only"


def _raw_xy(rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """Source x/y with missing and unparseable rows marked."""
    if rows.geometry is not None:
        g = rows.geometry
        missing = shapely.is_missing(g) | shapely.is_empty(g)
        point = shapely.get_type_id(g) == 0
        rows.verdict.reject(missing, "missing_coordinates", "geometry")
        rows.verdict.reject(~point, "invalid_geometry", "geometry")
        use = point & ~missing
        x = np.full(rows.n, np.nan)
        y = np.full(rows.n, np.nan)
        x[use], y[use] = shapely.get_x(g[use]), shapely.get_y(g[use])
        return x, y
    lon_col, lat_col = rows.col("lon"), rows.col("lat")
    if lon_col is None or lat_col is None:
        raise InputError("no coordinate columns (经度/lon and 纬度/lat)")
    x, bad_x = v.parse_float(lon_col)
    y, bad_y = v.parse_float(lat_col)
    rows.verdict.reject(v.is_blank(lon_col), "missing_coordinates", "lon")
    rows.verdict.reject(v.is_blank(lat_col), "missing_coordinates", "lat")
    rows.verdict.reject(bad_x, "bad_coordinates", "lon")
    rows.verdict.reject(bad_y, "bad_coordinates", "lat")
    return x, y


def _transform(x: np.ndarray, y: np.ndarray, crs: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """WGS-84 lon/lat and the rows that are in China only with x and y exchanged."""
    lon, lat = to_wgs84(x, y, crs)
    swapped = np.zeros(len(x), dtype=bool)
    finite = np.isfinite(x) & np.isfinite(y)
    away = np.flatnonzero(finite & ~v.in_china(lon, lat))
    if len(away):
        alt_lon, alt_lat = to_wgs84(y[away], x[away], crs)
        swapped[away] = v.in_china(alt_lon, alt_lat)
    return lon, lat, swapped


def locate(rows: Rows) -> None:
    """Set rows.lon / rows.lat (WGS-84) and reject rows whose position is unusable."""
    x, y = _raw_xy(rows)
    lon, lat, swapped = _transform(x, y, rows.crs)
    candidates = rows.verdict.ok & np.isfinite(x) & np.isfinite(y)
    if candidates.sum() and swapped[candidates].mean() > 0.5:
        rows.warnings.append(
            f"{swapped[candidates].mean():.0%} of rows have longitude and latitude the other way "
            "round: read the two columns exchanged"
        )
        x, y = y, x
        lon, lat, swapped = _transform(x, y, rows.crs)
    rows.verdict.reject(swapped, "swapped_coordinates", "lon")
    rows.verdict.reject(v.off_globe(lon, lat), "bad_coordinates", "lon")
    ok = rows.verdict.ok
    city = rows.context.city
    warning = offset_warning(city, lon[ok], lat[ok], rows.crs)
    if warning:
        rows.warnings.append(warning)
    if city is None:
        rows.warnings.append(NO_BOUNDARIES)
        outside = ~v.in_china(lon, lat)
    else:
        outside = np.ones(rows.n, dtype=bool)
        outside[ok] = ~v.inside(city, lon[ok], lat[ok])
    rows.verdict.reject(outside, "outside_city", "lon")
    rows.lon, rows.lat = lon, lat


def geometry_column(rows: Rows) -> Column:
    """The WGS-84 points as EWKB (SRID 4326) for binary COPY."""
    lon = np.where(np.isfinite(rows.lon), rows.lon, 0.0)
    lat = np.where(np.isfinite(rows.lat), rows.lat, 0.0)
    return Column("geom", "geometry", points_ewkb(lon, lat))


def named_sites(rows: Rows, table: str) -> Plan:
    """The plan shared by the layers of named points of a kind (facilities, key_sites):
    source key, name, kind (coded by its vocabulary, raw text kept), address and the
    located point."""
    key = rows.key()
    locate(rows)
    columns = [
        key,
        rows.text("name"),
        *rows.coded("kind"),
        rows.text("address"),
        geometry_column(rows),
    ]
    return Plan(table, columns, ["source_key"], key)

"""Point layers (incidents, rentals, hazards, facilities) read from PostGIS as GeoDataFrames.

The one reader of point rows for every package (grids, coverage, …): coordinates come
as numbers (ST_X/ST_Y) through Arrow (`geo.db.arrow`) and become points in one
vectorised call — the city's million incidents in about a second, never a WKB parse
per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine, text

from geo.db.arrow import read_frame

WGS84 = "EPSG:4326"
#: columns read per point layer by default (besides id, source_key and the point)
POINT_COLUMNS: dict[str, tuple[str, ...]] = {
    "incidents": ("occurred_at", "category"),
    "rentals": ("address", "rooms", "tenants", "last_inspected_at"),
    "hazards": ("name", "category", "risk_level", "address", "last_inspected_at"),
    "facilities": ("name", "kind", "address"),
    "key_sites": ("name", "kind", "address"),
}


def read_points(
    engine: Engine,
    table: str,
    where: str = "",
    params: Mapping[str, Any] | None = None,
    *,
    columns: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Rows of point layer `table` as WGS-84 points, ordered by id.

    `columns`: the attribute columns to read besides `id` (default: the layer's
    POINT_COLUMNS and `source_key`); `where`: an SQL condition with `:name` parameters
    bound from `params` (never user text).
    """
    if table not in POINT_COLUMNS:
        raise ValueError(f"not a point layer: {table}")
    wanted = ("source_key", *POINT_COLUMNS[table]) if columns is None else tuple(columns)
    select = ", ".join(("id", *wanted, "ST_X(geom) AS lon", "ST_Y(geom) AS lat"))
    sql = f"SELECT {select} FROM {table}" + (f" WHERE {where}" if where else "")
    frame = read_frame(engine, sql + " ORDER BY id", params)
    points = gpd.points_from_xy(frame.pop("lon"), frame.pop("lat"), crs=WGS84)
    return gpd.GeoDataFrame(frame, geometry=points, crs=WGS84)


def read_incidents(
    engine: Engine,
    since: dt.datetime | pd.Timestamp | None = None,
    until: dt.datetime | pd.Timestamp | None = None,
    columns: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Incidents with `occurred_at` in (since, until] (open ends when None), `occurred_at`
    as UTC timestamps; `columns` as in `read_points` (must hold `occurred_at`)."""
    clauses, params = [], {}
    if since is not None:
        clauses.append("occurred_at > :since")
        params["since"] = pd.Timestamp(since).to_pydatetime()
    if until is not None:
        clauses.append("occurred_at <= :until")
        params["until"] = pd.Timestamp(until).to_pydatetime()
    frame = read_points(engine, "incidents", " AND ".join(clauses), params, columns=columns)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame


def latest_incident(engine: Engine) -> pd.Timestamp | None:
    """When the latest incident occurred (None without incidents)."""
    with engine.connect() as conn:
        latest = conn.execute(text("SELECT max(occurred_at) FROM incidents")).scalar()
    return None if latest is None else pd.Timestamp(latest)

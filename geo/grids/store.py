"""Reading and writing grid versions, admin units and analysis results in PostGIS."""

from __future__ import annotations

import json
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, insert, text

from geo.db.tables import analysis_features, analysis_results
from geo.grids import versions
from geo.grids.geometry import WGS84, without_slivers

POINT_TABLES = ("incidents", "rentals", "hazards")
GRID_COLUMNS = ["grid_code", "name", "community_code", "town_code", "district_code", "kind",
                "households", "population"]


def read_grids(engine: Engine, version: str) -> gpd.GeoDataFrame:
    """The grids of `version` (WGS-84), one row per grid, `attributes` as dicts."""
    v = versions.get(engine, version)
    sql = text(f"SELECT {', '.join(GRID_COLUMNS)}, attributes, geom FROM grids "
               "WHERE version_id = :v ORDER BY grid_code")
    with engine.connect() as c:
        gdf = gpd.read_postgis(sql, c, geom_col="geom", params={"v": v.id})
    gdf = gdf.rename_geometry("geometry").set_crs(WGS84, allow_override=True)
    for column in ("households", "population"):
        gdf[column] = gdf[column].astype("Int64")
    return gdf


def read_units(engine: Engine, levels: tuple[str, ...] = ("district", "town", "community")
               ) -> gpd.GeoDataFrame:
    """Admin units of the given levels (WGS-84): code, name, level, parent_code, households."""
    sql = text("SELECT code, name, level, parent_code, households, population, geom "
               "FROM admin_units WHERE level = ANY(:levels) ORDER BY code")
    with engine.connect() as c:
        gdf = gpd.read_postgis(sql, c, geom_col="geom", params={"levels": list(levels)})
    return gdf.rename_geometry("geometry").set_crs(WGS84, allow_override=True)


def write_grids(conn: Connection, version_id: int, gdf: gpd.GeoDataFrame) -> int:
    """Insert the grids of `gdf` (WGS-84, GRID_COLUMNS + geometry) into a version.

    Every shape civicgrid writes (a proposal, an edited draft) is cleaned of sliver
    parts and holes first (geometry.without_slivers); loaded files go through the ETL
    and are kept as the district drew them.
    """
    gdf = gdf.to_crs(WGS84)
    gdf = gdf.set_geometry(without_slivers(gdf.geometry.to_numpy()), crs=WGS84)
    rows = []
    for record, geom in zip(gdf.drop(columns="geometry").to_dict("records"),
                            gdf.geometry, strict=True):
        row = {c: _plain(record.get(c)) for c in GRID_COLUMNS}
        attributes = record.get("attributes")
        row["attributes"] = json.dumps(attributes if isinstance(attributes, dict) else {},
                                       ensure_ascii=False, default=_plain)
        row["wkb"] = shapely.to_wkb(geom)
        row["version_id"] = version_id
        rows.append(row)
    if rows:
        conn.execute(text(
            f"INSERT INTO grids (version_id, {', '.join(GRID_COLUMNS)}, attributes, geom) "
            f"VALUES (:version_id, {', '.join(':' + c for c in GRID_COLUMNS)}, "
            "CAST(:attributes AS jsonb), ST_Multi(ST_GeomFromWKB(:wkb, 4326)))"), rows)
    return len(rows)


def read_points(engine: Engine, table: str, columns: tuple[str, ...] = (),
                where: str = "", params: dict[str, Any] | None = None) -> gpd.GeoDataFrame:
    """A point layer (incidents, rentals, hazards) as WGS-84 points with `columns`."""
    if table not in POINT_TABLES:
        raise ValueError(f"not a point layer: {table}")
    select = ", ".join(("id", *columns, "ST_X(geom) AS lon", "ST_Y(geom) AS lat"))
    sql = f"SELECT {select} FROM {table}" + (f" WHERE {where}" if where else "")
    with engine.connect() as c:
        frame = pd.read_sql(text(sql + " ORDER BY id"), c, params=params or {})
    points = gpd.points_from_xy(frame.pop("lon"), frame.pop("lat"), crs=WGS84)
    return gpd.GeoDataFrame(frame, geometry=points, crs=WGS84)


def read_recent_incidents(engine: Engine, days: int = 365) -> gpd.GeoDataFrame:
    """Incidents of the `days` up to the latest one (the data's own date, not today)."""
    with engine.connect() as c:
        latest = c.execute(text("SELECT max(occurred_at) FROM incidents")).scalar()
    if latest is None:
        return read_points(engine, "incidents", ("occurred_at",), "false")
    frame = read_points(engine, "incidents", ("occurred_at",),
                        "occurred_at > :since", {"since": latest - pd.Timedelta(days=days)})
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame


def save_result(conn: Connection | Engine, kind: str, params: dict[str, Any],
                summary: dict[str, Any], features: gpd.GeoDataFrame | None = None) -> int:
    """Store an analysis run (analysis_results) and its features (analysis_features)."""
    if isinstance(conn, Engine):
        with conn.begin() as c:
            return save_result(c, kind, params, summary, features)
    result_id = conn.execute(insert(analysis_results).values(
        kind=kind, params=_jsonable(params), summary=_jsonable(summary))
        .returning(analysis_results.c.id)).scalar_one()
    if features is not None and len(features):
        f = features.to_crs(WGS84)
        rows = [{"result_id": result_id, "properties": _jsonable(p),
                 "geom": None if g is None or g.is_empty else f"SRID=4326;{g.wkt}"}
                for p, g in zip(f.drop(columns="geometry").to_dict("records"), f.geometry,
                                strict=True)]
        conn.execute(insert(analysis_features), rows)
    return result_id


def _plain(value: Any) -> Any:
    """numpy/pandas scalars and missing values as plain Python."""
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _finite(value: Any) -> Any:
    """`value` with NaN and infinities (which JSON has no words for) as None, all through."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _jsonable(obj: Any) -> Any:
    """`obj` as plain JSON values: numpy/pandas scalars unwrapped, missing values null
    (a float NaN — a code column of a frame whose cells are all missing — included)."""
    return _finite(json.loads(json.dumps(obj, ensure_ascii=False, default=_plain)))

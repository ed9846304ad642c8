"""Reading and writing grid versions, admin units and analysis results in PostGIS."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely
from sqlalchemy import Connection, Engine, insert, select, text

from geo.db.tables import analysis_features, analysis_results
from geo.db.tables import grids as grids_table
from geo.grids import versions
from geo.grids.geometry import WGS84, without_slivers
from geo.jsonable import dumps, jsonable, plain

GRID_COLUMNS = [
    "grid_code",
    "name",
    "community_code",
    "town_code",
    "district_code",
    "kind",
    "households",
    "population",
]


def read_grids(engine: Engine, version: str) -> gpd.GeoDataFrame:
    """The grids of `version` (WGS-84), one row per grid, `attributes` as dicts."""
    v = versions.get(engine, version)
    sql = text(
        f"SELECT {', '.join(GRID_COLUMNS)}, attributes, geom FROM grids "
        "WHERE version_id = :v ORDER BY grid_code"
    )
    with engine.connect() as c:
        gdf = gpd.read_postgis(sql, c, geom_col="geom", params={"v": v.id})
    gdf = gdf.rename_geometry("geometry").set_crs(WGS84, allow_override=True)
    for column in ("households", "population"):
        gdf[column] = gdf[column].astype("Int64")
    return gdf


def read_units(
    engine: Engine, levels: tuple[str, ...] = ("district", "town", "community")
) -> gpd.GeoDataFrame:
    """Admin units of the given levels (WGS-84): code, name, level, parent_code, households."""
    sql = text(
        "SELECT code, name, level, parent_code, households, population, geom "
        "FROM admin_units WHERE level = ANY(:levels) ORDER BY code"
    )
    with engine.connect() as c:
        gdf = gpd.read_postgis(sql, c, geom_col="geom", params={"levels": list(levels)})
    return gdf.rename_geometry("geometry").set_crs(WGS84, allow_override=True)


def grid_codes(engine: Engine) -> set[str]:
    """Every grid code used by any version (a new grid must not reuse one)."""
    with engine.connect() as c:
        return set(c.execute(select(grids_table.c.grid_code).distinct()).scalars())


def write_grids(conn: Connection, version_id: int, gdf: gpd.GeoDataFrame) -> int:
    """Insert the grids of `gdf` (WGS-84, GRID_COLUMNS + geometry) into a version.

    Every shape civicgrid writes (a proposal, an edited draft) is cleaned of sliver
    parts and holes first (geometry.without_slivers); loaded files go through the ETL
    and are kept as the district drew them.
    """
    gdf = gdf.to_crs(WGS84)
    gdf = gdf.set_geometry(without_slivers(gdf.geometry.to_numpy()), crs=WGS84)
    rows = []
    for record, geom in zip(
        gdf.drop(columns="geometry").to_dict("records"), gdf.geometry, strict=True
    ):
        row = {c: plain(record.get(c)) for c in GRID_COLUMNS}
        attributes = record.get("attributes")
        row["attributes"] = dumps(attributes if isinstance(attributes, dict) else {})
        row["wkb"] = shapely.to_wkb(geom)
        row["version_id"] = version_id
        rows.append(row)
    if rows:
        conn.execute(
            text(
                f"INSERT INTO grids (version_id, {', '.join(GRID_COLUMNS)}, attributes, geom) "
                f"VALUES (:version_id, {', '.join(':' + c for c in GRID_COLUMNS)}, "
                "CAST(:attributes AS jsonb), ST_Multi(ST_GeomFromWKB(:wkb, 4326)))"
            ),
            rows,
        )
    return len(rows)


def save_result(
    conn: Connection | Engine,
    kind: str,
    params: dict[str, Any],
    summary: dict[str, Any],
    features: gpd.GeoDataFrame | None = None,
) -> int:
    """Store an analysis run (analysis_results) and its features (analysis_features)."""
    if isinstance(conn, Engine):
        with conn.begin() as c:
            return save_result(c, kind, params, summary, features)
    result_id = conn.execute(
        insert(analysis_results)
        .values(kind=kind, params=jsonable(params), summary=jsonable(summary))
        .returning(analysis_results.c.id)
    ).scalar_one()
    if features is not None and len(features):
        f = features.to_crs(WGS84)
        rows = [
            {
                "result_id": result_id,
                "properties": jsonable(p),
                "geom": None if g is None or g.is_empty else f"SRID=4326;{g.wkt}",
            }
            for p, g in zip(f.drop(columns="geometry").to_dict("records"), f.geometry, strict=True)
        ]
        conn.execute(insert(analysis_features), rows)
    return result_id


def read_jurisdictions(engine: Engine, department: str | None = None) -> gpd.GeoDataFrame:
    """Departments' units (WGS-84): department, code, name; those of `department` only
    when given."""
    sql = text(
        "SELECT department, code, name, geom FROM jurisdictions "
        "WHERE CAST(:d AS text) IS NULL OR department = :d ORDER BY department, code"
    )
    with engine.connect() as c:
        gdf = gpd.read_postgis(sql, c, geom_col="geom", params={"d": department})
    return gdf.rename_geometry("geometry").set_crs(WGS84, allow_override=True)


def departments(engine: Engine) -> list[str]:
    """The departments whose units are loaded."""
    with engine.connect() as c:
        return list(
            c.execute(
                text("SELECT DISTINCT department FROM jurisdictions ORDER BY department")
            ).scalars()
        )

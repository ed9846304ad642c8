"""Grid versions for the planners' page: versions, one version's grids, per-grid table,
change classes between two versions and topology problems (cached per version pair,
since versions do not change once drawn)."""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine, select

from geo.db.engine import get_engine
from geo.db.tables import grid_versions
from geo.views.stamp import data_stamp


def versions(engine: Engine) -> list[dict]:
    """`name, status, created_at` of every grid version, active first then newest."""
    with engine.connect() as conn:
        rows = conn.execute(select(grid_versions.c.name, grid_versions.c.status,
                                   grid_versions.c.created_at).order_by(grid_versions.c.id.desc())).all()
    out = [dict(r._mapping) for r in rows]
    return sorted(out, key=lambda v: v["status"] != "active")


def read_grids(engine: Engine, version: str) -> gpd.GeoDataFrame:
    """The grids of version `version` (EPSG:4326)."""
    return _read_grids(engine.url.render_as_string(hide_password=False), version, data_stamp(engine)).copy()


@lru_cache(maxsize=8)
def _read_grids(url: str, version: str, stamp: str) -> gpd.GeoDataFrame:
    from geo.grids.store import read_grids as store_read

    return store_read(get_engine(url), version)


@lru_cache(maxsize=4)
def _read_units(url: str, stamp: str) -> gpd.GeoDataFrame:
    from geo.grids.store import read_units as store_units

    return store_units(get_engine(url))


def read_units(engine: Engine) -> gpd.GeoDataFrame:
    """Admin units (`code, level, name, parent_code`) with geometry (cached)."""
    return _read_units(engine.url.render_as_string(hide_password=False), data_stamp(engine))


BAND_OF_FLAG = {"below": "under", "in_band": "in", "above": "over", "unknown": "unknown"}


def grid_table(engine: Engine, version: str) -> pd.DataFrame:
    """One row per grid: codes, households, population, duties, workload index and flags
    (geo.grids.workload), `band` (under/in/over/unknown households) and a label point;
    cached until the data change."""
    return _grid_table(engine.url.render_as_string(hide_password=False), version, data_stamp(engine)).copy()


@lru_cache(maxsize=8)
def _grid_table(url: str, version: str, stamp: str) -> pd.DataFrame:
    from geo.grids.workload import workload
    from geo.views.coverage import inputs

    engine = get_engine(url)
    gdf = read_grids(engine, version)
    data = inputs(engine)
    table = workload(gdf, data.incidents, data.rentals, data.hazards,
                     as_of=latest_day(data.incidents))
    table["band"] = table["households_flag"].map(BAND_OF_FLAG).fillna("unknown")
    points = gdf.geometry.representative_point()
    table["lon"], table["lat"] = points.x.round(5).to_numpy(), points.y.round(5).to_numpy()
    return table


def latest_day(incidents: gpd.GeoDataFrame):
    """The last incident time (the workload window ends there, not at today's date)."""
    if incidents is None or not len(incidents):
        return None
    return pd.to_datetime(incidents["occurred_at"], utc=True).max()


def changes(engine: Engine, old: str, new: str) -> gpd.GeoDataFrame:
    """The changes from version `old` to `new` (geo.grids.diff), cached per pair."""
    url = engine.url.render_as_string(hide_password=False)
    return _changes(url, old, new, data_stamp(engine))


@lru_cache(maxsize=8)
def _changes(url: str, old: str, new: str, stamp: str) -> gpd.GeoDataFrame:
    from geo.grids.diff import diff

    return diff(_read_grids(url, old, stamp), _read_grids(url, new, stamp))


def problems(engine: Engine, version: str) -> gpd.GeoDataFrame:
    """Topology problems of `version` against the admin units (geo.grids.check), cached."""
    url = engine.url.render_as_string(hide_password=False)
    return _problems(url, version, data_stamp(engine))


@lru_cache(maxsize=8)
def _problems(url: str, version: str, stamp: str) -> gpd.GeoDataFrame:
    from geo.grids.check import check

    return check(_read_grids(url, version, stamp), _read_units(url, stamp))

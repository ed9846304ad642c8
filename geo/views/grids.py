"""Grid versions for the planners' page: versions, one version's grids, per-grid table,
change classes between two versions and topology problems (cached per version pair,
since versions do not change once drawn)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine, select

from geo.config import settings
from geo.db.tables import grid_versions, grid_versions_in_force
from geo.grids.check import check
from geo.grids.consult import affected_units
from geo.grids.consultation import record_of
from geo.grids.diff import diff
from geo.grids.store import read_grids as store_read
from geo.grids.store import read_units as store_units
from geo.grids.workflow import Inputs, read_inputs
from geo.grids.workload import workload
from geo.views.stamp import kept


def versions(engine: Engine) -> list[dict]:
    """`name, status, created_at, in_force` of every grid version, the one in force first
    then newest."""
    in_force = grid_versions.c.id.in_(select(grid_versions_in_force.c.id))
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                grid_versions.c.name,
                grid_versions.c.status,
                grid_versions.c.created_at,
                in_force.label("in_force"),
            ).order_by(grid_versions.c.id.desc())
        ).all()
    out = [dict(r._mapping) for r in rows]
    return sorted(out, key=lambda v: not v["in_force"])


def read_grids(engine: Engine, version: str) -> gpd.GeoDataFrame:
    """The grids of version `version` (EPSG:4326)."""
    return _read_grids(engine, version).copy()


@kept(8)
def _read_grids(engine: Engine, version: str) -> gpd.GeoDataFrame:
    return store_read(engine, version)


@kept(4)
def read_units(engine: Engine) -> gpd.GeoDataFrame:
    """Admin units (`code, level, name, parent_code`) with geometry (cached)."""
    return store_units(engine)


BAND_OF_FLAG = {"below": "under", "in_band": "in", "above": "over", "unknown": "unknown"}


def workload_inputs(engine: Engine) -> Inputs:
    """The item list in use and the point layers it counts (cached until the data or the
    list change)."""
    return _workload_inputs(engine)


@kept(2)
def _workload_inputs(engine: Engine) -> Inputs:
    return read_inputs(engine)


def grid_table(engine: Engine, version: str) -> pd.DataFrame:
    """One row per grid: codes, households, population, what it holds, its hours a month
    from the item list, explained (`by_item`), and flags (geo.grids.workload, against the
    configured band or the version's own), `band` (under/in/over/unknown households) and
    a label point; cached until the data change."""
    return _grid_table(engine, version).copy()


@kept(8)
def _grid_table(engine: Engine, version: str) -> pd.DataFrame:
    gdf = read_grids(engine, version)
    data = _workload_inputs(engine)
    table = workload(
        gdf, data.items, data.layers, as_of=data.as_of, workload_band=settings().workload_band
    )
    table["band"] = table["households_flag"].map(BAND_OF_FLAG).fillna("unknown")
    points = gdf.geometry.representative_point()
    table["lon"], table["lat"] = points.x.round(5).to_numpy(), points.y.round(5).to_numpy()
    return table


#: a unit's place in the consultation: not asked yet, asked and silent, or its answer
STATUSES = ("not_sent", "sent", "agree", "agree-with-changes", "object")


def consultation(engine: Engine, draft: str, against: str) -> pd.DataFrame:
    """The consultation on `draft` per unit it affects: every town and community its
    changes from `against` touch (geo.grids.consult) and every unit already asked, with
    `status` (STATUSES), the unit's note and answer date. Read fresh each time (opinions
    arrive without a data load)."""
    affected = affected_units(
        _changes(engine, against, draft),
        _read_grids(engine, against),
        _read_grids(engine, draft),
        read_units(engine),
    )
    record = record_of(engine, draft)
    asked = record.set_index("unit_code")
    rows = []
    for unit in sorted(set(affected["unit_code"]) | set(record["unit_code"])):
        mine = affected[affected["unit_code"] == unit]
        r = asked.loc[unit] if unit in asked.index else None
        status = (
            "not_sent" if r is None else (r["opinion"] if isinstance(r["opinion"], str) else "sent")
        )
        first = mine.iloc[0] if len(mine) else r
        rows.append(
            {
                "unit_code": unit,
                "unit_name": first["unit_name"],
                "level": first["level"],
                "status": status,
                "note": None if r is None else r["note"],
                "answered_on": None
                if r is None or pd.isna(r["answered_on"])
                else str(r["answered_on"]),
                "recorded_by": None if r is None else r["recorded_by"],
            }
        )
    return pd.DataFrame(
        rows,
        columns=["unit_code", "unit_name", "level", "status", "note", "answered_on", "recorded_by"],
    )


def changes(engine: Engine, old: str, new: str) -> gpd.GeoDataFrame:
    """The changes from version `old` to `new` (geo.grids.diff), cached per pair."""
    return _changes(engine, old, new)


@kept(8)
def _changes(engine: Engine, old: str, new: str) -> gpd.GeoDataFrame:
    return diff(_read_grids(engine, old), _read_grids(engine, new))


def problems(engine: Engine, version: str) -> gpd.GeoDataFrame:
    """Topology problems of `version` against the admin units (geo.grids.check), cached."""
    return _problems(engine, version)


@kept(8)
def _problems(engine: Engine, version: str) -> gpd.GeoDataFrame:
    return check(_read_grids(engine, version), read_units(engine))

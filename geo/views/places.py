"""Administrative units for filters and the map's initial view."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import Engine, func, select

from geo.db.engine import get_engine
from geo.db.tables import admin_units as au
from geo.db.tables import incidents
from geo.views.stamp import data_stamp


def units(engine: Engine, level: str) -> list[dict]:
    """`code, name, parent_code` of the units at `level` (district, town, community)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(au.c.code, au.c.name, au.c.parent_code)
            .where(au.c.level == level)
            .order_by(au.c.code)
        ).all()
    return [dict(r._mapping) for r in rows]


def extent(engine: Engine) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) of all admin units, else of the incidents."""
    with engine.connect() as conn:
        box = conn.execute(select(func.ST_Extent(au.c.geom))).scalar()
        if box is None:
            box = conn.execute(select(func.ST_Extent(incidents.c.geom))).scalar()
    if box is None:
        return None
    nums = box[box.index("(") + 1 : box.index(")")].replace(",", " ").split()
    w, s, e, n = map(float, nums)
    return w, s, e, n


@lru_cache(maxsize=64)
def _unit_geom(url: str, stamp: str, code: str) -> shapely.Geometry | None:
    """The prepared outline of unit `code`, cached per data stamp (a boundary reload is
    seen without a restart)."""
    with get_engine(url).connect() as conn:
        g = conn.execute(select(au.c.geom).where(au.c.code == code)).scalar()
    if g is None:
        return None
    geom = to_shape(g)
    shapely.prepare(geom)
    return geom


def inside(engine: Engine, code: str, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Boolean mask of the points that fall inside unit `code` (all False if unknown)."""
    geom = _unit_geom(engine.url.render_as_string(hide_password=False), data_stamp(engine), code)
    if geom is None:
        return np.zeros(len(lon), dtype=bool)
    return shapely.contains_xy(geom, lon, lat)

"""Point layers for the maps: key sites near a hot cell, facilities."""

from __future__ import annotations

import pandas as pd
from geoalchemy2 import Geography
from sqlalchemy import Engine, cast, func, literal, select

from geo.db.tables import facilities, key_sites


def key_sites_near(
    engine: Engine, lon: float, lat: float, radius_m: float = 1000.0, limit: int = 20
) -> pd.DataFrame:
    """Key sites within `radius_m` of a point, nearest first: `name, kind, address, distance_m`."""
    here = func.ST_SetSRID(func.ST_MakePoint(literal(lon), literal(lat)), 4326)
    dist = func.ST_Distance(cast(key_sites.c.geom, Geography), cast(here, Geography))
    q = (
        select(key_sites.c.name, key_sites.c.kind, key_sites.c.address, dist.label("distance_m"))
        .where(func.ST_DWithin(cast(key_sites.c.geom, Geography), cast(here, Geography), radius_m))
        .order_by(dist)
        .limit(limit)
    )
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return pd.DataFrame(rows, columns=["name", "kind", "address", "distance_m"])


def facility_points(engine: Engine, kinds: list[str] | None = None) -> pd.DataFrame:
    """Facilities as `name, kind, lon, lat`."""
    q = select(
        facilities.c.name,
        facilities.c.kind,
        func.ST_X(facilities.c.geom).label("lon"),
        func.ST_Y(facilities.c.geom).label("lat"),
    )
    if kinds:
        q = q.where(facilities.c.kind.in_(kinds))
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return pd.DataFrame(rows, columns=["name", "kind", "lon", "lat"])

"""Constructed grid versions in metric coordinates (EPSG:4549), returned in WGS-84."""

from __future__ import annotations

import geopandas as gpd
import shapely

# a point in Suzhou on the 120°E Gauss-Kruger grid (x = 500 km false easting)
X0, Y0 = 500_000.0, 3_460_000.0


def box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    """A rectangle in metres relative to the origin above."""
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def poly(*xy: tuple[float, float]) -> shapely.Polygon:
    return shapely.Polygon([(X0 + x, Y0 + y) for x, y in xy])


def frame(rows: list[dict]) -> gpd.GeoDataFrame:
    """Rows with a `geometry` in metres → a WGS-84 GeoDataFrame."""
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4549").to_crs("EPSG:4326")


def insert_units(engine, units: gpd.GeoDataFrame) -> None:
    """Admin units (code, name, level, geometry in WGS-84) into admin_units."""
    from sqlalchemy import text

    rows = [
        {
            "code": r.code,
            "name": r.name,
            "level": r.level,
            "parent": r.code[:9] if r.level == "community" else None,
            "wkb": shapely.to_wkb(r.geometry),
        }
        for r in units.itertuples()
    ]
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO admin_units (code, name, level, parent_code, geom) VALUES "
                "(:code, :name, :level, :parent, ST_Multi(ST_GeomFromWKB(:wkb, 4326)))"
            ),
            rows,
        )


def insert_square_community(engine, code: str) -> None:
    """One community `code` and its town (the code's first 9 digits) over the same
    1 km square at the origin: the smallest city a grid version can be checked in."""
    insert_units(
        engine,
        frame(
            [
                {
                    "code": code,
                    "name": "甲社区",
                    "level": "community",
                    "geometry": box(0, 0, 1000, 1000),
                },
                {
                    "code": code[:9],
                    "name": "乙街道",
                    "level": "town",
                    "geometry": box(0, 0, 1000, 1000),
                },
            ]
        ),
    )


def insert_version(engine, name: str, grids: gpd.GeoDataFrame, activate: bool = False) -> None:
    """A grid version holding `grids`, as a load would create it."""
    from geo.grids import store, versions

    with engine.begin() as c:
        vid = versions.create(c, name)
        store.write_grids(c, vid, grids)
    if activate:
        versions.activate(engine, name)


#: a town of two 1 km² communities side by side (双塔街道: 甲社区 west, 乙社区 east)
TOWN = "320508001"
C1, C2 = TOWN + "001", TOWN + "002"


def grid_row(code: str, community: str, hh: int, geom: shapely.Polygon, name: str) -> dict:
    """A grid of TOWN's `community` with `hh` households (three people each)."""
    return {
        "grid_code": code,
        "name": name,
        "community_code": community,
        "town_code": TOWN,
        "district_code": TOWN[:6],
        "kind": "城镇",
        "households": hh,
        "population": hh * 3,
        "geometry": geom,
    }


def insert_two_communities(engine) -> None:
    """TOWN and its communities C1 (x 0–1000 m) and C2 (x 1000–2000 m), 1000 m high."""
    insert_units(
        engine,
        frame(
            [
                {
                    "code": TOWN,
                    "name": "双塔街道",
                    "level": "town",
                    "geometry": box(0, 0, 2000, 1000),
                },
                {
                    "code": C1,
                    "name": "甲社区",
                    "level": "community",
                    "geometry": box(0, 0, 1000, 1000),
                },
                {
                    "code": C2,
                    "name": "乙社区",
                    "level": "community",
                    "geometry": box(1000, 0, 2000, 1000),
                },
            ]
        ),
    )

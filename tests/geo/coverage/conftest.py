"""A constructed city in the test PostGIS: two towns, three grids, known points."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pytest
import shapely.affinity
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, box
from sqlalchemy import Engine, insert

from geo.db import tables as t
from geo.hexes import cells

X0, Y0 = 500_000.0, 3_460_000.0  # EPSG:4549 metres near 120°E, 31.3°N
TO_WGS84 = Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True)
TO_METRIC = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
AS_OF = dt.date(2026, 6, 30)
LATEST = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)


def wgs(geom):
    return gpd.GeoSeries([geom], crs="EPSG:4549").to_crs("EPSG:4326").iloc[0]


def ewkt(geom) -> str:
    return f"SRID=4326;{wgs(geom).wkt}"


def pt(x, y) -> str:
    return ewkt(Point(X0 + x, Y0 + y))


def square(x0, y0, x1, y1) -> str:
    return ewkt(MultiPolygon([box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)]))


# incidents (x, y): three near the camera at (500, 500) in T1, one far in T1, a cluster of
# five and one single incident in T2, one outside every unit
INCIDENTS = [
    (500, 600),
    (550, 500),
    (400, 420),
    (900, 900),
    *[(1500, 500)] * 5,
    (1900, 100),
    (3000, 500),
]


@dataclass(frozen=True)
class City:
    """The filled test database and the frame it was built in (EPSG:4549 offsets)."""

    engine: Engine
    as_of: dt.date = AS_OF
    latest: dt.datetime = LATEST

    @staticmethod
    def wgs(geom):
        """A shapely geometry given in offsets from (X0, Y0) metres, in WGS-84."""
        return wgs(shapely.affinity.translate(geom, X0, Y0))

    @staticmethod
    def offset(lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """WGS-84 coordinates as metre offsets from (X0, Y0) in EPSG:4549."""
        x, y = TO_METRIC.transform(lon, lat)
        return np.asarray(x) - X0, np.asarray(y) - Y0


@pytest.fixture
def city(clean_db) -> City:
    """Town T1 (0–1000 m) and T2 (1000–2000 m) of district D1, each one community;
    grids G1 = C1, G2 = west half of C2, G3 = its north-east quarter (a 250,000 m² gap);
    a camera at (500, 500), a police station at (1500, 900); incidents, rentals, a hazard."""
    engine = clean_db
    lonlat = np.array([TO_WGS84.transform(X0 + x, Y0 + y) for x, y in INCIDENTS])
    h3 = cells(lonlat[:, 0], lonlat[:, 1], 10).astype(np.int64)
    with engine.begin() as c:
        c.execute(
            insert(t.admin_units),
            [
                {
                    "level": "district",
                    "code": "D1",
                    "name": "一区",
                    "geom": square(0, 0, 2000, 1000),
                },
                {
                    "level": "town",
                    "code": "T1",
                    "name": "甲街道",
                    "parent_code": "D1",
                    "geom": square(0, 0, 1000, 1000),
                },
                {
                    "level": "town",
                    "code": "T2",
                    "name": "乙街道",
                    "parent_code": "D1",
                    "geom": square(1000, 0, 2000, 1000),
                },
                {
                    "level": "community",
                    "code": "C1",
                    "name": "甲社区",
                    "parent_code": "T1",
                    "geom": square(0, 0, 1000, 1000),
                },
                {
                    "level": "community",
                    "code": "C2",
                    "name": "乙社区",
                    "parent_code": "T2",
                    "geom": square(1000, 0, 2000, 1000),
                },
            ],
        )
        version = c.execute(
            insert(t.grid_versions)
            .values(name="2025", status="active")
            .returning(t.grid_versions.c.id)
        ).scalar_one()
        # G3 leaves a 500 m × 1000 m gap in C2; households 400 / 250 / 600
        c.execute(
            insert(t.grids),
            [
                {
                    "version_id": version,
                    "grid_code": f"G{i + 1}",
                    "community_code": cc,
                    "town_code": tc,
                    "district_code": "D1",
                    "households": hh,
                    "population": hh * 2,
                    "geom": square(*xy),
                }
                for i, (cc, tc, hh, xy) in enumerate(
                    [
                        ("C1", "T1", 400, (0, 0, 1000, 1000)),
                        ("C2", "T2", 250, (1000, 0, 1500, 1000)),
                        ("C2", "T2", 600, (1500, 500, 2000, 1000)),
                    ]
                )
            ],
        )
        c.execute(
            insert(t.incidents),
            [
                {
                    "source_key": f"JQ{i}",
                    "occurred_at": LATEST - dt.timedelta(days=400 if i == 3 else i),
                    "category": "盗窃",
                    "h3": int(h3[i]),
                    "geom": pt(x, y),
                }
                for i, (x, y) in enumerate(INCIDENTS)
            ],
        )
        c.execute(
            insert(t.facilities),
            [
                {"source_key": "F1", "name": "探头1", "kind": "camera", "geom": pt(500, 500)},
                {
                    "source_key": "F2",
                    "name": "派出所",
                    "kind": "police_station",
                    "geom": pt(1500, 900),
                },
            ],
        )
        c.execute(
            insert(t.rentals),
            [
                {
                    "source_key": f"R{i}",
                    "address": f"路{i}号",
                    "last_inspected_at": AS_OF - dt.timedelta(days=d) if d is not None else None,
                    "geom": pt(x, y),
                }
                for i, (x, y, d) in enumerate(
                    [(100, 100, 10), (200, 200, 90), (1200, 100, None), (1700, 700, 0)]
                )
            ],
        )
        c.execute(
            insert(t.hazards),
            [
                {
                    "source_key": "H1",
                    "name": "加油站",
                    "category": "危险化学品",
                    "risk_level": 4,
                    "last_inspected_at": AS_OF - dt.timedelta(days=100),
                    "geom": pt(1600, 800),
                },
            ],
        )
    return City(engine)

"""Real places of Suzhou that draw incidents: commercial centres, stations, nightlife.

Coordinates are approximate GCJ-02 (as read off Amap). `trend` says how a hotspot moves
in time: `steady`, `emerging` (from mid-2025 only, growing) or `fading` (strong in 2024,
gone by spring 2025) — so emerging-hotspot analysis has new and diminishing patterns.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    name: str
    lon: float  # GCJ-02
    lat: float
    kind: str  # commercial | station | nightlife | traffic | residential
    weight: float  # relative share of hotspot incidents
    sigma_m: float  # spread of the cluster
    trend: str = "steady"


PLACES: tuple[Place, ...] = (
    Place("观前街", 120.6275, 31.3135, "commercial", 5.0, 250),
    Place("石路步行街", 120.5985, 31.3165, "commercial", 3.0, 220),
    Place("苏州站", 120.6105, 31.3305, "station", 4.0, 300),
    Place("平江路", 120.6325, 31.3170, "nightlife", 1.5, 200),
    Place("南门商圈", 120.6280, 31.2905, "commercial", 2.0, 250, "fading"),
    Place("苏锦夜市", 120.6150, 31.3440, "nightlife", 2.0, 220, "emerging"),
    Place("十全街", 120.6310, 31.3000, "nightlife", 1.2, 180),
    Place("园区湖西CBD", 120.6760, 31.3180, "commercial", 4.0, 400),
    Place("圆融时代广场", 120.7150, 31.3225, "commercial", 2.5, 300),
    Place("李公堤", 120.6950, 31.3060, "nightlife", 1.5, 250, "emerging"),
    Place("苏州园区站", 120.7905, 31.3470, "station", 1.5, 300),
    Place("苏州北站", 120.6425, 31.4220, "station", 1.8, 300),
    Place("苏州新区站", 120.5330, 31.3390, "station", 1.0, 250),
    Place("狮山商圈", 120.5680, 31.3000, "commercial", 2.0, 300),
    Place("木渎古镇", 120.5080, 31.2650, "commercial", 1.0, 300),
    Place("吴江松陵", 120.6430, 31.1600, "commercial", 1.2, 400),
    Place("太湖新城", 120.6380, 31.1300, "nightlife", 1.0, 350, "emerging"),
    Place("昆山南站", 120.9540, 31.3650, "station", 1.5, 300),
    Place("花桥商务城", 121.0630, 31.3010, "commercial", 1.2, 400, "fading"),
    Place("常熟方塔街", 120.7520, 31.6500, "commercial", 1.2, 300),
    Place("张家港步行街", 120.5530, 31.8700, "commercial", 1.2, 300),
    Place("太仓南洋广场", 121.1120, 31.4520, "commercial", 1.0, 300),
    Place("干将路口", 120.6200, 31.3070, "traffic", 1.5, 150),
    Place("南环东路口", 120.6450, 31.2920, "traffic", 1.2, 150),
)

#: real railway stations (for key_sites), GCJ-02
STATIONS = (
    ("苏州站", 120.6105, 31.3305),
    ("苏州北站", 120.6425, 31.4220),
    ("苏州园区站", 120.7905, 31.3470),
    ("苏州新区站", 120.5330, 31.3390),
    ("昆山南站", 120.9540, 31.3650),
    ("常熟站", 120.7230, 31.6930),
    ("张家港站", 120.5700, 31.8540),
    ("太仓站", 121.0910, 31.4890),
)

"""The four polygon files (districts, towns, communities, grids) with Chinese attributes
as government shapefiles have them, plus their deliberately bad rows."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from etl.sample.bad_rows import BadRow, Fault, bow_tie, duplicate_faults, inject
from etl.sample.divisions import CITY_CODE
from etl.sample.plane import M_PER_DEG_LAT
from etl.sample.polygons import City

UNIT_COLUMNS = ["代码", "名称", "级别", "上级代码", "户数", "人口", "geometry"]
GRID_COLUMNS = [
    "网格编码",
    "网格名称",
    "社区代码",
    "街镇代码",
    "区县代码",
    "网格类型",
    "户数",
    "人口",
    "geometry",
]
#: a parent code that exists nowhere (for unknown_parent rows)
NO_SUCH_TOWN = "320508999"
NO_SUCH_COMMUNITY = "320508999999"


def _units(gdf: gpd.GeoDataFrame, level: str, parent: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "代码": gdf.code.to_numpy(),
            "名称": gdf.name.to_numpy(),
            "级别": level,
            "上级代码": parent,
            "户数": gdf.households.to_numpy(),
            "人口": gdf.population.to_numpy(),
        },
        geometry=gdf.geometry.values,
        crs="EPSG:4326",
    )


def _invalid() -> Fault:
    return Fault(
        "invalid_geometry",
        "geometry",
        lambda r: {"geometry": bow_tie(r["geometry"])},
        "自相交（蝴蝶结）多边形，make_valid 可修复 / self-intersecting bow-tie, make_valid repairs it",
    )


def _renamed(suffix: str) -> Fault:
    return duplicate_faults("代码", "名称", lambda r: r["名称"] + suffix)[1]


def districts(city: City, rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, list[BadRow]]:
    gdf = _units(city.districts, "区县", CITY_CODE)
    gdf["户数"] = 0
    return inject(
        gdf,
        "boundaries/districts.shp",
        [_invalid()],
        duplicate_faults("代码", "名称", str)[:1],
        rng,
    )


def towns(city: City, rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, list[BadRow]]:
    gdf = _units(city.towns, "街镇", city.towns.district.to_numpy())
    gdf["户数"] = 0
    return inject(
        gdf,
        "boundaries/towns.shp",
        [_invalid()],
        [duplicate_faults("代码", "名称", str)[0], _renamed("（旧）")],
        rng,
    )


def communities(city: City, rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, list[BadRow]]:
    gdf = _units(city.communities, "社区", city.communities.town.to_numpy())
    gridded = set(city.grids.community)
    free = np.flatnonzero(~gdf["代码"].isin(gridded).to_numpy())
    appends = [
        Fault(
            "unknown_parent",
            "上级代码",
            lambda r: {"代码": r["上级代码"] + "998", "上级代码": NO_SUCH_TOWN},
            f"上级街镇 {NO_SUCH_TOWN} 不存在 / parent town does not exist",
        ),
        Fault(
            "missing_geometry",
            "geometry",
            lambda r: {"代码": r["上级代码"] + "999", "geometry": None},
            "没有图形 / null shape",
        ),
        Fault(
            "bad_value",
            "户数",
            lambda r: {"代码": r["上级代码"] + "997", "户数": -5},
            "户数为负 / negative households",
        ),
        duplicate_faults("代码", "名称", str)[0],
    ]
    return inject(gdf, "boundaries/communities.shp", [_invalid()], appends, rng, allowed=free)


def _overlap(community: dict[str, shapely.Geometry]) -> Fault:
    def grow(r: dict) -> dict:
        g = r["geometry"]
        reach = shapely.intersection(g.buffer(60 / M_PER_DEG_LAT), community[r["社区代码"]])
        return {"geometry": shapely.union(g, reach)}

    return Fault(
        "overlap",
        "geometry",
        grow,
        "网格越界压盖相邻网格约60米 / grid overlaps its neighbour by ~60 m",
    )


def grids(city: City, rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, list[BadRow]]:
    g = city.grids
    gdf = gpd.GeoDataFrame(
        {
            "网格编码": g.grid_code.to_numpy(),
            "网格名称": g.name.to_numpy(),
            "社区代码": g.community.to_numpy(),
            "街镇代码": g.town.to_numpy(),
            "区县代码": g.district.to_numpy(),
            "网格类型": g.kind.to_numpy(),
            "户数": g.households.to_numpy(),
            "人口": g.population.to_numpy(),
        },
        geometry=g.geometry.values,
        crs="EPSG:4326",
    )
    shared = np.flatnonzero(g.groupby("community").grid_code.transform("size").to_numpy() > 1)
    community = dict(zip(city.communities.code, city.communities.geometry, strict=True))
    appends = [
        Fault(
            "unknown_parent",
            "社区代码",
            lambda r: {"网格编码": NO_SUCH_COMMUNITY + "001", "社区代码": NO_SUCH_COMMUNITY},
            f"社区 {NO_SUCH_COMMUNITY} 不存在 / community does not exist",
        ),
        Fault(
            "unknown_category",
            "网格类型",
            lambda r: {"网格编码": r["社区代码"] + "901", "网格类型": "混合"},
            "网格类型不在 城镇/农村/专属 中 / grid kind not in the list",
        ),
        Fault(
            "missing_key",
            "网格编码",
            lambda r: {"网格编码": None},
            "网格编码为空 / empty grid code",
        ),
        duplicate_faults("网格编码", "网格名称", str)[0],
    ]
    return inject(
        gdf, "grids/grids_2025.shp", [_invalid(), _overlap(community)], appends, rng, allowed=shared
    )

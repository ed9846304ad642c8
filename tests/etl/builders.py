"""Small hand-made files for the ETL tests (builders; fixtures in conftest.py): a toy district of Suzhou in every format.

The truth is kept in WGS-84; writers convert it into the CRS under test, so a test can
compare what the database stores with where the points really are.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import crs_of, from_wgs84

#: a 12 × 9 km district around 姑苏区, split into 2 towns and 4 communities
DISTRICT = shapely.box(120.56, 31.28, 120.68, 31.36)
TOWNS = {
    "320508001": shapely.box(120.56, 31.28, 120.62, 31.36),
    "320508002": shapely.box(120.62, 31.28, 120.68, 31.36),
}
COMMUNITIES = {
    "320508001001": shapely.box(120.56, 31.28, 120.62, 31.32),
    "320508001002": shapely.box(120.56, 31.32, 120.62, 31.36),
    "320508002001": shapely.box(120.62, 31.28, 120.68, 31.32),
    "320508002002": shapely.box(120.62, 31.32, 120.68, 31.36),
}
CATEGORIES = ["刑事案件", "治安案件", "交通事故", "火灾", "纠纷", "求助", "噪音扰民", "其他"]


def boundaries(level: str) -> gpd.GeoDataFrame:
    """District, towns or communities with the sample files' Chinese headers (WGS-84)."""
    if level == "district":
        units = {"320508": DISTRICT}
        names, parent, lv = ["姑苏区"], ["320500"], "区县"
    elif level == "town":
        units = TOWNS
        names, parent, lv = ["双塔街道", "平江街道"], ["320508"] * 2, "街镇"
    else:
        units = COMMUNITIES
        names = ["定慧寺巷社区", "南园社区", "平江路社区", "钮家巷社区"]
        parent, lv = [c[:9] for c in units], "社区"
    return gpd.GeoDataFrame(
        {
            "代码": list(units),
            "名称": names,
            "级别": [lv] * len(units),
            "上级代码": parent,
            "户数": [400 * (i + 1) for i in range(len(units))],
            "人口": [1000 * (i + 1) for i in range(len(units))],
        },
        geometry=list(units.values()),
        crs="EPSG:4326",
    )


def incidents(n: int = 40, seed: int = 1) -> pd.DataFrame:
    """Incidents inside the district: Chinese headers, true WGS-84 in 经度/纬度."""
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = DISTRICT.buffer(-0.01).bounds
    times = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86400, n), unit="s")
    return pd.DataFrame(
        {
            "警情编号": [f"JQ2025{i:06d}" for i in range(n)],
            "报警时间": times.strftime("%Y-%m-%d %H:%M:%S"),
            "警情类别": rng.choice(CATEGORIES, n),
            "警情细类": "细类",
            "处置结果": "已处置",
            "发生地址": [f"姑苏区某路{i}号" for i in range(n)],
            "经度": rng.uniform(xmin, xmax, n).round(7),
            "纬度": rng.uniform(ymin, ymax, n).round(7),
            "报警人": [f"张{i}" for i in range(n)],
            "联系电话": [f"1380000{i:04d}" for i in range(n)],
        }
    )


def in_crs(df: pd.DataFrame, crs: str) -> pd.DataFrame:
    """`df` with 经度/纬度 moved from WGS-84 into `crs` (metres for projected CRSs)."""
    out = df.copy()
    x, y = from_wgs84(df["经度"].to_numpy(float), df["纬度"].to_numpy(float), crs)
    out["经度"], out["纬度"] = x, y
    return out


def write_shp(
    gdf: gpd.GeoDataFrame, path: Path, *, crs: str | None = "EPSG:4490", encoding: str = "GBK"
) -> Path:
    """Shapefile with .cpg (encoding) and .prj (crs; None writes no .prj)."""
    gdf = gdf.copy()
    if crs is not None and crs_of(crs) is not None and gdf.crs is not None:
        gdf = gdf.set_crs(None, allow_override=True).set_crs(crs_of(crs), allow_override=True)
    gdf.to_file(path, encoding=encoding)
    if crs is None:
        path.with_suffix(".prj").unlink(missing_ok=True)
    return path


def points_gdf(df: pd.DataFrame) -> gpd.GeoDataFrame:
    """A point GeoDataFrame from 经度/纬度 (which are dropped)."""
    geom = shapely.points(df["经度"].to_numpy(float), df["纬度"].to_numpy(float))
    return gpd.GeoDataFrame(df.drop(columns=["经度", "纬度"]), geometry=geom, crs="EPSG:4326")


def grids() -> gpd.GeoDataFrame:
    """Two grids per toy community (west and east halves), with the sample's headers."""
    rows, geoms = [], []
    for code, box in COMMUNITIES.items():
        xmin, ymin, xmax, ymax = box.bounds
        mid = (xmin + xmax) / 2
        for i, part in enumerate(
            (shapely.box(xmin, ymin, mid, ymax), shapely.box(mid, ymin, xmax, ymax))
        ):
            rows.append(
                {
                    "网格编码": f"{code}{i + 1:03d}",
                    "网格名称": f"第{i + 1}网格",
                    "社区代码": code,
                    "网格类型": "城镇",
                    "户数": 350,
                    "人口": 900,
                }
            )
            geoms.append(part)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


def facilities(n: int = 8, seed: int = 2) -> pd.DataFrame:
    """Facilities inside the district with the sample's headers (WGS-84)."""
    rng = np.random.default_rng(seed)
    kinds = ["派出所", "应急避难场所", "人民调解室", "视频监控"]
    return pd.DataFrame(
        {
            "编号": [f"SS{i:04d}" for i in range(n)],
            "名称": [f"设施{i}" for i in range(n)],
            "类型": [kinds[i % 4] for i in range(n)],
            "地址": "姑苏区",
            "经度": rng.uniform(120.57, 120.67, n).round(7),
            "纬度": rng.uniform(31.29, 31.35, n).round(7),
        }
    )

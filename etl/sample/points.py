"""Point layers: rental housing, hazard sources, facilities and key sites (clean rows).

Each function returns a DataFrame with the file's Chinese columns and WGS-84 `lon`/`lat`
(the writer converts to the file's CRS). Positions follow population (rentals, cameras,
schools), towns (police stations, government), or places (malls near commercial centres).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import shapely

from etl.sample import people
from etl.sample.places import PLACES, STATIONS
from etl.sample.plane import M_PER_DEG_LAT, M_PER_DEG_LON
from etl.sample.polygons import City
from etl.sample.scatter import sample, triangulate
from geo.crs import to_wgs84

#: the sample's "today": inspections spread over the two years before it
TODAY = dt.date(2025, 12, 31)
HAZARD_CATEGORIES = ("危险化学品", "燃气", "消防重点单位", "建筑工地", "地质灾害", "特种设备")
HAZARD_SUFFIX = ("化工仓库", "燃气调压站", "商业综合体", "建设项目工地", "山体滑坡隐患点", "锅炉房")
HAZARD_P = (0.15, 0.20, 0.25, 0.20, 0.05, 0.15)
RISK_LEVELS = ("低", "一般", "较大", "重大")
RISK_P = (0.35, 0.40, 0.20, 0.05)
FACILITY_KINDS = ("派出所", "应急避难场所", "人民调解室", "视频监控")
KEY_SITE_KINDS = ("学校", "医院", "火车站", "地铁站", "商场", "政府机关", "养老院")
BRANDS = (
    "华润",
    "金鼎",
    "恒信",
    "苏新",
    "吴越",
    "东方",
    "长江",
    "国泰",
    "新城",
    "润泽",
    "中联",
    "嘉禾",
    "永安",
    "天成",
    "宏达",
    "科润",
    "德信",
    "姑苏",
    "金阊",
    "沧浪",
)


def short(name: str) -> str:
    """A unit name without its administrative suffix (街道, 镇, 社区居委会 …)."""
    for suffix in ("社区居委会", "居民委员会", "村民委员会", "村委会", "居委会", "街道", "镇"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _inspected(n: int, rng: np.random.Generator) -> list[dt.date]:
    """Last inspection dates over the two years before TODAY (older ones are overdue)."""
    days = rng.integers(0, 730, n)
    return [TODAY - dt.timedelta(days=int(d)) for d in days]


def _in_communities(
    city: City, n: int, rng: np.random.Generator, power: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`n` points in communities drawn ∝ population**power: (community index, lon, lat)."""
    comms = city.communities
    w = comms.population.to_numpy().astype(float) ** power
    which = rng.choice(len(comms), size=n, p=w / w.sum())
    lon, lat = sample(triangulate(comms.geometry.values), which, rng)
    return which, lon, lat


def _address(city: City, which: np.ndarray, rng: np.random.Generator) -> list[str]:
    """A street address in community `which[i]` for each point (city, district, town,
    the community's road, a number)."""
    comms = city.communities
    dist = dict(zip(city.districts.code, city.districts.name, strict=True))
    town = dict(zip(city.towns.code, city.towns.name, strict=True))
    road = rng.integers(1, 300, len(which))
    # each community's part once (reading a GeoDataFrame cell per point cost minutes)
    street = [
        f"苏州市{dist[d]}{town[t]}{short(name)}路"
        for d, t, name in zip(comms.district, comms.town, comms.name, strict=True)
    ]
    return [f"{street[i]}{r}号" for i, r in zip(which, road, strict=True)]


def rentals(city: City, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Rental housing records with (fake) landlord details."""
    which, lon, lat = _in_communities(city, n, rng)
    comms = city.communities
    code = comms.code.to_numpy()[which]
    seq = pd.Series(code).groupby(code).cumcount().to_numpy() + 1
    building, unit, room = rng.integers(1, 40, n), rng.integers(1, 5, n), rng.integers(101, 2605, n)
    addr = _address(city, which, rng)
    return pd.DataFrame(
        {
            "房屋编号": [f"FW{c}{s:04d}" for c, s in zip(code, seq, strict=True)],
            "地址": [
                f"{a}{b}幢{u}单元{r}室"
                for a, b, u, r in zip(addr, building, unit, room, strict=True)
            ],
            "房间数": rng.integers(1, 6, n),
            "租住人数": rng.integers(1, 9, n),
            "房东姓名": people.names(n, rng),
            "房东电话": people.mobiles(n, rng).astype(str),
            "房东身份证号": people.id_numbers(n, "320508", rng),
            "最近检查日期": _inspected(n, rng),
            "lon": lon,
            "lat": lat,
        }
    )


def hazards(city: City, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Hazard sources (危险源), spread more evenly than people (power 0.5)."""
    which, lon, lat = _in_communities(city, n, rng, power=0.5)
    cat = rng.choice(len(HAZARD_CATEGORIES), size=n, p=HAZARD_P)
    brand = rng.integers(0, len(BRANDS), n)
    names = city.communities.name.to_numpy()[which]
    return pd.DataFrame(
        {
            "编号": [f"WX{i + 1:06d}" for i in range(n)],
            "名称": [
                f"{short(nm)}{BRANDS[b]}{HAZARD_SUFFIX[c]}"
                for nm, b, c in zip(names, brand, cat, strict=True)
            ],
            "类别": [HAZARD_CATEGORIES[c] for c in cat],
            "风险等级": [RISK_LEVELS[r] for r in rng.choice(4, size=n, p=RISK_P)],
            "地址": _address(city, which, rng),
            "最近检查日期": _inspected(n, rng),
            "lon": lon,
            "lat": lat,
        }
    )


def facilities(
    city: City, shelters: int, cameras: int, mediation_share: float, rng: np.random.Generator
) -> pd.DataFrame:
    """Police stations (~1 per town), shelters, mediation rooms, cameras."""
    towns = city.towns
    names = city.communities.name.to_numpy()
    t_pts = shapely.point_on_surface(towns.geometry.values)
    frames = [
        pd.DataFrame(
            {
                "名称": [f"{short(n)}派出所" for n in towns.name],
                "类型": "派出所",
                "lon": shapely.get_x(t_pts),
                "lat": shapely.get_y(t_pts),
                "which": -1,
            }
        )
    ]
    which, lon, lat = _in_communities(city, shelters, rng, power=0.5)
    frames.append(
        pd.DataFrame(
            {
                "名称": [f"{short(names[i])}应急避难场所" for i in which],
                "类型": "应急避难场所",
                "lon": lon,
                "lat": lat,
                "which": which,
            }
        )
    )
    med = np.flatnonzero(rng.random(len(city.communities)) < mediation_share)
    lon, lat = sample(triangulate(city.communities.geometry.values), med, rng)
    frames.append(
        pd.DataFrame(
            {
                "名称": [f"{short(names[i])}人民调解室" for i in med],
                "类型": "人民调解室",
                "lon": lon,
                "lat": lat,
                "which": med,
            }
        )
    )
    which, lon, lat = _in_communities(city, cameras, rng, power=1.5)
    frames.append(
        pd.DataFrame(
            {
                "名称": [f"视频监控点{i + 1:05d}" for i in range(cameras)],
                "类型": "视频监控",
                "lon": lon,
                "lat": lat,
                "which": which,
            }
        )
    )
    df = pd.concat(frames, ignore_index=True)
    where = df.which.to_numpy()
    inside = where >= 0
    addr = np.array([""] * len(df), dtype=object)
    addr[inside] = _address(city, where[inside], rng)
    addr[~inside] = [f"苏州市{n}" for n in towns.name]
    df.insert(0, "编号", [f"SS{i + 1:06d}" for i in range(len(df))])
    df.insert(3, "地址", addr)
    return df.drop(columns="which")


def key_sites(city: City, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Schools, hospitals, stations (the real railway stations), malls, government, elder care."""
    area = shapely.union_all(city.districts.geometry.values)
    rows = []
    s_lon, s_lat = to_wgs84(
        np.array([s[1] for s in STATIONS]), np.array([s[2] for s in STATIONS]), "gcj02"
    )
    for (name, _, _), x, y in zip(STATIONS, s_lon, s_lat, strict=True):
        if area.contains(shapely.Point(x, y)):
            rows.append((name, "火车站", f"苏州市{name}", x, y))
    malls = [p for p in PLACES if p.kind == "commercial"]
    m_lon, m_lat = to_wgs84(
        np.array([p.lon for p in malls]), np.array([p.lat for p in malls]), "gcj02"
    )
    for p, x, y in zip(malls, m_lon, m_lat, strict=True):
        for k in range(3):
            px = x + rng.normal(0, 300) / M_PER_DEG_LON
            py = y + rng.normal(0, 300) / M_PER_DEG_LAT
            if area.contains(shapely.Point(px, py)):
                rows.append(
                    (
                        f"{p.name}{BRANDS[(k * 7) % len(BRANDS)]}购物中心",
                        "商场",
                        f"苏州市{p.name}",
                        px,
                        py,
                    )
                )
    for t, pt in zip(
        city.towns.itertuples(), shapely.point_on_surface(city.towns.geometry.values), strict=True
    ):
        rows.append((f"{t.name}办事处", "政府机关", f"苏州市{t.name}", pt.x, pt.y))
    rest = max(n - len(rows), 0)
    kinds = rng.choice(["学校", "医院", "地铁站", "养老院"], size=rest, p=[0.5, 0.15, 0.15, 0.2])
    suffix = {
        "学校": ("实验小学", "中学", "幼儿园"),
        "医院": ("社区卫生服务中心", "医院"),
        "地铁站": ("站",),
        "养老院": ("养老院", "日间照料中心"),
    }
    which, lon, lat = _in_communities(city, rest, rng)
    addr = _address(city, which, rng)
    names = city.communities.name.to_numpy()
    for k, i, x, y, a in zip(kinds, which, lon, lat, addr, strict=True):
        options = suffix[k]
        rows.append(
            (
                f"{short(names[i])}{options[rng.integers(len(options))]}",
                k,
                a,
                x,
                y,
            )
        )
    df = pd.DataFrame(rows, columns=["名称", "类型", "地址", "lon", "lat"])
    df.insert(0, "编号", [f"ZD{i + 1:06d}" for i in range(len(df))])
    return df

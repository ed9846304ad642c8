"""Police incidents (警情): ≥ 1,000,000 rows at city scale, clustered in space and time.

Most incidents spread over communities in proportion to their population; the rest
cluster around commercial centres, stations, nightlife streets and busy junctions
(`places.PLACES`), some of which emerge or fade over the two years. Fully vectorised.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from etl.sample import people, timeline
from etl.sample.places import PLACES, Place
from etl.sample.plane import M_PER_DEG_LAT, M_PER_DEG_LON
from etl.sample.polygons import City
from etl.sample.scatter import sample, triangulate
from geo.crs import from_wgs84, to_wgs84

CATEGORIES = ("刑事案件", "治安案件", "交通事故", "火灾", "纠纷", "求助", "噪音扰民", "其他")
SUBCATEGORIES = (
    ("盗窃", "诈骗", "抢夺", "故意伤害"),
    ("打架斗殴", "寻衅滋事", "醉酒滋事", "赌博"),
    ("机动车追尾", "非机动车事故", "行人事故", "单车事故"),
    ("居民住宅火灾", "车辆火灾", "电动车火灾", "垃圾起火"),
    ("邻里纠纷", "家庭纠纷", "经济纠纷", "消费纠纷"),
    ("走失寻人", "醉酒求助", "开锁求助", "疾病求助"),
    ("娱乐场所噪音", "施工噪音", "广场舞噪音", "邻里噪音"),
    ("无效报警", "咨询", "遗失物品", "其他警情"),
)
DISPOSITIONS = ("已处置", "处置中", "已移交", "未处置")
DISPOSITION_P = (0.86, 0.06, 0.06, 0.02)
#: category shares: background, then per place kind
SHARES = {
    "background": (0.06, 0.16, 0.15, 0.02, 0.22, 0.21, 0.10, 0.08),
    "commercial": (0.12, 0.30, 0.08, 0.01, 0.20, 0.20, 0.04, 0.05),
    "station": (0.12, 0.30, 0.06, 0.01, 0.14, 0.30, 0.02, 0.05),
    "nightlife": (0.05, 0.32, 0.05, 0.01, 0.28, 0.08, 0.18, 0.03),
    "traffic": (0.01, 0.04, 0.80, 0.00, 0.08, 0.04, 0.00, 0.03),
}
#: share of incidents in place clusters (the rest is background)
CLUSTER_SHARE = 0.35
TRENDS = ("steady", "emerging", "fading")
ROADS = (
    "人民路",
    "干将路",
    "十全街",
    "凤凰街",
    "三香路",
    "劳动路",
    "金门路",
    "广济路",
    "东环路",
    "西环路",
    "南环路",
    "北环路",
    "金鸡湖大道",
    "星湖街",
    "现代大道",
    "苏州大道",
    "长江路",
    "竹园路",
    "友新路",
    "吴中大道",
    "东吴北路",
    "相城大道",
    "太湖大道",
    "中山路",
    "新华路",
    "解放路",
    "建设路",
    "学府路",
    "文化路",
    "园林路",
)
COLUMNS = (
    "警情编号",
    "报警时间",
    "警情类别",
    "警情细类",
    "处置结果",
    "发生地址",
    "经度",
    "纬度",
    "报警人",
    "联系电话",
)


def _places_in(area: shapely.Geometry) -> list[Place]:
    lon, lat = to_wgs84(
        np.array([p.lon for p in PLACES]), np.array([p.lat for p in PLACES]), "gcj02"
    )
    inside = shapely.contains_xy(area, lon, lat)
    return [p for p, ok in zip(PLACES, inside, strict=True) if ok]


def _strings(values: np.ndarray | list[str], index: np.ndarray) -> pa.Array:
    return pa.array(list(values), type=pa.string()).take(pa.array(index))


def _ints(values: np.ndarray, width: int = 0) -> pa.Array:
    text = pa.array(values).cast(pa.string())
    return pc.utf8_lpad(text, width=width, padding="0") if width else text


def _coords(values: np.ndarray) -> pa.Array:
    return pa.array(np.round(values, 6)).cast(pa.string())


def generate(city: City, n: int, rng: np.random.Generator) -> pa.Table:
    """`n` incidents as a table of strings (GCJ-02 coordinates), sorted by time."""
    area = shapely.union_all(city.districts.geometry.values)
    shapely.prepare(area)
    places = _places_in(area)
    comms = city.communities
    pop = comms.population.to_numpy().astype(float)
    tri = triangulate(comms.geometry.values)

    # which cluster: 0 = background, 1… = places
    weights = np.array([p.weight for p in places])
    comp_p = np.concatenate([[1 - CLUSTER_SHARE], CLUSTER_SHARE * weights / weights.sum()])
    comp = rng.choice(len(comp_p), size=n, p=comp_p)
    kinds = ["background"] + [p.kind for p in places]
    cdf = np.cumsum(np.array([SHARES[k] for k in kinds]), axis=1)
    cdf /= cdf[:, -1:]
    category = (rng.random(n)[:, None] > cdf[comp]).sum(axis=1)
    trend_of = np.array([0] + [TRENDS.index(p.trend) for p in places])

    # where: cluster points around their place, background points in a community
    lon, lat = np.empty(n), np.empty(n)
    p_lon, p_lat = to_wgs84(
        np.array([0.0] + [p.lon for p in places]),
        np.array([0.0] + [p.lat for p in places]),
        "gcj02",
    )
    sigma = np.array([0.0] + [p.sigma_m for p in places])
    clustered = comp > 0
    c = comp[clustered]
    lon[clustered] = p_lon[c] + rng.normal(0, 1, len(c)) * sigma[c] / M_PER_DEG_LON
    lat[clustered] = p_lat[c] + rng.normal(0, 1, len(c)) * sigma[c] / M_PER_DEG_LAT
    escaped = clustered & ~shapely.contains_xy(area, lon, lat)
    background = ~clustered | escaped
    community = np.full(n, -1)
    community[background] = rng.choice(len(comms), size=int(background.sum()), p=pop / pop.sum())
    lon[background], lat[background] = sample(tri, community[background], rng)
    comp[escaped] = 0

    secs = timeline.seconds(category, trend_of[comp], rng, TRENDS)
    order = np.argsort(secs, kind="stable")
    secs, category, comp, community, lon, lat = (
        a[order] for a in (secs, category, comp, community, lon, lat)
    )
    stamps = pa.array(timeline.START.astype("datetime64[s]") + secs.astype("timedelta64[s]"))
    day = secs // 86_400
    first = np.searchsorted(day, day, side="left")
    seq = np.arange(n) - first + 1

    sub = category * 4 + rng.integers(0, 4, n)
    disposition = rng.choice(len(DISPOSITIONS), size=n, p=DISPOSITION_P)
    prefix_names = ["苏州市" + p.name for p in places]
    town_name = dict(zip(city.towns.code, city.towns.name, strict=True))
    dist_name = dict(zip(city.districts.code, city.districts.name, strict=True))
    prefix_names = [
        "苏州市" + dist_name[d] + town_name[t]
        for d, t in zip(comms.district, comms.town, strict=True)
    ] + prefix_names
    prefix = np.where(comp > 0, len(comms) + comp - 1, community)
    name_pool = people.names(20_000, rng)
    g_lon, g_lat = from_wgs84(lon, lat, "gcj02")

    columns = {
        "警情编号": pc.binary_join_element_wise(
            "JQ", pc.strftime(stamps, format="%Y%m%d"), _ints(seq, 6), ""
        ),
        "报警时间": pc.strftime(stamps, format="%Y-%m-%d %H:%M:%S"),
        "警情类别": _strings(CATEGORIES, category),
        "警情细类": _strings([s for group in SUBCATEGORIES for s in group], sub),
        "处置结果": _strings(DISPOSITIONS, disposition),
        "发生地址": pc.binary_join_element_wise(
            _strings(prefix_names, prefix),
            _strings(ROADS, rng.integers(0, len(ROADS), n)),
            _ints(rng.integers(1, 400, n)),
            "号",
            "",
        ),
        "经度": _coords(g_lon),
        "纬度": _coords(g_lat),
        "报警人": _strings(name_pool, rng.integers(0, len(name_pool), n)),
        "联系电话": _ints(people.mobiles(n, rng)),
    }
    return pa.table(columns)

# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 警情热点研究 / Police-incident hotspot study
#
# 从样例城市的警情数据出发：加载 → H3 汇总 → 自动尺度的 Gi* 热点 → 按月的时空热点 →
# 持续 / 新增热点附近的重点场所 → 一张地图和一张可直接放进报告的表。
#
# From the sample city's incidents: load → H3 counts → Gi* at the automatic scale →
# emerging hot spots by month → key sites near persistent and new hot spots → one map
# and one table for the report.
#
# Settings (environment): `CIVICGRID_SAMPLE` (sample folder, default `demo-data/city`,
# what `make demo` writes), `CIVICGRID_NB_OUT` (output folder, default
# `demo-data/notebooks`). The database is the one `civicgrid` uses.

# %%
import json
import os
from pathlib import Path

import geopandas as gpd
import h3
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from matplotlib.patches import Patch
from sqlalchemy import text

import geo
from dashboards.i18n import emerging_label, t
from etl.load import load
from geo import hexes
from geo.config import settings
from geo.counts.refresh import refresh_counts
from geo.db.engine import get_engine
from geo.grids import store as grid_store
from geo.hotspots import choose_k, emerging, gi_star
from geo.hotspots import store as hot_store
from geo.hotspots.emerging import PATTERNS
from geo.hotspots.run import period_starts
from geo.palettes import GI_COLORS, emerging_color

# the project folder (holding the geo package): the local database's port is derived from it
ROOT = Path(os.environ.get("CIVICGRID_HOME") or Path(geo.__file__).resolve().parents[1])
os.environ["CIVICGRID_HOME"] = str(ROOT)
SAMPLE = Path(os.environ.get("CIVICGRID_SAMPLE", ROOT / "demo-data" / "city"))
OUT = Path(os.environ.get("CIVICGRID_NB_OUT", ROOT / "demo-data" / "notebooks")) / "hotspot_study"
OUT.mkdir(parents=True, exist_ok=True)

RES = 9  # H3 resolution of the study (~0.1 km² hexagons)
METRIC = settings().metric_crs
plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "DejaVu Sans"]
plt.rcParams["axes.unicode_minus"] = False
pd.set_option("display.max_colwidth", 60)
engine = get_engine()
print(engine.url.render_as_string(hide_password=True), "|", SAMPLE, "→", OUT)

# %% [markdown]
# ## 1. 加载样例城市 / Load the sample city
#
# 每个文件一次加载（一个事务）；已加载过的文件不会重复入库。读入行数 = 入库 + 拒绝 + 重复。
# One transaction per file; a file loaded before changes nothing. Read = loaded + rejected + duplicates.


# %%
def load_sample(folder: Path) -> pd.DataFrame:
    """Run the manifest's load commands in order (boundaries first); one report row per file."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    rows = []
    for entry in manifest["files"]:
        kind, rel, *rest = entry["load"][2:]  # civicgrid load KIND PATH [--option value]…
        options = {
            k.lstrip("-").replace("-", "_"): v for k, v in zip(rest[::2], rest[1::2], strict=True)
        }
        rows.append(load(kind, folder / rel, **options))
    return pd.DataFrame(rows)[
        ["kind", "file", "status", "read", "loaded", "rejected", "duplicates"]
    ]


if (SAMPLE / "manifest.json").exists():
    loads = load_sample(SAMPLE)
    loads["file"] = loads["file"].map(lambda f: Path(f).name)
    assert (loads["read"] == loads["loaded"] + loads["rejected"] + loads["duplicates"]).all()
    display(loads)
else:
    loads = pd.DataFrame(columns=["file", "status"])
    print(f"{SAMPLE} has no manifest.json: using what the database holds")

with engine.connect() as conn:
    n_incidents = conn.execute(text("SELECT count(*) FROM incidents")).scalar_one()
if not n_incidents:
    raise RuntimeError("no incidents in the database: run `make demo` or set CIVICGRID_SAMPLE")
print(f"警情 / incidents in the database: {n_incidents:,}")

# %% [markdown]
# ## 2. H3 汇总 / Incident counts per H3 cell
#
# 按日、周、月统计每个 H3 单元的警情数（增量：只加新批次）。
# Counts per cell × day/week/month (incremental: only new load batches are added).

# %%
agg = refresh_counts(engine)
print(agg.mode, "—", agg.reason, f"({agg.incidents:,} incidents added)")

area = hot_store.study_area(engine, RES)  # every cell of the city, zero where no incident
totals = hot_store.load_counts(engine, RES).set_index("cell")["count"]
print(
    f"{len(area):,} study cells at res {RES}, {(totals > 0).sum():,} with incidents, "
    f"{int(totals.sum()):,} incidents"
)

# %% [markdown]
# ## 3. 自动尺度的 Gi* 热点 / Gi* hot spots at the automatic scale
#
# 邻域大小 k（k 环）取全局 Moran's I z 值随 k 变化的第一个峰值，即聚集最明显的尺度；
# 显著性经 Benjamini–Hochberg FDR 校正，分级同 ArcGIS Gi_Bin（±3/±2/±1 = 99/95/90 %）。
#
# The neighbourhood (k-ring) is the first peak of global Moran's I z over k, the scale at
# which clustering is most pronounced; p-values are FDR-corrected and binned like ArcGIS Gi_Bin.

# %%
k, k_table = choose_k(totals, area)
gi = gi_star(totals, k=k, area=area)

fig, ax = plt.subplots(figsize=(5, 2.6))
ax.plot(k_table["k"], k_table["z"], marker="o", color="#555555")
ax.scatter(
    [k],
    k_table.loc[k_table["peak"], "z"],
    s=120,
    color=GI_COLORS[3],
    zorder=3,
    label=f"选定 / chosen k = {k}",
)
ax.set(xlabel="k 环 / k-ring", ylabel="Moran's I z", title="空间聚集强度 / clustering by scale")
ax.legend(frameon=False)
plt.show()

bins = gi["bin"].value_counts().reindex(range(3, -4, -1), fill_value=0)
display(
    pd.DataFrame(
        {
            "Gi_Bin": bins.index,
            "含义 / meaning": [t(f"bin.{b}") for b in bins.index],
            "单元数 / cells": bins.to_numpy(),
        }
    )
)

# %% [markdown]
# ## 4. 按月的时空热点 / Emerging hot spots by month
#
# 时空立方体（单元 × 月）上的 Gi*，加 Mann–Kendall 趋势检验，归入 ArcGIS 的时空模式类别。
# Gi* in the space-time cube (cells × months) with a Mann–Kendall trend, classified like
# ArcGIS Emerging Hot Spot Analysis.

# %%
monthly = hot_store.load_counts(engine, RES, by="month")
months = period_starts(monthly["period"].min(), monthly["period"].max(), "month")
em = emerging(monthly, k=k, area=area, periods=months)
print(f"{len(months)} months, {months[0]:%Y-%m} … {months[-1]:%Y-%m}")

patterns = em["category"].value_counts()
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.barh(
    [emerging_label(c) for c in patterns.index],
    patterns.to_numpy(),
    color=[emerging_color(c) for c in patterns.index],
    edgecolor="#999999",
)
ax.invert_yaxis()
ax.set(xlabel="单元数 / cells", title="时空模式 / emerging patterns")
plt.show()

# %% [markdown]
# ## 5. 地图 / Map
#
# 左：Gi* 置信分级；右：时空模式。黑线为区界，灰线为街道界，黑框单元为报告表前 10 名。
# Left: Gi* confidence bins; right: emerging patterns. Black: district, grey: town
# outlines; cells outlined in black are the report table's top 10.

# %%
units = grid_store.read_units(engine, ("district", "town")).to_crs(METRIC)
category = em["category"].reindex(gi.index).fillna("no_pattern")
# only significant cells are drawn (a city has ~10⁵ cells), over the city in light grey
cells = gi.index[(gi["bin"] != 0) | (category != "no_pattern")].to_numpy()
hexmap = gpd.GeoDataFrame(
    {"bin": gi.loc[cells, "bin"].to_numpy(), "category": category.loc[cells].to_numpy()},
    geometry=gpd.GeoSeries(hexes.boundaries(cells.astype(np.uint64)), index=cells, crs="EPSG:4326"),
    index=cells,
).to_crs(METRIC)
hot = gi[gi["bin"] > 0].sort_values("gi_z", ascending=False)
top = hot.head(10)

fig, axes = plt.subplots(1, 2, figsize=(13, 6.5))
for ax, column, colour_of, blank in (
    (axes[0], "bin", GI_COLORS.get, 0),
    (axes[1], "category", emerging_color, "no_pattern"),
):
    units[units["level"] == "district"].plot(ax=ax, color=GI_COLORS[0], linewidth=0)
    shown = hexmap[hexmap[column] != blank]
    shown.plot(ax=ax, color=shown[column].map(colour_of), linewidth=0)
    units[units["level"] == "town"].boundary.plot(ax=ax, color="#8c8c8c", linewidth=0.6)
    units[units["level"] == "district"].boundary.plot(ax=ax, color="#222222", linewidth=1.4)
    ax.set_axis_off()
hexmap.loc[top.index].boundary.plot(ax=axes[0], color="#000000", linewidth=1.2)
axes[0].set_title(f"Gi* 热点（k = {k}，FDR）/ Gi* hot spots")
axes[1].set_title("时空模式（按月）/ emerging patterns by month")
axes[0].legend(
    handles=[
        *(Patch(color=GI_COLORS[b], label=t(f"bin.{b}")) for b in range(3, -4, -1)),
        Patch(facecolor="none", edgecolor="#000000", label="报告表前 10 / top 10"),
    ],
    loc="lower left",
    fontsize=8,
    frameon=False,
)
order = [f"{p}_{sign}_spot" for sign in ("hot", "cold") for p in PATTERNS]
shown = [c for c in order if c in patterns.index]
axes[1].legend(
    handles=[Patch(color=emerging_color(c), label=emerging_label(c)) for c in shown],
    loc="lower left",
    fontsize=8,
    frameon=False,
    ncol=2,
)
fig.tight_layout()
map_png = OUT / "hotspot_map.png"
fig.savefig(map_png, dpi=120, bbox_inches="tight")
plt.show()

# %% [markdown]
# ## 6. 持续 / 新增热点附近的重点场所 / Key sites near persistent and new hot spots
#
# 学校、车站、医院等重点场所位于持续（含加强）或新增（含连续）热点单元内或 300 米以内。
# Schools, stations, hospitals… inside or within 300 m of a persistent (or intensifying) or
# new (or consecutive) hot spot.

# %%
WATCH = ("persistent_hot_spot", "intensifying_hot_spot", "new_hot_spot", "consecutive_hot_spot")
SITE_KINDS = {
    "school": "学校",
    "hospital": "医院",
    "station": "车站",
    "elder_care": "养老机构",
    "government": "政府机关",
    "mall": "商场",
}
watched = em.index[em["category"].isin(WATCH)]
near = hot_store.key_sites_near(engine, watched, radius_m=300)
near = near.sort_values("distance_m").drop_duplicates("name")  # each site by its nearest hot cell
places = hot_store.places(engine, near["cell"])
sites = pd.DataFrame(
    {
        "重点场所 / site": near["name"].to_numpy(),
        "类型 / kind": near["kind"].map(SITE_KINDS).fillna(near["kind"]).to_numpy(),
        "距离（米）/ distance m": near["distance_m"].round(0).astype(int).to_numpy(),
        "时空模式 / pattern": em.loc[near["cell"], "category"].map(emerging_label).to_numpy(),
        "街道 / town": places["town"].to_numpy(),
        "网格 / grid": places["grid"].to_numpy(),
    }
)
sites.to_csv(OUT / "key_sites_near_hotspots.csv", index=False, encoding="utf-8-sig")
print(f"{len(watched)} persistent/new hot cells, {len(sites)} key sites within 300 m")
display(sites.head(15))

# %% [markdown]
# ## 7. 报告表 / Report table
#
# Gi* 最强的 10 个热点单元：位置（街道、网格）、警情数、置信度、时空模式、趋势和附近重点场所。
# The 10 strongest Gi* hot cells: where (town, grid), incidents, confidence, emerging
# pattern, trend and the key sites nearby.

# %%
where = hot_store.places(engine, top.index)
nearby = hot_store.key_sites_near(engine, top.index, radius_m=300).groupby("cell")["name"]


def trend(cell: int) -> str:
    """上升 / 下降 when the Mann–Kendall trend of the cell's monthly z is significant."""
    row = em.loc[cell]
    if row["trend_p"] >= 0.05:
        return "平稳 / steady"
    return "上升 / rising" if row["trend_z"] > 0 else "下降 / falling"


report = pd.DataFrame(
    {
        "排名 / rank": range(1, len(top) + 1),
        "H3 单元 / cell": [h3.int_to_str(int(c)) for c in top.index],
        "街道 / town": where["town"].to_numpy(),
        "网格 / grid": where["grid"].to_numpy(),
        "警情数 / incidents": top["value"].astype(int).to_numpy(),
        "Gi* z": top["gi_z"].round(2).to_numpy(),
        "Gi_Bin": top["bin"].to_numpy(),
        "置信度 / confidence": [t(f"bin.{b}") for b in top["bin"]],
        "时空模式 / pattern": [emerging_label(em.loc[c, "category"]) for c in top.index],
        "趋势 / trend": [trend(c) for c in top.index],
        "附近重点场所 / key sites": [
            "、".join(nearby.get_group(c).head(3)) if c in nearby.groups else "" for c in top.index
        ],
    }
)
report.to_csv(OUT / "hotspot_report.csv", index=False, encoding="utf-8-sig")
display(report)

# %%
summary = {
    "loads": dict(zip(loads["file"], loads["status"], strict=True)),
    "res": RES,
    "k": k,
    "months": len(months),
    "study_cells": int(len(area)),
    "incidents": int(totals.sum()),
    "hot_cells": int((gi["bin"] > 0).sum()),
    "cold_cells": int((gi["bin"] < 0).sum()),
    "patterns": {c: int(n) for c, n in patterns.items()},
    "watched_cells": int(len(watched)),
    "key_sites_near": int(len(sites)),
    "top_cells": [int(c) for c in top.index],
    "files": sorted(p.name for p in OUT.iterdir() if p.name != "summary.json"),
}
(OUT / "summary.json").write_text(
    json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8"
)
print(json.dumps({key: v for key, v in summary.items() if key != "top_cells"}, ensure_ascii=False))

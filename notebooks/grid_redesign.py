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
# # 网格调整演练 / Grid redesign walkthrough
#
# 区县规划人员调整网格的一轮完整流程：现行网格的工作量 → 生成调整草案 → 拓扑与工作量检查 →
# 与现行版本对比 → 备案材料。
#
# One round of a district planner's grid adjustment: workload of the grids in force →
# a proposed draft → topology and workload check → diff against the version in force →
# the filing package.
#
# Settings (environment): `CIVICGRID_NB_DRAFT` (name of the draft, default `notebook-draft`;
# reused when it exists), `CIVICGRID_NB_OUT` (output folder, default `demo-data/notebooks`).
# Needs the sample city loaded (`make demo`, or the hotspot study notebook).

# %%
import json
import os
from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display
from matplotlib.patches import Patch

import geo
from geo.config import settings
from geo.db.engine import get_engine
from geo.grids import check, diff, filing, store, versions, workflow
from geo.grids.workload import workload
from geo.palettes import BAND_COLORS, CHANGE_COLORS

# the project folder (holding the geo package): the local database's port is derived from it
ROOT = Path(os.environ.get("CIVICGRID_HOME") or Path(geo.__file__).resolve().parents[1])
os.environ["CIVICGRID_HOME"] = str(ROOT)
OUT = Path(os.environ.get("CIVICGRID_NB_OUT", ROOT / "demo-data" / "notebooks")) / "grid_redesign"
OUT.mkdir(parents=True, exist_ok=True)
DRAFT = os.environ.get("CIVICGRID_NB_DRAFT", "notebook-draft")

METRIC = settings().metric_crs
plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "DejaVu Sans"]
plt.rcParams["axes.unicode_minus"] = False
engine = get_engine()

active = versions.in_force(engine)
if active is None:
    raise RuntimeError("no grid version is in force: load the sample city first (make demo)")
print(f"现行版本 / version in force: {active.name} ({active.status}, {active.grids} grids)")

# %% [markdown]
# ## 1. 现行网格的工作量 / Workload of the grids in force
#
# 工作量（小时/月）按网格服务管理事项清单计算：每项 = 数量 × 每年次数 × 每次分钟 ÷ 60 ÷ 12
# （清单见 `civicgrid items list`，默认 `data/service_items.csv`）。户数合理区间 300–500 户；
# 工作量区间为各网格均值 ± 1.5 倍标准差（见 `geo.grids.workload`）。
#
# Workload in hours a month from the service-item list: each item = count × times a year ×
# minutes ÷ 60 ÷ 12 (`civicgrid items list`; default `data/service_items.csv`);
# households band 300–500, workload band the mean ± 1.5 sd over the grids.

# %%
inputs = workflow.read_inputs(engine)  # the item list in use and the layers it counts
before = workflow.grid_workload(engine, active.name, inputs)
low, high = before.attrs["households_band"]
w_low, w_high = before.attrs["workload_band"]

fig, axes = plt.subplots(1, 3, figsize=(14, 4.5), gridspec_kw={"width_ratios": [1, 1, 1.3]})
for ax, column, (a, b), title in (
    (axes[0], "households", (low, high), "户数 / households"),
    (axes[1], "workload", (w_low, w_high), "工作量 / workload"),
):
    ax.hist(before[column].dropna(), bins=30, color="#8c8c8c")
    ax.axvspan(a, b, color="#59a14f", alpha=0.15, label="合理区间 / band")
    ax.set(title=title, ylabel="网格数 / grids")
    ax.legend(frameon=False)
band = before["households_flag"].map({"below": "under", "in_band": "in", "above": "over"})
before.to_crs(METRIC).plot(
    ax=axes[2],
    color=band.map(BAND_COLORS).fillna(BAND_COLORS["unknown"]),
    edgecolor="#555555",
    linewidth=0.3,
)
axes[2].set_axis_off()
axes[2].set_title(f"户数分档 / household band ({active.name})")
axes[2].legend(
    handles=[
        Patch(color=BAND_COLORS[k], label=lbl)
        for k, lbl in (("under", "偏少 / under"), ("in", "合理 / in band"), ("over", "偏多 / over"))
    ],
    loc="lower left",
    fontsize=8,
    frameon=False,
)
fig.tight_layout()
fig.savefig(OUT / "workload.png", dpi=110, bbox_inches="tight")
plt.show()

flagged = before[before["flagged"]].sort_values("workload", ascending=False)
display(
    flagged[["grid_code", "name", "households", "households_flag", "workload", "workload_flag"]]
    .head(10)
    .round(1)
)
print(f"{len(flagged)} of {len(before)} grids outside a band")

# %% [markdown]
# ## 2. 生成调整草案 / Propose a draft
#
# 超出区间的网格所在社区被重新划分：以 H3 单元为积木，按社区面积分摊户数，生长出连片、
# 均衡、紧凑的新网格；其余社区保持不变。草案不影响现行版本。
#
# Communities with out-of-band grids are redrawn from H3 building blocks (households
# apportioned by area) into contiguous, balanced, compact grids; other communities keep
# their grids. The draft does not touch the version in force.

# %%
if any(v.name == DRAFT for v in versions.list_versions(engine)):
    draft = versions.get(engine, DRAFT)
    print(f"草案已存在，沿用 / draft {DRAFT} exists ({draft.status}): reusing it")
else:
    _, draft = workflow.propose_version(engine, active.name, DRAFT, seed=0)
print(f"草案 / draft {draft.name}: {draft.grids} grids from {draft.parent}")
display(pd.DataFrame([draft.params["communities"]], index=["社区 / communities"]))

# %% [markdown]
# ## 3. 检查草案 / Check the draft
#
# 拓扑：空隙、重叠、无效几何、重复编码、跨越上级单元（面积小于 1 m² 的碎片忽略）；
# 以及调整前后各档网格数。
#
# Topology (gaps, overlaps, invalid shapes, duplicate codes, grids crossing their parent
# unit; slivers under 1 m² ignored) and the grids per band before and after.

# %%
grids = store.read_grids(engine, DRAFT)
problems = check(grids, store.read_units(engine, ("town", "community")))
display(problems.drop(columns="geometry").assign(area_m2=problems["area_m2"].round(1)))

# the draft's workload against the same bands as the version in force
table = workload(
    grids,
    inputs.items,
    inputs.layers,
    as_of=inputs.as_of,
    workload_band=before.attrs["workload_band"],
)
after = gpd.GeoDataFrame(table, geometry=grids.geometry.to_numpy(), crs=grids.crs)
FLAGS = {
    "below": "偏少 / under",
    "low": "偏少 / under",
    "in_band": "合理 / in band",
    "above": "偏多 / over",
    "high": "偏多 / over",
    "unknown": "未知 / unknown",
}
bands = (
    pd.DataFrame(
        {
            (name, column): frame[f"{column}_flag"].map(FLAGS).value_counts()
            for name, frame in ((active.name, before), (DRAFT, after))
            for column in ("households", "workload")
        }
    )
    .fillna(0)
    .astype(int)
)
bands.columns.names = ["版本 / version", "网格数 / grids"]
display(bands)

# %% [markdown]
# ## 4. 与现行版本对比 / Diff against the version in force
#
# 每处变化一行：未变、边界调整、拆分、合并、新增、撤销，附调整前后的户数与工作量。
# One row per change: unchanged, reshaped, split, merged, new, removed — with households
# and workload before and after.

# %%
changes = diff(before, after)
counts = changes["change"].value_counts()
display(counts.rename_axis("变更 / change").to_frame("处 / changes").T)

changed = changes[changes["change"] != "unchanged"].to_crs(METRIC)
fig, axes = plt.subplots(1, 2, figsize=(13, 6))
for ax, layer, title in (
    (axes[0], before, f"调整前 / before ({active.name})"),
    (axes[1], after, f"调整后 / after ({DRAFT})"),
):
    for kind, part in changed.groupby("change"):
        part.plot(ax=ax, color=CHANGE_COLORS.get(kind, "#cccccc"), linewidth=0)
    layer.to_crs(METRIC).boundary.plot(ax=ax, color="#333333", linewidth=0.3)
    ax.set_axis_off()
    ax.set_title(title)
labels = {
    "reshaped": "边界调整 / reshaped",
    "split": "拆分 / split",
    "merged": "合并 / merged",
    "new": "新增 / new",
    "removed": "撤销 / removed",
}
fig.legend(
    handles=[
        Patch(color=CHANGE_COLORS.get(k, "#cccccc"), label=v)
        for k, v in labels.items()
        if k in counts.index
    ],
    loc="lower center",
    ncol=5,
    frameon=False,
)
fig.tight_layout(rect=(0, 0.05, 1, 1))
fig.savefig(OUT / "changes.png", dpi=110, bbox_inches="tight")
plt.show()

display(
    changed[
        [
            "change",
            "old_codes",
            "new_codes",
            "households_before",
            "households_after",
            "workload_before",
            "workload_after",
        ]
    ]
    .round(0)
    .head(15)
)

# %% [markdown]
# ## 5. 备案材料 / Filing package
#
# 报送市网格管理机构的材料：UTF-8 与 GBK 两套 Shapefile（CGCS2000 .prj，.cpg）、变更清单
# CSV/XLSX、含前后对比图的 summary.html、带 SHA-256 的 manifest.json。这里生成草案的预览；
# 正式备案先 `civicgrid grids activate NAME` 启用，再 `civicgrid grids file NAME --out DIR`
# （同样的材料，并把版本标记为已备案）。
#
# What goes to the city's grid agency: shapefiles in UTF-8 and GBK, the change list as
# CSV/XLSX, summary.html with a before/after map, manifest.json with SHA-256. This is a
# preview for the draft; the filing itself is `civicgrid grids activate NAME` then
# `civicgrid grids file NAME --out DIR` (same package, and the version is marked filed).

# %%
package = filing.build(
    grids,
    store.read_grids(engine, active.name),
    store.read_units(engine, ("district", "town", "community")),
    OUT / "filing",
    version=DRAFT,
    previous=active.name,
)
display(
    pd.DataFrame(
        {
            "文件 / file": [str(p.relative_to(package.folder)) for p in package.files],
            "字节 / bytes": [p.stat().st_size for p in package.files],
        }
    )
)

summary = {
    "active": active.name,
    "draft": DRAFT,
    "grids_before": int(len(before)),
    "grids_after": int(len(after)),
    "flagged_before": int(before["flagged"].sum()),
    "flagged_after": int(after["flagged"].sum()),
    "problems": {k: int(n) for k, n in problems["problem"].value_counts().items()},
    "changes": {k: int(n) for k, n in counts.items()},
    "filing": str(package.folder),
    "filing_files": len(package.files),
}
(OUT / "summary.json").write_text(
    json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8"
)
print(json.dumps(summary, ensure_ascii=False))

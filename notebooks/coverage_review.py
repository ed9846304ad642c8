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
# # 设施覆盖评估 / Facility coverage review
#
# 派出所、避难场所、调解室、视频监控的服务范围覆盖了多少警情、出租房屋、危险源和城区面积；
# 哪里是盲区；新增几处派出所（最大覆盖选址 MCLP）能多覆盖多少警情。
#
# How much of the incidents, rental housing, hazard sources and city area lies within
# reach of police stations, shelters, mediation rooms and cameras; where the blind spots
# are; and how many more incidents N new police stations would cover (maximal covering
# location problem).
#
# Distances are straight lines in the city's metric CRS (CGCS2000 Gauss-Kruger), not along
# streets. Settings (environment): `CIVICGRID_NB_OUT` (output folder, default
# `demo-data/notebooks`), `CIVICGRID_NB_NEW_SITES` (N, default 3). Needs the sample city
# loaded (`make demo`, or the hotspot study notebook).

# %%
import json
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from matplotlib import patheffects
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

import geo
from geo.config import settings
from geo.coverage import analysis
from geo.coverage import store as cov
from geo.coverage.facilities import covered, unit_codes
from geo.db.engine import get_engine

# the project folder (holding the geo package): the local database's port is derived from it
ROOT = Path(os.environ.get("CIVICGRID_HOME") or Path(geo.__file__).resolve().parents[1])
os.environ["CIVICGRID_HOME"] = str(ROOT)
OUT = Path(os.environ.get("CIVICGRID_NB_OUT", ROOT / "demo-data" / "notebooks")) / "coverage_review"
OUT.mkdir(parents=True, exist_ok=True)
N_NEW = int(os.environ.get("CIVICGRID_NB_NEW_SITES", "3"))

RES = 9  # H3 resolution of the study-area cells (~0.1 km²)
METRIC = settings().metric_crs
KINDS = {
    "police_station": "派出所",
    "shelter": "避难场所",
    "mediation_room": "调解室",
    "camera": "视频监控",
}
LAYERS = {"incidents": "警情", "rentals": "出租房屋", "hazards": "危险源", "cells": "城区面积"}
plt.rcParams["font.sans-serif"] = ["Noto Sans CJK SC", "DejaVu Sans"]
plt.rcParams["axes.unicode_minus"] = False
engine = get_engine()

data = cov.read_inputs(
    engine, res=RES
)  # admin units, study cells, incidents, rentals, hazards, facilities
if not len(data.incidents) or not len(data.facilities):
    raise RuntimeError("no incidents or facilities loaded: load the sample city first (make demo)")
towns = data.units[data.units["level"] == "town"].set_index("code")["name"]
print(
    f"{len(data.study):,} study cells, {len(data.incidents):,} incidents, "
    f"{len(data.facilities):,} facilities"
)

# %% [markdown]
# ## 1. 覆盖率 / Covered shares
#
# 每类设施在其服务半径内覆盖的比例（全市）；右图为各街道派出所 1.5 km 范围内的警情比例。
# Share within each kind's service radius (city); right: share of each town's incidents
# within reach of a police station.

# %%
result = analysis.shares(data, analysis.FACILITY_KINDS, cov.radii())
table, kinds = result["shares"], result["facilities"]
city = (
    table[table["level"] == "city"]
    .pivot(index="kind", columns="layer", values="share")
    .reindex(index=list(KINDS), columns=list(LAYERS))
)
by_town = (
    table[
        (table["level"] == "town")
        & (table["kind"] == "police_station")
        & (table["layer"] == "incidents")
    ]
    .set_index("code")["share"]
    .sort_values()
)

fig, axes = plt.subplots(1, 2, figsize=(13, 4), gridspec_kw={"width_ratios": [1.2, 1]})
image = axes[0].imshow(city.to_numpy(), cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
for (i, j), value in np.ndenumerate(city.to_numpy()):
    axes[0].text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=11)
radius = kinds.set_index("kind")["radius_m"]
axes[0].set_yticks(range(len(KINDS)), [f"{KINDS[k]}（{radius[k]:.0f} m）" for k in city.index])
axes[0].set_xticks(range(len(LAYERS)), [LAYERS[c] for c in city.columns])
axes[0].set_title("全市覆盖率 / city-wide covered share")
axes[1].barh([towns.get(c, c) for c in by_town.index], by_town.to_numpy(), color="#4e79a7")
axes[1].axvline(
    city.loc["police_station", "incidents"], color="#e15759", linestyle="--", label="全市 / city"
)
axes[1].set_xlim(0, 1)
axes[1].xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
axes[1].set_title("各街道派出所覆盖的警情 / incidents near a police station")
axes[1].legend(frameon=False, loc="lower right")
fig.tight_layout()
fig.savefig(OUT / "shares.png", dpi=110, bbox_inches="tight")
plt.show()
display(kinds.assign(kind=kinds["kind"].map(KINDS)))

# %% [markdown]
# ## 2. 盲区 / Blind spots
#
# 盲区 = 不在任何该类设施服务半径内的 H3 单元（中心点），按单元内警情数排序。
# A blind spot is a study cell whose centre no facility of the kind reaches; ranked by the
# incidents inside it.

# %%
blind = {kind: analysis.uncovered(data, [kind], cov.radii(), top=None) for kind in KINDS}
display(
    pd.DataFrame(
        {
            "盲区单元 / blind cells": [len(blind[k]) for k in KINDS],
            "占城区 / of the city": [f"{len(blind[k]) / len(data.study):.0%}" for k in KINDS],
            "盲区内警情 / incidents inside": [int(blind[k]["incidents"].sum()) for k in KINDS],
        },
        index=[KINDS[k] for k in KINDS],
    )
)

police_blind = blind["police_station"]
worst = police_blind.head(10)
display(
    pd.DataFrame(
        {
            "排名 / rank": worst["rank"].to_numpy(),
            "街道 / town": worst["town"].map(towns).to_numpy(),
            "警情数 / incidents": worst["incidents"].to_numpy(),
            "经度 / lon": worst["lon"].round(5).to_numpy(),
            "纬度 / lat": worst["lat"].round(5).to_numpy(),
        }
    )
)
cov.write_csv(police_blind, OUT, "police_blind_spots")

# %% [markdown]
# ## 3. 新增派出所选址 / Suggested new police stations (MCLP)
#
# 需求：现有派出所覆盖不到的每一起警情（按点计，不挪位置）；候选点：城区 H3 单元中心。
# 在 N 个新址下求覆盖警情最多的组合（在时间预算内用整数规划精确求解，否则贪心，并报告最优性差距）。
#
# Demand: every incident no police station reaches, as its own point; candidates:
# study-cell centres. Choose N sites covering the most of them (the exact integer
# programme within a time budget, else greedy; the optimality gap is reported).

# %%
sites = analysis.siting(data, "police_station", N_NEW, cov.radii()["police_station"])
r = sites.attrs["radius_m"]
stations = data.sites("police_station")
incidents = data.incidents.geometry
share_before = float(covered(incidents, stations, r).mean())
share_after = float(covered(incidents, pd.concat([stations, sites.geometry]), r).mean())
print(
    f"{sites.attrs['method']}: {sites.attrs['covered']:.0f} of {sites.attrs['uncovered_before']:.0f} "
    f"uncovered incidents newly covered (optimality gap {sites.attrs['optimality_gap']:.1%}); "
    f"police-station coverage of incidents {share_before:.1%} → {share_after:.1%}"
)
new_table = pd.DataFrame(
    {
        "序号 / order": sites["order"].to_numpy(),
        "街道 / town": unit_codes(sites.geometry, data.units)["town"].map(towns).to_numpy(),
        "新覆盖警情 / incidents gained": sites["gain"].astype(int).to_numpy(),
        "经度 / lon": sites["lon"].round(5).to_numpy(),
        "纬度 / lat": sites["lat"].round(5).to_numpy(),
    }
)
new_table.to_csv(OUT / "new_police_stations.csv", index=False, encoding="utf-8-sig")
display(new_table)

# %%
units = data.units.to_crs(METRIC)
blind_m = police_blind.to_crs(METRIC)
fig, ax = plt.subplots(figsize=(8, 8))
blind_m.plot(
    ax=ax,
    column="incidents",
    cmap="OrRd",
    linewidth=0,
    legend=True,
    legend_kwds={"label": "盲区单元内警情 / incidents in blind cells", "shrink": 0.5},
)
stations_m = stations.to_crs(METRIC)
stations_m.buffer(r).boundary.plot(ax=ax, color="#4e79a7", linewidth=0.8)
stations_m.plot(ax=ax, color="#4e79a7", marker="^", markersize=40)
new_m = sites.to_crs(METRIC)
new_m.buffer(r).boundary.plot(ax=ax, color="#e15759", linewidth=1.2, linestyle="--")
new_m.plot(ax=ax, color="#e15759", marker="*", markersize=220, edgecolor="#000000", linewidth=0.5)
for row in new_m.itertuples():
    ax.annotate(
        str(row.order),
        (row.geometry.x, row.geometry.y),
        xytext=(6, 6),
        textcoords="offset points",
        fontsize=12,
        fontweight="bold",
        color="#e15759",
        path_effects=[patheffects.withStroke(linewidth=3, foreground="#ffffff")],
    )
units[units["level"] == "town"].boundary.plot(ax=ax, color="#8c8c8c", linewidth=0.6)
units[units["level"] == "district"].boundary.plot(ax=ax, color="#222222", linewidth=1.4)
ax.set_axis_off()
ax.set_title(
    f"派出所盲区与 {N_NEW} 处建议新址 / police blind spots and {N_NEW} suggested sites\n"
    f"警情覆盖率 / incidents covered {share_before:.0%} → {share_after:.0%}"
)
ax.legend(
    handles=[
        Line2D(
            [],
            [],
            color="#4e79a7",
            marker="^",
            linestyle="-",
            label=f"现有派出所（{r / 1000:.1f} km）/ existing stations",
        ),
        Line2D(
            [],
            [],
            color="#e15759",
            marker="*",
            markersize=12,
            linestyle="--",
            label="建议新址 / suggested sites",
        ),
        Patch(color="#fc8d59", label="盲区 / blind spot"),
    ],
    loc="lower left",
    fontsize=9,
    frameon=True,
)
fig.savefig(OUT / "new_sites_map.png", dpi=110, bbox_inches="tight")
plt.show()

# %%
summary = {
    "res": RES,
    "study_cells": int(len(data.study)),
    "incidents": int(len(data.incidents)),
    "city_shares": {
        k: {layer: round(float(v), 4) for layer, v in row.items()} for k, row in city.iterrows()
    },
    "blind_cells": {k: int(len(blind[k])) for k in KINDS},
    "new_sites": {
        "kind": "police_station",
        "n": int(len(sites)),
        "method": sites.attrs["method"],
        "optimality_gap": float(sites.attrs["optimality_gap"]),
        "radius_m": r,
        "covered": float(sites.attrs["covered"]),
        "share_before": share_before,
        "share_after": share_after,
        "cells": [int(c) for c in sites["cell"]],
    },
    "files": sorted(p.name for p in OUT.iterdir() if p.name != "summary.json"),
}
(OUT / "summary.json").write_text(
    json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8"
)
print(json.dumps(summary["new_sites"], ensure_ascii=False))

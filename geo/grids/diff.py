"""What changed between two grid versions, matched by area overlap.

Old and new grids are linked when one holds at least half of the other's area (or,
for a grid linked to nothing, its largest counterpart when that holds ≥ 10 % of it).
Each connected group of linked grids is one change:

- 1 old ↔ 1 new, ≥ 95 % of each other's area and the same code → ``unchanged``
- 1 old ↔ 1 new otherwise, or several ↔ several → ``reshaped``
- 1 old → several new → ``split``;  several old → 1 new → ``merged``
- an old grid without counterpart → ``removed``; a new one → ``new``
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from geo.grids.geometry import WGS84, polygonal, repaired, to_metric

CHANGES = ("unchanged", "reshaped", "split", "merged", "new", "removed")
#: columns summed before/after when both versions carry them
#: (the names of geo.grids.workload's table)
WORKLOAD_COLUMNS = ("households", "population", "rental_units", "hazards", "hazard_weight",
                    "incidents", "workload")
SAME_SHARE = 0.95
LINK_SHARE = 0.5
FALLBACK_SHARE = 0.10


def diff(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame,
         workload_columns: tuple[str, ...] = WORKLOAD_COLUMNS) -> gpd.GeoDataFrame:
    """One row per change from `old` to `new` (both with `grid_code`).

    Columns: `change`, `old_codes`, `new_codes` (sorted lists), `town_code` (when the
    grids carry one), `area_before_m2`, `area_after_m2`, `<col>_before` / `<col>_after`
    for each workload column present in both versions; geometry = the grids after the
    change (before, for a removed grid), in WGS-84.
    """
    o, n = to_metric(old).reset_index(drop=True), to_metric(new).reset_index(drop=True)
    og, ng = repaired(o.geometry.to_numpy()), repaired(n.geometry.to_numpy())
    labels_old, labels_new = _components(og, ng)
    columns = [c for c in workload_columns if c in o and c in n]
    rows, geoms = [], []
    for label in np.unique(np.r_[labels_old, labels_new]):
        io, jn = np.flatnonzero(labels_old == label), np.flatnonzero(labels_new == label)
        old_codes = sorted(o["grid_code"].astype(str).iloc[io])
        new_codes = sorted(n["grid_code"].astype(str).iloc[jn])
        row = {
            "change": _kind(og[io], ng[jn], old_codes, new_codes),
            "old_codes": old_codes,
            "new_codes": new_codes,
            "town_code": _town(n.iloc[jn] if len(jn) else o.iloc[io]),
            "area_before_m2": float(shapely.area(og[io]).sum()),
            "area_after_m2": float(shapely.area(ng[jn]).sum()),
        }
        for c in columns:
            row[f"{c}_before"] = float(pd.to_numeric(o[c].iloc[io]).fillna(0).sum())
            row[f"{c}_after"] = float(pd.to_numeric(n[c].iloc[jn]).fillna(0).sum())
        rows.append(row)
        geoms.append(shapely.union_all(ng[jn] if len(jn) else og[io]))
    frame = pd.DataFrame(rows, columns=_columns(columns))
    out = gpd.GeoDataFrame(frame, geometry=geoms, crs=o.crs).to_crs(WGS84)
    order = out["change"].map({c: i for i, c in enumerate(CHANGES)})
    first = out["old_codes"].str[0].fillna(out["new_codes"].str[0])
    return out.assign(_o=order, _f=first).sort_values(["_o", "_f"]).drop(
        columns=["_o", "_f"]).reset_index(drop=True)


def _columns(workload: list[str]) -> list[str]:
    base = ["change", "old_codes", "new_codes", "town_code", "area_before_m2", "area_after_m2"]
    return base + [f"{c}_{w}" for c in workload for w in ("before", "after")]


def _components(og: np.ndarray, ng: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Connected-component label of each old and new grid in the overlap graph."""
    i, j = shapely.STRtree(og).query(ng, predicate="intersects")[::-1]  # i old, j new
    inter = shapely.area(polygonal(shapely.intersection(og[i], ng[j])))
    share_old = inter / np.maximum(shapely.area(og[i]), 1e-9)
    share_new = inter / np.maximum(shapely.area(ng[j]), 1e-9)
    link = (share_old >= LINK_SHARE) | (share_new >= LINK_SHARE)
    link |= _fallback(i, share_old, link, len(og)) | _fallback(j, share_new, link, len(ng))
    n_old = len(og)
    graph = coo_matrix((np.ones(link.sum()), (i[link], n_old + j[link])),
                       shape=(n_old + len(ng),) * 2)
    _, labels = connected_components(graph, directed=False)
    return labels[:n_old], labels[n_old:]


def _fallback(owner: np.ndarray, share: np.ndarray, link: np.ndarray, n: int) -> np.ndarray:
    """For grids linked to nothing: their largest counterpart, if it holds ≥ 10 % of them."""
    linked = np.zeros(n, dtype=bool)
    linked[owner[link]] = True
    extra = np.zeros(len(owner), dtype=bool)
    best = pd.DataFrame({"owner": owner, "share": share}).query("share >= @FALLBACK_SHARE")
    best = best[~linked[best["owner"].to_numpy()]]
    extra[best.groupby("owner")["share"].idxmax().to_numpy()] = True
    return extra


def _kind(og: np.ndarray, ng: np.ndarray, old_codes: list[str], new_codes: list[str]) -> str:
    if not len(ng):
        return "removed"
    if not len(og):
        return "new"
    if len(og) == 1 and len(ng) == 1:
        inter = shapely.area(polygonal([og[0].intersection(ng[0])])[0])
        same = inter >= SAME_SHARE * og[0].area and inter >= SAME_SHARE * ng[0].area
        return "unchanged" if same and old_codes == new_codes else "reshaped"
    if len(og) == 1:
        return "split"
    if len(ng) == 1:
        return "merged"
    return "reshaped"


def _town(frame: pd.DataFrame) -> str | None:
    if "town_code" in frame:
        towns = frame["town_code"].dropna().astype(str)
        if len(towns):
            return towns.mode().iloc[0]
    if "community_code" in frame:
        communities = frame["community_code"].dropna().astype(str)
        if len(communities):
            return communities.mode().iloc[0][:9]
    return None

"""What changed between two grid versions, matched by area overlap.

A grid kept as it was (same code, each holding ≥ 95 % of the other's area) is
``unchanged`` first, whatever else overlaps it: a grid lying inside or on top of
another is a topology problem for `check`, not a change, so a version diffed with
itself is all ``unchanged``; a grid that is not kept and lies mostly inside a kept one
joins its change (cut out of it: ``split``; merged into it: ``merged``). The other grids are linked when one holds at least half of the other's area (or,
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
WORKLOAD_COLUMNS = (
    "households",
    "population",
    "rental_units",
    "hazards",
    "key_sites",
    "incidents",
    "workload",
)
SAME_SHARE = 0.95
LINK_SHARE = 0.5
FALLBACK_SHARE = 0.10


def diff(
    old: gpd.GeoDataFrame,
    new: gpd.GeoDataFrame,
    workload_columns: tuple[str, ...] = WORKLOAD_COLUMNS,
) -> gpd.GeoDataFrame:
    """One row per change from `old` to `new` (both with `grid_code`).

    Columns: `change`, `old_codes`, `new_codes` (sorted lists), `town_code` (when the
    grids carry one), `area_before_m2`, `area_after_m2`, `<col>_before` / `<col>_after`
    for each workload column present in both versions; geometry = the grids after the
    change (before, for a removed grid), in WGS-84.
    """
    o, n = to_metric(old).reset_index(drop=True), to_metric(new).reset_index(drop=True)
    og, ng = repaired(o.geometry.to_numpy()), repaired(n.geometry.to_numpy())
    codes_o, codes_n = o["grid_code"].astype(str).to_numpy(), n["grid_code"].astype(str).to_numpy()
    labels_old, labels_new, pair_inter = _components(og, ng, codes_o, codes_n)
    columns = [c for c in workload_columns if c in o and c in n]
    area_o, area_n = shapely.area(og), shapely.area(ng)
    towns_o, towns_n = _towns(o), _towns(n)
    values = {
        c: (
            pd.to_numeric(o[c], errors="coerce").fillna(0).to_numpy(float),
            pd.to_numeric(n[c], errors="coerce").fillna(0).to_numpy(float),
        )
        for c in columns
    }
    members_o, members_n = _members(labels_old), _members(labels_new)
    rows, geoms = [], []
    for label in np.unique(np.r_[labels_old, labels_new]):
        io, jn = members_o.get(label, _EMPTY), members_n.get(label, _EMPTY)
        old_codes, new_codes = sorted(codes_o[io]), sorted(codes_n[jn])
        row = {
            "change": _kind(io, jn, area_o, area_n, pair_inter, old_codes, new_codes),
            "old_codes": old_codes,
            "new_codes": new_codes,
            "town_code": _mode(towns_n[jn] if len(jn) else towns_o[io]),
            "area_before_m2": float(area_o[io].sum()),
            "area_after_m2": float(area_n[jn].sum()),
        }
        for c, (vo, vn) in values.items():
            row[f"{c}_before"] = float(vo[io].sum())
            row[f"{c}_after"] = float(vn[jn].sum())
        rows.append(row)
        shown = ng[jn] if len(jn) else og[io]
        geoms.append(shown[0] if len(shown) == 1 else shapely.union_all(shown))
    frame = pd.DataFrame(rows, columns=_columns(columns))
    out = gpd.GeoDataFrame(frame, geometry=geoms, crs=o.crs).to_crs(WGS84)
    order = out["change"].map({c: i for i, c in enumerate(CHANGES)})
    first = out["old_codes"].str[0].fillna(out["new_codes"].str[0])
    return (
        out.assign(_o=order, _f=first)
        .sort_values(["_o", "_f"])
        .drop(columns=["_o", "_f"])
        .reset_index(drop=True)
    )


def _columns(workload: list[str]) -> list[str]:
    base = ["change", "old_codes", "new_codes", "town_code", "area_before_m2", "area_after_m2"]
    return base + [f"{c}_{w}" for c in workload for w in ("before", "after")]


def _components(
    og: np.ndarray, ng: np.ndarray, codes_o: np.ndarray, codes_n: np.ndarray
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Connected-component label of each old and new grid in the overlap graph, and the
    intersection area of every overlapping (old, new) pair.

    A kept grid (see `_kept`) is linked to no other kept grid, whatever their overlap; a
    grid that is not kept joins it when it lies mostly inside it (a part cut out of it,
    or a grid merged into it).
    """
    i, j = shapely.STRtree(og).query(ng, predicate="intersects")[::-1]  # i old, j new
    inter = shapely.area(polygonal(shapely.intersection(og[i], ng[j])))
    share_old = inter / np.maximum(shapely.area(og[i]), 1e-9)
    share_new = inter / np.maximum(shapely.area(ng[j]), 1e-9)
    kept = _kept(i, j, codes_o, codes_n, share_old, share_new)
    free_old, free_new = ~np.isin(i, i[kept]), ~np.isin(j, j[kept])
    free = free_old & free_new  # pairs of grids not kept
    link = free & ((share_old >= LINK_SHARE) | (share_new >= LINK_SHARE))
    # a grid that is not kept and lies mostly inside a kept one joins its change when the
    # kept grid gave up that ground (a part cut out of it: split; a grid merged into it),
    # not when the kept grid still covers it (an overlap: `check`'s business)
    link |= _carved(i, j, kept, free_new & ~free_old & (share_new >= LINK_SHARE), ng, ng)
    link |= _carved(j, i, kept, free_old & ~free_new & (share_old >= LINK_SHARE), og, og)
    link |= free & (_fallback(i, share_old, link, len(og)) | _fallback(j, share_new, link, len(ng)))
    link |= kept
    n_old = len(og)
    graph = coo_matrix(
        (np.ones(link.sum()), (i[link], n_old + j[link])), shape=(n_old + len(ng),) * 2
    )
    _, labels = connected_components(graph, directed=False)
    pairs = zip(i.tolist(), j.tolist(), strict=True)
    return labels[:n_old], labels[n_old:], dict(zip(pairs, inter.tolist(), strict=True))


def _kept(
    i: np.ndarray,
    j: np.ndarray,
    codes_o: np.ndarray,
    codes_n: np.ndarray,
    share_old: np.ndarray,
    share_new: np.ndarray,
) -> np.ndarray:
    """The (old, new) pairs that are one grid kept: same code, ≥ SAME_SHARE of each
    other's area; each grid in one such pair at most (a duplicated code pairs once)."""
    same = (codes_o[i] == codes_n[j]) & (share_old >= SAME_SHARE) & (share_new >= SAME_SHARE)
    pairs = pd.DataFrame({"i": i, "j": j, "share": share_old + share_new})[same]
    pairs = pairs.sort_values("share", ascending=False, kind="stable")
    pairs = pairs.drop_duplicates("i").drop_duplicates("j")
    kept = np.zeros(len(i), dtype=bool)
    kept[pairs.index.to_numpy()] = True
    return kept


def _carved(
    kept_side: np.ndarray,
    other: np.ndarray,
    kept: np.ndarray,
    candidate: np.ndarray,
    geoms_other: np.ndarray,
    same_version: np.ndarray,
) -> np.ndarray:
    """Candidate pairs (kept grid, grid not kept) where the kept grid's partner in the
    other grid's version covers less than LINK_SHARE of that grid: ground it gave up."""
    partner = dict(zip(kept_side[kept].tolist(), other[kept].tolist(), strict=True))
    out = np.zeros(len(candidate), dtype=bool)
    pos = np.flatnonzero(candidate)
    if len(pos):
        grids = geoms_other[other[pos]]
        mates = same_version[[partner[int(k)] for k in kept_side[pos]]]
        covered = shapely.area(polygonal(shapely.intersection(grids, mates)))
        out[pos] = covered < LINK_SHARE * np.maximum(shapely.area(grids), 1e-9)
    return out


def _fallback(owner: np.ndarray, share: np.ndarray, link: np.ndarray, n: int) -> np.ndarray:
    """For grids linked to nothing: their largest counterpart, if it holds ≥ 10 % of them."""
    linked = np.zeros(n, dtype=bool)
    linked[owner[link]] = True
    extra = np.zeros(len(owner), dtype=bool)
    best = pd.DataFrame({"owner": owner, "share": share}).query("share >= @FALLBACK_SHARE")
    best = best[~linked[best["owner"].to_numpy()]]
    extra[best.groupby("owner")["share"].idxmax().to_numpy()] = True
    return extra


def _kind(io, jn, area_o, area_n, pair_inter, old_codes, new_codes) -> str:
    if not len(jn):
        return "removed"
    if not len(io):
        return "new"
    if len(io) == 1 and len(jn) == 1:
        inter = pair_inter.get((int(io[0]), int(jn[0])), 0.0)
        same = inter >= SAME_SHARE * area_o[io[0]] and inter >= SAME_SHARE * area_n[jn[0]]
        return "unchanged" if same and old_codes == new_codes else "reshaped"
    if len(io) == 1:
        return "split"
    if len(jn) == 1:
        return "merged"
    return "reshaped"


_EMPTY = np.array([], dtype=int)


def _members(labels: np.ndarray) -> dict[int, np.ndarray]:
    """Positions holding each label."""
    order = np.argsort(labels, kind="stable")
    cuts = np.flatnonzero(np.diff(labels[order])) + 1
    return {int(labels[g[0]]): g for g in np.split(order, cuts) if len(g)}


def _towns(frame: pd.DataFrame) -> np.ndarray:
    """Town code of each grid: its town_code, else its community code's first 9 digits."""
    towns = np.array([None] * len(frame), dtype=object)
    if "community_code" in frame:
        known = frame["community_code"].notna().to_numpy()
        towns[known] = frame["community_code"][known].astype(str).str[:9].to_numpy()
    if "town_code" in frame:
        known = frame["town_code"].notna().to_numpy()
        towns[known] = frame["town_code"][known].astype(str).to_numpy()
    return towns


def _mode(values: np.ndarray) -> str | None:
    present = [v for v in values if v is not None]
    return max(set(present), key=present.count) if present else None

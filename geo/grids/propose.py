"""A draft grid version: redraw the communities whose grids are out of band.

Inside each such community the land is cut into small units (H3 cells clipped to the
community), households/population of the current grids are spread over them by area,
incidents/rentals/hazards counted per unit, and the units regrouped into contiguous,
compact grids whose households fall in the band (and workload in its band) — see
`regions.py`. Communities in band keep their grids (same codes); dedicated grids
(kind 专属) are never redrawn. A department's units (e.g. police-station areas) given
as a boundary are a hard line: units are cut along it and no redrawn grid crosses it.
What cannot be met is reported, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.config import Settings
from geo.errors import CivicgridError
from geo.grids import naming, regions, units
from geo.grids.geometry import METRIC, WGS84, repaired, to_metric, without_slivers
from geo.grids.workload import Layers, as_of_timestamp, workload
from geo.items.workload import grid_hours

#: dedicated grids (a school, a park…): never redrawn, no household band
EXEMPT_KINDS = ("专属", "special")
COUNT_COLUMNS = ("rental_units", "hazards", "key_sites", "incidents")
#: units per new grid below which the finer H3 resolution is used
MIN_UNITS_PER_GRID = 12


@dataclass
class Proposal:
    """The proposed grids (WGS-84) and what happened per community."""

    grids: gpd.GeoDataFrame
    communities: list[dict[str, Any]] = field(default_factory=list)
    unsatisfied: list[dict[str, Any]] = field(default_factory=list)
    bands: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        status = pd.Series([c["status"] for c in self.communities], dtype=object)
        return {
            "communities": {s: int((status == s).sum()) for s in ("kept", "redrawn", "infeasible")},
            "grids": int(len(self.grids)),
            "bands": self.bands,
            "unsatisfied": self.unsatisfied,
        }


def propose(
    grids: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    items: pd.DataFrame,
    layers: Layers | None = None,
    *,
    band: tuple[float, float] | None = None,
    workload_band: tuple[float, float] | None = None,
    as_of=None,
    used_codes: set[str] | frozenset[str] = frozenset(),
    seed: int = 0,
    boundary: gpd.GeoDataFrame | None = None,
) -> Proposal:
    """Propose new grids from `grids` (one version) inside `communities` (code, name, geometry).

    `items`, `layers`, `as_of`: the service-item list and the point layers its workload
    counts (geo.grids.workload). `band` defaults to the settings' households_band;
    `workload_band` (hours a month) to the band the current grids give (mean ± 1.5 sd).
    New codes are the community code + 3 digits not in `used_codes` nor in `grids`.
    `boundary`: polygons with `code` (a department's units) no redrawn grid may cross.
    """
    band = tuple(band or Settings.households_band)
    layers = dict(layers or {})
    grids = grids.to_crs(WGS84).reset_index(drop=True)
    as_of = as_of_timestamp(as_of, layers.get("incidents"))  # one window for every community
    before = workload(
        grids, items, layers, as_of=as_of, households_band=band, workload_band=workload_band
    )
    wband = before.attrs["workload_band"]
    ctx = _Context(
        band,
        wband,
        items,
        grid_hours(items),
        as_of,
        layers,
        seed,
        set(used_codes) | set(grids["grid_code"].astype(str)),
        None
        if boundary is None or not len(boundary)
        else gpd.GeoDataFrame(
            {"boundary_code": boundary["code"].astype(str).to_numpy()},
            geometry=repaired(to_metric(boundary).geometry.to_numpy()),
            crs=METRIC,
        ),
    )
    exempt = (
        grids["kind"].isin(EXEMPT_KINDS).to_numpy()
        if "kind" in grids
        else np.zeros(len(grids), bool)
    )
    flagged = before["flagged"].to_numpy() & ~exempt
    by_code = communities.to_crs(WGS84).set_index(communities["code"].astype(str))
    by_code = by_code[~by_code.index.duplicated()]
    proposal = Proposal(
        grids=grids.iloc[:0], bands={"households": list(band), "workload": list(wband)}
    )
    community_of = grids["community_code"].astype(str).to_numpy()
    groups = grids.groupby(community_of).indices
    plan = {
        code: _decide(code, idx, grids, flagged, exempt, by_code, band)
        for code, idx in groups.items()
    }
    redrawn = [code for code, (action, _) in plan.items() if action == "redraw"]
    stays = ~np.isin(community_of, redrawn) | exempt  # grids in the proposal as they are
    parts = [grids[stays]]
    for code, (action, note) in plan.items():
        idx = groups[code]
        if action != "redraw":
            proposal.communities.append(
                {"community_code": code, "status": action, "grids": len(idx)}
            )
            if note:
                proposal.unsatisfied.append(
                    {
                        "community_code": code,
                        "grid_codes": sorted(grids["grid_code"].iloc[idx]),
                        "reason": note,
                    }
                )
            continue
        # the community's dedicated grids keep their ground; neighbours' grids are not
        # carved out (their edges only nearly match: slivers), so an overlap they had stays
        new, info = _redraw(
            ctx,
            code,
            by_code.loc[code],
            grids.iloc[idx[exempt[idx]]],
            grids.iloc[idx[~exempt[idx]]],
        )
        parts.append(new)
        proposal.communities.append(info)
        proposal.unsatisfied += info.pop("unsatisfied")
    proposal.grids = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=WGS84)
    after = workload(
        proposal.grids, items, layers, as_of=as_of, households_band=band, workload_band=wband
    )
    _explain_remaining(proposal, after, exempt_codes=set(grids["grid_code"][exempt]))
    return proposal


def _decide(
    code: str,
    idx: np.ndarray,
    grids: gpd.GeoDataFrame,
    flagged: np.ndarray,
    exempt: np.ndarray,
    by_code: gpd.GeoDataFrame,
    band: tuple[float, float],
) -> tuple[str, str | None]:
    """What to do with one community: ('kept' | 'infeasible' | 'redraw', reason if unmet)."""
    if not flagged[idx].any():
        return "kept", None
    if code not in by_code.index:
        return "kept", "community polygon not in the boundary layer: kept as is"
    movable = grids.iloc[idx[~exempt[idx]]]
    total = float(pd.to_numeric(movable["households"], errors="coerce").fillna(0).sum())
    if regions.choose_k(total, band) == (1, False) and len(movable) == 1:
        # a lone grid too small (or too big) that no redraw can bring into the band
        return "infeasible", _infeasible(total, 1, band) + ": kept as is"
    return "redraw", None


@dataclass
class _Context:
    band: tuple[float, float]
    workload_band: tuple[float, float]
    items: pd.DataFrame
    #: hours a month every grid carries however it is cut (items counting grids)
    fixed: float
    as_of: Any
    layers: dict[str, gpd.GeoDataFrame | None]
    seed: int
    used: set[str]
    #: a department's units (metric, `boundary_code`) that grids must not cross, or None
    boundary: gpd.GeoDataFrame | None = None

    @property
    def unit_band(self) -> tuple[float, float]:
        """The workload band for the sum of a grid's units (the grid adds `fixed`)."""
        return (self.workload_band[0] - self.fixed, self.workload_band[1] - self.fixed)

    def points_in(self, layer: gpd.GeoDataFrame | None, area_wgs84) -> gpd.GeoDataFrame | None:
        if layer is None or not len(layer):
            return layer
        return layer.iloc[layer.sindex.query(area_wgs84, predicate="intersects")]

    def next_codes(self, community: str, n: int) -> list[str]:
        codes, i = [], 1
        while len(codes) < n:
            code = naming.grid_code(community, i)
            if code not in self.used:
                codes.append(code)
                self.used.add(code)
            i += 1
            if i > 999:
                raise CivicgridError(f"no free grid code left in community {community}")
        return codes


def _redraw(
    ctx: _Context,
    code: str,
    community: pd.Series,
    kept: gpd.GeoDataFrame,
    movable: gpd.GeoDataFrame,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """New grids for the movable part of one community, and a report of it.

    `kept`: its dedicated grids, which stay as they are.
    """
    area_m = repaired(
        to_metric(gpd.GeoDataFrame(geometry=[community.geometry], crs=WGS84)).geometry.to_numpy()
    )[0]
    if len(kept):  # dedicated grids and neighbours reaching in keep their ground
        area_m = area_m.difference(shapely.union_all(repaired(to_metric(kept).geometry.to_numpy())))
    area_wgs = gpd.GeoSeries([area_m], crs=METRIC).to_crs(WGS84).iloc[0]
    total = float(pd.to_numeric(movable["households"], errors="coerce").fillna(0).sum())
    k, feasible = regions.choose_k(total, ctx.band)
    cells = _units(ctx, area_wgs, area_m, movable, k)
    if feasible:  # more grids where the workload asks for them, if households allow
        k_work = int(np.ceil(cells["workload"].sum() / max(ctx.unit_band[1], 1e-6)))
        k = max(k, min(k_work, int(total // ctx.band[0])))
    neighbours = units.adjacency(cells)
    side = cells["boundary_code"].to_numpy() if "boundary_code" in cells else None
    if side is not None:  # no grid grows across the boundary: its two sides are not neighbours
        neighbours = [{v for v in near if side[v] == side[u]} for u, near in enumerate(neighbours)]
    labels = np.full(len(cells), -1)
    pieces = regions.connected_pieces(neighbours)
    quotas = _quotas([cells["households"].to_numpy()[p].sum() for p in pieces], k)
    next_label = 0
    for piece, quota in zip(pieces, quotas, strict=True):
        if quota == 0:
            continue
        sub = np.array(piece)
        remap = {u: i for i, u in enumerate(piece)}
        problem = regions.Problem(
            neighbours=[{remap[v] for v in neighbours[u]} for u in piece],
            households=cells["households"].to_numpy()[sub],
            workload=cells["workload"].to_numpy()[sub],
            xy=shapely.get_coordinates(cells.geometry.centroid.to_numpy()[sub]),
            area=cells["area_m2"].to_numpy()[sub],
            band=ctx.band,
            workload_band=ctx.unit_band,
        )
        labels[sub] = regions.partition(problem, quota, ctx.seed) + next_label
        next_label = labels[sub].max() + 1
    _attach_orphans(cells, labels, side)
    new = _dissolve(ctx, cells, labels, code, community, movable)
    info: dict[str, Any] = {
        "community_code": code,
        "status": "redrawn" if feasible else "infeasible",
        "grids_before": int(len(movable)),
        "grids": int(len(new)),
        "households": round(total),
        "units": int(len(cells)),
        "unsatisfied": [],
    }
    heavy = cells["workload"].to_numpy() > ctx.unit_band[1]
    if heavy.any():  # a hotspot no cut can share out
        worst = int(np.argmax(np.where(heavy, cells["workload"].to_numpy(), -np.inf)))
        grid = new.loc[new["_label"] == labels[worst], "grid_code"].iloc[0]
        info["unsatisfied"].append(
            {
                "community_code": code,
                "grid_codes": [grid],
                "reason": f"one block (H3 cell) alone carries "
                f"{cells['workload'].iloc[worst] + ctx.fixed:.1f} h/month of work, above "
                f"the band's top {ctx.workload_band[1]:.1f}",
            }
        )
    new = new.drop(columns="_label")
    if not feasible:
        info["unsatisfied"].append(
            {
                "community_code": code,
                "grid_codes": sorted(new["grid_code"]),
                "reason": _infeasible(total, k, ctx.band),
            }
        )
    return new, info


def _infeasible(total: float, k: int, band: tuple[float, float]) -> str:
    lo, hi = band
    if total < lo:
        return f"{total:.0f} households in total, fewer than the minimum {lo:.0f} of one grid"
    return (
        f"{total:.0f} households cannot be split into grids of {lo:.0f}–{hi:.0f}: "
        f"{k} grid(s) average {total / k:.0f}"
    )


def _units(ctx, area_wgs, area_m, movable, k) -> gpd.GeoDataFrame:
    """Clipped H3 cells of the community (finer when too few), with counts and workload."""
    res = units.resolution(area_m.area, MIN_UNITS_PER_GRID * k, Settings.h3_res)
    cells = units.clipped_cells(area_wgs, area_m, res)
    if ctx.boundary is not None:
        cells = _cut(cells, ctx.boundary)
    cells = units.apportion(cells, to_metric(movable))
    cells_wgs = cells.to_crs(WGS84)
    layers = {k: ctx.points_in(v, area_wgs) for k, v in ctx.layers.items()}
    load = workload(
        cells_wgs,
        ctx.items,
        layers,
        as_of=ctx.as_of,
        households_band=ctx.band,
        workload_band=ctx.workload_band,
        per_grid=False,
    )
    for column in (*COUNT_COLUMNS, "workload"):
        cells[column] = load[column].to_numpy()
    cells.attrs["res"] = res
    return cells


def _quotas(households: list[float], k: int) -> list[int]:
    """Grids per connected piece: proportional to households (largest remainder)."""
    h = np.asarray(households, dtype=float)
    if h.sum() <= 0:
        return [k] + [0] * (len(h) - 1)
    raw = k * h / h.sum()
    q = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - q))[: k - q.sum()]:
        q[i] += 1
    if q.sum() == 0:
        q[int(np.argmax(h))] = 1
    return q.tolist()


def _cut(cells: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Cells cut along the boundary's lines, each piece with the `boundary_code` of the
    unit it lies in ('' outside every unit); pieces under 1 m² dropped."""
    cut = gpd.overlay(cells, boundary, how="identity", keep_geom_type=True)
    cut["boundary_code"] = cut["boundary_code"].fillna("").astype(str)
    cut["area_m2"] = cut.area
    return cut[cut["area_m2"] >= 1.0].reset_index(drop=True)


def _attach_orphans(
    cells: gpd.GeoDataFrame, labels: np.ndarray, side: np.ndarray | None = None
) -> None:
    """Pieces given no grid (detached bits with few households) join the nearest grid —
    on their own side of the boundary when there is one (else they make a grid)."""
    orphan = labels < 0
    if not orphan.any():
        return
    centres = shapely.get_coordinates(cells.geometry.centroid.to_numpy())
    for u in np.flatnonzero(orphan):
        if labels[u] >= 0:
            continue
        placed = np.flatnonzero(labels >= 0)
        if side is not None:
            placed = placed[side[placed] == side[u]]
        if len(placed):
            labels[u] = labels[placed[np.argmin(((centres[placed] - centres[u]) ** 2).sum(axis=1))]]
        else:  # a side of the boundary no grid reached: its own grid
            labels[u] = labels.max() + 1


def _dissolve(ctx, cells, labels, code, community, movable) -> gpd.GeoDataFrame:
    """One grid per label: union of its units, integer counts that add up to the totals."""
    found = sorted(set(labels.tolist()))
    shapes = {r: units.merge(cells.geometry.to_numpy()[labels == r]) for r in found}
    order = sorted(found, key=lambda r: _northwest(shapes[r]))  # codes run north-west first
    geoms = [shapes[r] for r in order]
    codes = ctx.next_codes(code, len(order))
    name = str(community.get("name") or code)
    first = movable.iloc[0] if len(movable) else pd.Series(dtype=object)
    out = pd.DataFrame(
        {
            "_label": order,
            "grid_code": codes,
            "name": [naming.grid_name(name, c) for c in codes],  # as the kept grids are named
            "community_code": code,
            "town_code": first.get("town_code", code[:9]),
            "district_code": first.get("district_code", code[:6]),
            "kind": movable["kind"].mode().iloc[0] if "kind" in movable and len(movable) else None,
        }
    )
    for column in ("households", "population"):
        per_unit = cells[column].to_numpy()
        out[column] = _integers([per_unit[labels == r].sum() for r in order])
    out["attributes"] = [
        {
            "proposed": True,
            "h3_res": cells.attrs["res"],
            **{c: float(cells[c].to_numpy()[labels == r].sum()) for c in COUNT_COLUMNS},
            "workload": float(cells["workload"].to_numpy()[labels == r].sum()) + ctx.fixed,
        }
        for r in order
    ]
    gdf = gpd.GeoDataFrame(out, geometry=geoms, crs=cells.crs).to_crs(WGS84)
    # degrees may pinch what metres did not, and unit corners leave overlay dust
    gdf.geometry = without_slivers(repaired(gdf.geometry.to_numpy()))
    return gdf


def _northwest(geom) -> tuple[float, float]:
    x, y = shapely.get_coordinates(shapely.centroid(geom))[0]
    return (-round(y, -2), x)


def _integers(values: list[float]) -> list[int]:
    """Round keeping the total (largest remainder)."""
    v = np.asarray(values, dtype=float)
    q = np.floor(v).astype(int)
    for i in np.argsort(-(v - q))[: int(round(v.sum())) - q.sum()]:
        q[i] += 1
    return q.tolist()


def _explain_remaining(proposal: Proposal, after: pd.DataFrame, exempt_codes: set[str]) -> None:
    """Name every grid still out of band that no community-level reason covers yet.

    A workload miss is usually the community's own make-up (many incidents or hazards
    per household): one grid more or fewer would break the household band, and the
    reason says so with the numbers.
    """
    explained = {c for u in proposal.unsatisfied for c in u.get("grid_codes", [])}
    redrawn = {c["community_code"] for c in proposal.communities if c["status"] != "kept"}
    lo, hi = proposal.bands["households"]
    banded = after[~after["grid_code"].isin(exempt_codes)]
    per_community = banded.groupby("community_code")["households"].agg(["sum", "count"])
    for row in banded.itertuples():
        code = str(row.grid_code)
        if code in explained or not row.flagged:
            continue
        total, k = per_community.loc[row.community_code]
        parts = []
        if row.households_flag != "in_band":
            parts.append(f"{row.households:.0f} households outside {lo:.0f}–{hi:.0f}")
        if row.workload_flag == "high" and total / (k + 1) < lo:
            parts.append(
                f"workload {row.workload:.1f} h/month high, but one more grid in the community "
                f"would leave {total / (k + 1):.0f} households per grid (< {lo:.0f})"
            )
        elif row.workload_flag == "low" and k > 1 and total / (k - 1) > hi:
            parts.append(
                f"workload {row.workload:.1f} h/month low, but one grid fewer in the community "
                f"would mean {total / (k - 1):.0f} households per grid (> {hi:.0f})"
            )
        elif row.workload_flag != "in_band":
            parts.append(f"workload {row.workload:.1f} h/month {row.workload_flag}")
        where = (
            "after redrawing its community"
            if row.community_code in redrawn
            else "community kept (its grids were in band before)"
        )
        proposal.unsatisfied.append(
            {
                "community_code": row.community_code,
                "grid_codes": [code],
                "reason": "; ".join(parts) + f" — {where}",
            }
        )

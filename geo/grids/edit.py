"""The grid editor on a draft: move units, merge, split, rename, undo and redo — pure.

A `Draft` is the state of one draft version in the editor: its units (building blocks
of `geo.grids.blocks`, fixed once cut), which grid each unit belongs to, the grids'
names and codes, the bands to meet and the undo/redo stacks. Every edit returns a new
Draft whose `last` is the `Change` it made (unit → (grid before, grid after), grid →
(attributes before, after)); undo applies the inverse of the last change, redo applies
it again. `balance` and `summary` give the live balance (households, population,
workload in hours a month and its band, contiguity, grids crossing their community or town,
units left unassigned); `shapes` dissolves the grids an edit touched, so the draft's
grids in PostGIS stay a valid version for check and diff. `geo.grids.drafts` stores
the drafts and their edits.

New grid codes follow the rule of `grids propose`: the community code + a 3-digit
serial used by no version; a new grid is called 「<community>第<n>网格」.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.errors import InputError
from geo.grids import units as unit_geometry
from geo.grids.geometry import repaired, to_metric

_NONE = np.array([], dtype=int)
#: unit columns a balance adds up or compares, kept as NumPy arrays (Draft.figures)
FIGURES = ("households", "population", "workload", "community_code", "town_code")
META = ("name", "community_code", "town_code", "district_code", "kind")
BANDS = ("under", "in", "over")


class EditError(InputError):
    """An edit that cannot be made (unknown grid or unit, nothing to undo…)."""


@dataclass(frozen=True)
class Change:
    """What one edit did: units moved and grids created, removed or renamed."""

    op: str
    units: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    grids: dict[str, tuple[dict | None, dict | None]] = field(default_factory=dict)

    def inverse(self) -> Change:
        return Change(
            self.op,
            {u: (b, a) for u, (a, b) in self.units.items()},
            {g: (b, a) for g, (a, b) in self.grids.items()},
        )

    def touched(self) -> set[str]:
        """Grid codes whose units or attributes changed."""
        codes = {c for pair in self.units.values() for c in pair if c is not None}
        return codes | set(self.grids)

    def as_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "units": {str(u): list(pair) for u, pair in self.units.items()},
            "grids": {g: list(pair) for g, pair in self.grids.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Change:
        return cls(
            data["op"],
            {int(u): tuple(p) for u, p in data.get("units", {}).items()},
            {g: tuple(p) for g, p in data.get("grids", {}).items()},
        )


@dataclass(frozen=True)
class Draft:
    """One draft in the editor (see the module docstring). `units` is shared between the
    states of a draft and never changed; `assign` (grid code per unit) and `grids`
    (attributes per grid code) are replaced by each edit."""

    units: gpd.GeoDataFrame
    assign: np.ndarray
    grids: dict[str, dict]
    households_band: tuple[float, float]
    workload_band: tuple[float, float]
    used_codes: frozenset[str] = frozenset()
    community_names: dict[str, str] = field(default_factory=dict)
    neighbours: list[set[int]] | None = None
    done: tuple[Change, ...] = ()
    undone: tuple[Change, ...] = ()
    revision: int = 0
    last: Change | None = None
    #: unit positions per grid code, kept up to date by `apply` (no scan of all units)
    members: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    #: the whole draft's balance once computed; `apply` recomputes only the touched rows
    cache: dict[str, pd.DataFrame] = field(default_factory=dict, compare=False, repr=False)
    #: hours a month every grid carries however it is drawn (geo.items.workload.grid_hours)
    grid_hours: float = 0.0
    #: per unit, the code of the department unit it lies in when the draft treats a
    #: department's units as a hard boundary (None: no boundary); see `_refuse_crossing`
    barrier: np.ndarray | None = field(default=None, compare=False, repr=False)
    #: the units' figures as plain arrays (FIGURES), shared like `units`: a balance row
    #: sums a few entries of them instead of converting a column of all units
    figures: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def start(
        cls,
        units: gpd.GeoDataFrame,
        grids: pd.DataFrame,
        *,
        households_band: tuple[float, float],
        workload_band: tuple[float, float],
        used_codes: set[str] | frozenset[str] = frozenset(),
        community_names: dict[str, str] | None = None,
        neighbours: list[set[int]] | None = None,
        revision: int = 0,
        grid_hours: float = 0.0,
        barrier=None,
    ) -> Draft:
        """A draft from its units (`unit_id` 0…n−1 in order, `grid_code`) and the grids'
        attributes (`grid_code` + META columns)."""
        if not np.array_equal(units["unit_id"].to_numpy(), np.arange(len(units))):
            raise ValueError("units must be numbered 0…n−1 in order")
        meta = {
            str(r["grid_code"]): {k: _plain(r.get(k)) for k in META}
            for r in grids.to_dict("records")
        }
        assign = np.array(
            [None if pd.isna(c) else str(c) for c in units["grid_code"]], dtype=object
        )
        return cls(
            units,
            assign,
            meta,
            tuple(map(float, households_band)),
            tuple(map(float, workload_band)),
            frozenset(used_codes) | frozenset(meta),
            dict(community_names or {}),
            neighbours if neighbours is not None else unit_geometry.adjacency(to_metric(units)),
            revision=revision,
            grid_hours=float(grid_hours),
            barrier=None if barrier is None else np.asarray(barrier, dtype=object),
            figures=figures(units),
            members={
                str(k): np.asarray(v)
                for k, v in pd.Series(np.arange(len(assign)))
                .groupby(assign, dropna=True)
                .indices.items()
            },
        )

    def grid_of(self, unit: int) -> str | None:
        return self.assign[unit]

    def units_of(self, code: str) -> np.ndarray:
        return self.members.get(code, _NONE)

    def apply(
        self,
        change: Change,
        *,
        done: tuple[Change, ...] | None = None,
        undone: tuple[Change, ...] | None = None,
    ) -> Draft:
        """The draft after `change`; a plain edit clears the redo stack."""
        assign = self.assign.copy()
        for u, (_, after) in change.units.items():
            assign[u] = after
        grids = dict(self.grids)
        for code, (_, after) in change.grids.items():
            if after is None:
                grids.pop(code, None)
            else:
                grids[code] = dict(after)
        members = dict(self.members)
        leaving: dict[str, set[int]] = {}
        arriving: dict[str, set[int]] = {}
        for u, (a, b) in change.units.items():
            if a is not None:
                leaving.setdefault(a, set()).add(u)
            if b is not None:
                arriving.setdefault(b, set()).add(u)
        for code in set(leaving) | set(arriving):
            now = (
                set(members.get(code, _NONE).tolist()) - leaving.get(code, set())
            ) | arriving.get(code, set())
            if now:
                members[code] = np.array(sorted(now))
            else:
                members.pop(code, None)
        new = replace(
            self,
            assign=assign,
            grids=grids,
            members=members,
            cache={},
            used_codes=self.used_codes | set(grids),
            done=self.done + (change,) if done is None else done,
            undone=() if undone is None else undone,
            revision=self.revision + 1,
            last=change,
        )
        if "table" in self.cache:  # only the touched grids' rows change
            touched = change.touched()
            old = self.cache["table"]
            rows = balance(new, sorted(touched))
            table = pd.concat([old[~old["grid_code"].isin(touched)], rows], ignore_index=True)
            new.cache["table"] = table.sort_values("grid_code", ignore_index=True)
        return new


def move(draft: Draft, unit_ids, to: str | None) -> Draft:
    """Move units into grid `to` (None: leave them unassigned); grids left empty go."""
    ids = _units(draft, unit_ids)
    if to is not None and to not in draft.grids:
        raise EditError(f"no grid {to!r} in the draft", field="grid_code")
    moved = {u: (draft.assign[u], to) for u in ids if draft.assign[u] != to}
    if not moved:
        raise EditError(f"the units are already in {to!r}", field="units")
    if to is not None:
        _refuse_crossing(draft, to, draft.units_of(to), list(moved))
    return draft.apply(Change("move", moved, _emptied(draft, moved)))


def merge(draft: Draft, codes, into: str | None = None) -> Draft:
    """Merge two or more grids into `into` (default: the first code), which keeps its
    code and name; the others go."""
    codes = list(dict.fromkeys(str(c) for c in codes))
    if len(codes) < 2:
        raise EditError("a merge needs two or more grids", field="grid_codes")
    for c in codes:
        if c not in draft.grids:
            raise EditError(f"no grid {c!r} in the draft", field="grid_codes")
    into = into or codes[0]
    if into not in codes:
        raise EditError(f"{into!r} is not one of the grids merged", field="into")
    moved = {int(u): (c, into) for c in codes if c != into for u in draft.units_of(c)}
    _refuse_crossing(draft, into, draft.units_of(into), list(moved))
    gone = {c: (draft.grids[c], None) for c in codes if c != into}
    return draft.apply(Change("merge", moved, gone))


def split(draft: Draft, unit_ids, name: str | None = None) -> Draft:
    """Paint units into a new grid: code = the units' community + the next free serial,
    attributes from the units' community and their grid; the grid they leave stays
    (or goes when emptied)."""
    ids = _units(draft, unit_ids)
    community = _mode([draft.units["community_code"].iloc[u] for u in ids])
    if community is None:
        raise EditError("the units painted have no community", field="units")
    code = next_code(draft, community)
    _refuse_crossing(draft, code, _NONE, ids)
    source = _mode([draft.assign[u] for u in ids])
    base = draft.grids.get(source, {}) if source else {}
    serial = int(code[-3:])
    meta = {
        "name": name or f"{draft.community_names.get(community, community)}第{serial}网格",
        "community_code": community,
        "town_code": _mode([draft.units["town_code"].iloc[u] for u in ids]),
        "district_code": _mode([draft.units["district_code"].iloc[u] for u in ids]),
        "kind": base.get("kind"),
    }
    moved = {u: (draft.assign[u], code) for u in ids}
    return draft.apply(Change("split", moved, {code: (None, meta), **_emptied(draft, moved)}))


def rename(draft: Draft, code: str, name: str) -> Draft:
    """Give grid `code` a new name."""
    if code not in draft.grids:
        raise EditError(f"no grid {code!r} in the draft", field="grid_code")
    name = str(name).strip()
    if not name or name == draft.grids[code].get("name"):
        raise EditError("the new name is empty or unchanged", field="name")
    return draft.apply(
        Change("rename", {}, {code: (draft.grids[code], {**draft.grids[code], "name": name})})
    )


def undo(draft: Draft) -> Draft:
    """Take back the last edit (its inverse is the change made)."""
    if not draft.done:
        raise EditError("nothing to undo", field="undo")
    last = draft.done[-1]
    return draft.apply(
        replace(last.inverse(), op=f"undo:{last.op}"),
        done=draft.done[:-1],
        undone=draft.undone + (last,),
    )


def redo(draft: Draft) -> Draft:
    """Make the last edit taken back again."""
    if not draft.undone:
        raise EditError("nothing to redo", field="redo")
    again = draft.undone[-1]
    return draft.apply(
        replace(again, op=f"redo:{again.op}"), done=draft.done + (again,), undone=draft.undone[:-1]
    )


OPS = {"move": move, "merge": merge, "split": split, "rename": rename, "undo": undo, "redo": redo}


def replay(draft: Draft, ops: list[str], changes: list[Change]) -> Draft:
    """The undo/redo stacks of a stored draft from its log (ops and changes in revision
    order); the assignment is the stored one already, so only the stacks are rebuilt."""
    done: tuple[Change, ...] = ()
    undone: tuple[Change, ...] = ()
    for op, change in zip(ops, changes, strict=True):
        done, undone = _stacks(done, undone, op, change)
    return replace(draft, done=done, undone=undone, revision=len(ops))


def logged(draft: Draft, op: str, change: Change) -> Draft:
    """The draft after an edit read from the log (`op` and the `Change` it made), without
    running the edit again: what another process of the server saved, applied here."""
    done, undone = _stacks(draft.done, draft.undone, op, change)
    return draft.apply(change, done=done, undone=undone)


def _stacks(done: tuple, undone: tuple, op: str, change: Change) -> tuple[tuple, tuple]:
    """The undo and redo stacks after edit `op` that made `change`."""
    if op == "undo":
        return done[:-1], undone + done[-1:]
    if op == "redo":
        return done + undone[-1:], undone[:-1]
    return done + (change,), ()


def next_code(draft: Draft, community: str) -> str:
    """The community code + the first 3-digit serial no version and no draft grid uses."""
    for i in range(1, 1000):
        code = f"{community}{i:03d}"
        if code not in draft.used_codes and code not in draft.grids:
            return code
    raise EditError(f"no free grid code left in community {community}", field="community_code")


def balance(draft: Draft, codes=None) -> pd.DataFrame:
    """One row per grid (all, or `codes`): units, households, population, workload, the
    household band and the workload band (under/in/over), whether its units are one
    contiguous piece, and whether it crosses its community or its town."""
    if codes is None and "table" in draft.cache:
        return draft.cache["table"].copy()
    wanted = sorted(draft.grids) if codes is None else [c for c in codes if c in draft.grids]
    f = draft.figures or figures(draft.units)
    rows = []
    for code in wanted:
        idx = draft.units_of(code)
        meta = draft.grids[code]
        hh = int(f["households"][idx].sum())
        wl = float(f["workload"][idx].sum()) + draft.grid_hours
        communities = set(f["community_code"][idx]) | {meta.get("community_code")}
        towns = set(f["town_code"][idx]) | {meta.get("town_code")}
        rows.append(
            {
                "grid_code": code,
                "name": meta.get("name"),
                "community_code": meta.get("community_code"),
                "town_code": meta.get("town_code"),
                "units": int(len(idx)),
                "households": hh,
                "population": int(f["population"][idx].sum()),
                "workload": round(wl, 1),
                "households_band": _band(hh, draft.households_band),
                "band": _band(wl, draft.workload_band),
                "contiguous": _contiguous(draft.neighbours, idx),
                "crosses_community": len({c for c in communities if c is not None}) > 1,
                "crosses_town": len({t for t in towns if t is not None}) > 1,
            }
        )
    table = pd.DataFrame(
        rows,
        columns=[
            "grid_code",
            "name",
            "community_code",
            "town_code",
            "units",
            "households",
            "population",
            "workload",
            "households_band",
            "band",
            "contiguous",
            "crosses_community",
            "crosses_town",
        ],
    )
    if codes is None:
        draft.cache["table"] = table.copy()
    return table


def summary(draft: Draft, table: pd.DataFrame | None = None) -> dict[str, Any]:
    """The draft as a whole: totals, grids per band, grids not contiguous or crossing
    their community/town, units (and their households) left unassigned."""
    table = balance(draft) if table is None else table
    free = pd.isna(draft.assign)
    f = draft.figures or figures(draft.units)
    return {
        "revision": draft.revision,
        "grids": int(len(table)),
        "households": int(f["households"].sum()),
        "population": int(f["population"].sum()),
        "workload": round(float(f["workload"].sum()) + draft.grid_hours * len(table), 1),
        "band": {b: int((table["band"] == b).sum()) for b in BANDS},
        "households_band": {b: int((table["households_band"] == b).sum()) for b in BANDS},
        "not_contiguous": table.loc[~table["contiguous"].astype(bool), "grid_code"].tolist(),
        "crossing_community": table.loc[
            table["crosses_community"].astype(bool), "grid_code"
        ].tolist(),
        "crossing_town": table.loc[table["crosses_town"].astype(bool), "grid_code"].tolist(),
        "unassigned_units": int(free.sum()),
        "unassigned_households": int(f["households"][free].sum()),
        "can_undo": bool(draft.done),
        "can_redo": bool(draft.undone),
    }


def figures(units: pd.DataFrame) -> dict[str, np.ndarray]:
    """The FIGURES columns of `units` as NumPy arrays (numbers as numbers, codes as
    objects with None for missing)."""
    out = {}
    for column in FIGURES:
        values = units[column]
        if column in ("households", "population"):
            out[column] = values.to_numpy(dtype=np.int64)
        elif column == "workload":
            out[column] = values.to_numpy(dtype=float)
        else:
            out[column] = values.astype(object).where(values.notna(), None).to_numpy()
    return out


def shapes(draft: Draft, codes) -> gpd.GeoDataFrame:
    """The grids `codes` as rows of a version (WGS-84): attributes, households and
    population summed over their units, geometry = the union of their units. Kept in the
    draft's cache: the save writes them and the page draws the same outlines."""
    key = "shapes:" + ",".join(c for c in codes if c in draft.grids)
    if key not in draft.cache:
        draft.cache[key] = _shapes(draft, codes)
    return draft.cache[key].copy()


def _shapes(draft: Draft, codes) -> gpd.GeoDataFrame:
    table = balance(draft, codes)
    geoms = []
    for code in table["grid_code"]:
        parts = draft.units.geometry.to_numpy()[draft.units_of(code)]
        geoms.append(unit_geometry.merge(parts))
    out = gpd.GeoDataFrame(
        {
            "grid_code": table["grid_code"],
            **{k: [draft.grids[c].get(k) for c in table["grid_code"]] for k in META},
            "households": table["households"],
            "population": table["population"],
            "attributes": [
                {"edited": True, "units": int(n), "workload": float(w)}
                for n, w in zip(table["units"], table["workload"], strict=True)
            ],
        },
        geometry=repaired(np.asarray(geoms, dtype=object)),
        crs=draft.units.crs,
    )
    return out


def _refuse_crossing(draft: Draft, grid: str, held, joining) -> None:
    """Refuse an edit that makes `grid` (holding units `held`, gaining `joining`) reach
    across the boundary the draft keeps (Draft.barrier): into a department unit it did
    not already hold, when it would then lie in two or more. A grid already drawn across
    the line may still take units on either of its sides."""
    if draft.barrier is None:
        return
    before = {draft.barrier[u] for u in held} - {None}
    after = before | ({draft.barrier[u] for u in joining} - {None})
    if len(after) > 1 and not after <= before:
        raise EditError(
            f"grid {grid} would cross the department boundary between units "
            f"{' / '.join(sorted(map(str, after)))} (a hard boundary)",
            field="units",
        )


def _units(draft: Draft, unit_ids) -> list[int]:
    ids = sorted({int(u) for u in unit_ids})
    if not ids:
        raise EditError("no unit selected", field="units")
    bad = [u for u in ids if u < 0 or u >= len(draft.assign)]
    if bad:
        raise EditError(f"no unit {bad[0]} in the draft", field="units")
    return ids


def _emptied(draft: Draft, moved: dict[int, tuple]) -> dict[str, tuple[dict, None]]:
    """Grids every unit of which leaves with `moved`: they are removed."""
    leaving = pd.Series([a for a, _ in moved.values() if a is not None], dtype=object)
    gone = {}
    for code, n in leaving.value_counts().items():
        if n == len(draft.units_of(code)):
            gone[code] = (draft.grids[code], None)
    return gone


def _band(value: float, band: tuple[float, float]) -> str:
    return "under" if value < band[0] else ("over" if value > band[1] else "in")


def _contiguous(neighbours: list[set[int]] | None, idx: np.ndarray) -> bool:
    if neighbours is None or len(idx) <= 1:
        return True
    members = set(idx.tolist())
    start = next(iter(members))
    seen, queue = {start}, deque([start])
    while queue:
        for v in neighbours[queue.popleft()]:
            if v in members and v not in seen:
                seen.add(v)
                queue.append(v)
    return len(seen) == len(members)


def _mode(values) -> Any:
    s = pd.Series([v for v in values if v is not None and not pd.isna(v)], dtype=object)
    return None if s.empty else s.value_counts().index[0]


def _plain(value) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value

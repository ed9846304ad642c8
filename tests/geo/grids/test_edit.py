"""geo.grids.edit and geo.grids.blocks on a constructed community: units that add up to
their grids, move / merge / split / rename / undo / redo, and the live balance checked
against a recount of the units and against the dissolved grids' geometry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from geo.grids import blocks, edit
from geo.grids.diff import diff
from geo.grids.geometry import to_metric
from geo.items.catalogue import parse
from geo.items.workload import grid_hours
from tests.geo.grids.build import box, frame

A, B = "320508001001", "320508001002"
#: hours a month: 0.1 a household, 0.01 a resident, 2 a grid
ITEMS = parse(
    pd.DataFrame(
        {
            "code": ["A", "B", "C"],
            "name": ["走访", "人口", "例会"],
            "layer": ["households", "population", "grids"],
            "frequency": ["每月"] * 3,
            "minutes": ["6", "0.6", "120"],
        }
    ),
    "i.csv",
)


def city():
    communities = frame(
        [
            dict(code=A, parent_code="320508001", name="东社区", geometry=box(0, 0, 2000, 1000)),
            dict(code=B, parent_code="320508002", name="西社区", geometry=box(2000, 0, 4000, 1000)),
        ]
    )
    rows = [
        dict(
            grid_code=f"{A}{i + 1:03d}",
            name=f"东{i + 1}",
            community_code=A,
            town_code="320508001",
            district_code="320508",
            kind="综合",
            households=300 + 50 * i,
            population=900 + i,
            geometry=box(500 * i, 0, 500 * (i + 1), 1000),
        )
        for i in range(4)
    ]
    # B's second grid stops 300 m short of the community's edge: land without a grid
    rows += [
        dict(
            grid_code=f"{B}{i + 1:03d}",
            name=f"西{i + 1}",
            community_code=B,
            town_code="320508002",
            district_code="320508",
            kind="综合",
            households=400,
            population=1000,
            geometry=box(2000 + 1000 * i, 0, 3000 + 1000 * i - 300 * i, 1000),
        )
        for i in range(2)
    ]
    return frame(rows), communities


@pytest.fixture(scope="module")
def start():
    grids, communities = city()
    units = blocks.build_units(grids, communities, ITEMS, res=10)
    draft = edit.Draft.start(
        units,
        grids,
        households_band=(300, 500),
        workload_band=(0, 60),
        grid_hours=grid_hours(ITEMS),
        used_codes={f"{A}005"},
        community_names={A: "东社区", B: "西社区"},
    )
    return grids, units, draft


def test_units_add_up_to_their_grids_and_cover_them(start):
    grids, units, _ = start
    per_grid = units.groupby("grid_code")[["households", "population"]].sum()
    expected = grids.set_index("grid_code")[["households", "population"]]
    assert per_grid.loc[expected.index].astype(int).equals(expected.astype(int))
    metric = to_metric(units)
    for code, geom in zip(grids["grid_code"], to_metric(grids).geometry, strict=True):
        mine = shapely.union_all(metric.geometry[units["grid_code"] == code].to_numpy())
        assert abs(mine.area - geom.area) < 5 and mine.symmetric_difference(geom).area < 5
    # the 300 m left without a grid in B are unassigned units with no households
    free = metric[units["grid_code"].isna()]
    assert abs(free.area.sum() - 300 * 1000) < 5 and free["households"].sum() == 0
    assert set(free["community_code"]) == {B}
    # a unit's hours are its households' and residents'; a grid's 2 h are not in its units
    assert np.allclose(units["workload"], 0.1 * units["households"] + 0.01 * units["population"])


def units_at(draft, x1, x2):
    """Unit ids whose centre lies between x1 and x2 metres east of the origin."""
    cx = to_metric(draft.units).geometry.centroid.x.to_numpy() - 500_000.0
    return np.flatnonzero((cx > x1) & (cx < x2)).tolist()


def test_move_merge_split_rename_undo_redo(start):
    grids, units, d0 = start
    total = int(units["households"].sum())
    g1, g2, g3, g4 = (f"{A}{i:03d}" for i in range(1, 5))

    moved = units_at(d0, 400, 500)  # the eastern strip of grid 1 into grid 2
    assert moved and all(d0.grid_of(u) == g1 for u in moved)
    d1 = edit.move(d0, moved, g2)
    b = edit.balance(d1, [g1, g2]).set_index("grid_code")
    recount = {g: int(units["households"].to_numpy()[d1.units_of(g)].sum()) for g in (g1, g2)}
    assert b.loc[g1, "households"] == recount[g1] < 300 and b.loc[g2, "households"] == recount[g2]
    assert b.loc[g1, "households"] + b.loc[g2, "households"] == 300 + 350
    assert d1.revision == 1 and d1.last.op == "move" and d1.last.touched() == {g1, g2}
    # hours of the grid as a whole: 0.1 · 300 + 0.01 · 900 + 2 before the move
    assert edit.balance(d0, [g1])["workload"].iloc[0] == pytest.approx(41.0)

    d2 = edit.merge(d1, [g3, g4])
    assert g4 not in d2.grids and edit.balance(d2, [g3])["households"].iloc[0] == 400 + 450
    # 0.1 · 850 + 0.01 · (902 + 903) + 2 = 105.05 h > 60 (shown to 0.1 h)
    assert edit.balance(d2, [g3])["workload"].iloc[0] == round(85 + 18.05 + 2, 1)
    assert edit.balance(d2, [g3])["band"].iloc[0] == "over"

    painted = units_at(d2, 1000, 1250)
    d3 = edit.split(d2, painted)
    new = (set(d3.grids) - set(d2.grids)).pop()
    assert new == f"{A}006"  # 001–004 in the draft, 005 used by another version
    assert d3.grids[new]["name"] == "东社区第6网格" and d3.grids[new]["community_code"] == A
    assert edit.summary(d3)["households"] == total

    d4 = edit.rename(d3, new, "东湖网格")
    assert d4.grids[new]["name"] == "东湖网格"

    # the dissolved drafts against the version they started from
    after = edit.shapes(d4, sorted(d4.grids))
    assert after["households"].sum() == grids["households"].sum()
    merged = diff(grids, edit.shapes(d2, sorted(d2.grids))).set_index("change")
    assert sorted(merged.loc["merged", "old_codes"]) == [g3, g4]
    assert list(merged.loc["merged", "new_codes"]) == [g3]
    assert sorted(c for codes in merged.loc[["reshaped"], "new_codes"] for c in codes) == [g1, g2]
    halves = edit.split(d0, units_at(d0, 500, 750))
    split = diff(grids, edit.shapes(halves, sorted(halves.grids))).set_index("change")
    assert list(split.loc["split", "old_codes"]) == [g2]
    assert sorted(split.loc["split", "new_codes"]) == [g2, f"{A}006"]

    # undo back to the start, then redo the merge
    u1 = edit.undo(edit.undo(edit.undo(d4)))
    assert new not in u1.grids and g4 in u1.grids
    assert u1.last.op == "undo:merge" and u1.revision == 7
    u0 = edit.undo(u1)
    assert (u0.assign == d0.assign).all() and u0.grids == d0.grids
    with pytest.raises(edit.EditError, match="nothing to undo"):
        edit.undo(u0)
    r1 = edit.redo(u0)
    assert (r1.assign == d1.assign).all() and len(r1.undone) == 3
    # a new edit clears what could be redone
    assert edit.rename(r1, g1, "新名").undone == ()


def test_balance_flags_contiguity_crossing_and_unassigned(start):
    _, units, d0 = start
    g1, b2 = f"{A}001", f"{B}002"
    # a far unit of B's second grid moved into A's first: two pieces, two communities/towns
    far = [u for u in units_at(d0, 3300, 3400) if d0.grid_of(u) == b2]
    d = edit.move(d0, far, g1)
    row = edit.balance(d, [g1]).iloc[0]
    assert not row["contiguous"] and row["crosses_community"] and row["crosses_town"]
    free = [u for u in units_at(d0, 3800, 4000) if d0.grid_of(u) is None]
    s0 = edit.summary(d0)
    d = edit.move(d, free, b2)
    s = edit.summary(d)
    assert s["unassigned_units"] == s0["unassigned_units"] - len(free)
    assert g1 in s["not_contiguous"] and g1 in s["crossing_community"]
    assert s["households"] == int(units["households"].sum())


def test_bad_edits_are_refused_with_a_reason(start):
    _, _, d0 = start
    with pytest.raises(edit.EditError, match="no grid"):
        edit.move(d0, [0], "nope")
    with pytest.raises(edit.EditError, match="two or more"):
        edit.merge(d0, [f"{A}001"])
    with pytest.raises(edit.EditError, match="no unit"):
        edit.split(d0, [10**6])
    with pytest.raises(edit.EditError, match="nothing to redo"):
        edit.redo(d0)


def test_a_change_survives_json():
    change = edit.Change("merge", {3: ("a", "b")}, {"a": ({"name": "x"}, None)})
    assert edit.Change.from_dict(change.as_dict()) == change


def test_the_kept_balance_equals_a_fresh_one_after_edits(start):
    from dataclasses import replace

    _, _, d0 = start
    edit.balance(d0)  # the whole balance is now kept and updated edit by edit
    d = edit.merge(d0, [f"{A}001", f"{A}002"])
    d = edit.split(d, units_at(d, 1000, 1200), name="新")
    d = edit.undo(edit.move(d, units_at(d, 2000, 2100), f"{A}004"))
    kept = edit.balance(d)
    fresh = edit.balance(
        replace(d, cache={}, members={c: np.flatnonzero(d.assign == c) for c in d.grids})
    )
    assert kept.equals(fresh) and len(kept) == len(d.grids)


def test_a_department_boundary_refuses_edits_across_it(start):
    """Police areas P1 (x < 1000 m: grids 1 and 2) and P2 (the rest) as a hard boundary:
    moving units of grid 2 into grid 3, merging grids 2 and 3 or painting a grid over
    the line is refused; the same edits inside one area go through."""
    grids, units, _ = start
    x = to_metric(units).geometry.representative_point().x.to_numpy() - 500_000.0
    barrier = np.where(x < 1000, "P1", "P2")
    d0 = edit.Draft.start(
        units,
        grids,
        households_band=(300, 500),
        workload_band=(0, 60),
        grid_hours=grid_hours(ITEMS),
        barrier=barrier,
    )
    g1, g2, g3 = (f"{A}{i:03d}" for i in range(1, 4))
    with pytest.raises(edit.EditError, match=f"grid {g3} would cross .* P1 / P2"):
        edit.move(d0, units_at(d0, 900, 1000), g3)
    with pytest.raises(edit.EditError, match="would cross"):
        edit.merge(d0, [g2, g3])
    with pytest.raises(edit.EditError, match="would cross"):
        edit.split(d0, units_at(d0, 900, 1100))
    assert edit.move(d0, units_at(d0, 400, 500), g2).revision == 1  # both in P1
    assert len(edit.merge(d0, [g1, g2]).grids) == len(d0.grids) - 1
    # without the boundary the same move is an ordinary edit
    free = edit.Draft.start(units, grids, households_band=(300, 500), workload_band=(0, 60))
    assert edit.move(free, units_at(free, 900, 1000), g3).revision == 1

"""geo.grids.diff on two constructed versions holding exactly one change of each kind."""

from __future__ import annotations

import pytest

from geo.grids import diff
from tests.geo.grids.build import box, frame

C = "320508001001"


def g(code, geom, households):
    return {
        "grid_code": C + code,
        "community_code": C,
        "town_code": C[:9],
        "households": households,
        "geometry": geom,
    }


@pytest.fixture
def versions():
    old = frame(
        [
            g("001", box(0, 0, 1000, 1000), 400),  # A: unchanged
            g("002", box(1000, 0, 2000, 1000), 400),  # B: reshaped (grows north)
            g("003", box(2000, 0, 3000, 1000), 800),  # C: split in two
            g("004", box(3000, 0, 4000, 1000), 200),  # D ┐ merged
            g("005", box(4000, 0, 5000, 1000), 150),  # E ┘
            g("006", box(5000, 0, 6000, 1000), 300),  # F: removed
        ]
    )
    new = frame(
        [
            g("001", box(0, 0, 1000, 1000), 400),
            g("002", box(1000, 0, 2000, 1300), 450),
            g("011", box(2000, 0, 2500, 1000), 420),
            g("012", box(2500, 0, 3000, 1000), 380),
            g("013", box(3000, 0, 5000, 1000), 350),
            g("014", box(6000, 0, 7000, 1000), 320),  # G: new
        ]
    )
    return old, new


def test_one_row_per_change_kind(versions):
    changes = diff(*versions).set_index("change")
    assert sorted(changes.index) == sorted(
        ["unchanged", "reshaped", "split", "merged", "new", "removed"]
    )
    assert changes.loc["unchanged", "old_codes"] == [C + "001"]
    assert changes.loc["unchanged", "new_codes"] == [C + "001"]
    assert changes.loc["reshaped", "new_codes"] == [C + "002"]
    assert changes.loc["split", "old_codes"] == [C + "003"]
    assert changes.loc["split", "new_codes"] == [C + "011", C + "012"]
    assert changes.loc["merged", "old_codes"] == [C + "004", C + "005"]
    assert changes.loc["merged", "new_codes"] == [C + "013"]
    assert changes.loc["removed", "old_codes"] == [C + "006"]
    assert changes.loc["removed", "new_codes"] == []
    assert changes.loc["new", "old_codes"] == []
    assert changes.loc["new", "new_codes"] == [C + "014"]


def test_area_and_workload_before_and_after(versions):
    changes = diff(*versions).set_index("change")
    assert changes.loc["reshaped", "area_before_m2"] == pytest.approx(1e6, rel=0.01)
    assert changes.loc["reshaped", "area_after_m2"] == pytest.approx(1.3e6, rel=0.01)
    assert changes.loc["merged", "area_after_m2"] == pytest.approx(2e6, rel=0.01)
    assert changes.loc["removed", "area_after_m2"] == 0
    assert changes.loc["new", "area_before_m2"] == 0
    assert changes.loc["split", "households_before"] == 800
    assert changes.loc["split", "households_after"] == 800
    assert changes.loc["merged", "households_before"] == 350
    assert changes.loc["reshaped", "households_after"] == 450
    assert changes.loc["split", "town_code"] == C[:9]
    assert "population_before" not in changes  # only columns both versions carry


def test_same_shape_new_code_is_reshaped_not_unchanged(versions):
    old, new = versions
    renamed = new.copy()
    renamed.loc[0, "grid_code"] = C + "099"
    changes = diff(old, renamed)
    row = changes[changes["new_codes"].apply(lambda c: c == [C + "099"])].iloc[0]
    assert row["change"] == "reshaped"
    assert row["old_codes"] == [C + "001"]


def test_small_boundary_shift_does_not_link_neighbours():
    old = frame([g("001", box(0, 0, 1000, 1000), 400), g("002", box(1000, 0, 2000, 1000), 400)])
    # the shared edge moves 100 m east: both grids reshaped, no split/merge
    new = frame([g("001", box(0, 0, 1100, 1000), 440), g("002", box(1100, 0, 2000, 1000), 360)])
    changes = diff(old, new)
    assert list(changes["change"]) == ["reshaped", "reshaped"]
    assert changes["old_codes"].tolist() == [[C + "001"], [C + "002"]]


def test_identical_versions_are_all_unchanged(versions):
    old, _ = versions
    changes = diff(old, old)
    assert set(changes["change"]) == {"unchanged"}
    assert len(changes) == len(old)


@pytest.mark.parametrize(
    "inner", [box(100, 100, 400, 400), box(0, 0, 1000, 1000)], ids=["inside", "on_top"]
)
def test_a_version_diffed_with_itself_is_all_unchanged(inner):
    # a grid inside (or exactly on top of) another: a drafting mistake check() reports
    grids = frame(
        [
            g("001", box(0, 0, 1000, 1000), 400),
            g("002", inner, 100),
            g("003", box(1000, 0, 2000, 1000), 300),
        ]
    )
    changes = diff(grids, grids)
    assert list(changes["change"]) == ["unchanged"] * 3
    assert [c for c in changes["old_codes"]] == [[C + "001"], [C + "002"], [C + "003"]]
    assert list(changes["old_codes"]) == list(changes["new_codes"])


def test_a_kept_grid_stays_unchanged_next_to_a_new_one_inside_it():
    old = frame([g("001", box(0, 0, 1000, 1000), 400)])
    new = frame([g("001", box(0, 0, 1000, 1000), 400), g("002", box(100, 100, 300, 300), 50)])
    changes = diff(old, new).set_index("change")
    assert sorted(changes.index) == ["new", "unchanged"]
    assert changes.loc["unchanged", "new_codes"] == [C + "001"]
    assert changes.loc["new", "new_codes"] == [C + "002"]

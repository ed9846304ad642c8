"""geo.grids.align against shapely on constructed polygons in metres."""

from __future__ import annotations

import math

import pytest
import shapely

from geo.grids.align import align
from tests.geo.grids.build import box, frame

UNITS = {"P1": box(0, 0, 2000, 2000), "P2": box(2000, 0, 4000, 2000)}
GRIDS = {
    "G1": box(100, 100, 900, 900),  # wholly in P1
    "G2": box(1400, 0, 2600, 1000),  # half and half
    "G3": box(1300, 1000, 2300, 2000),  # 70 / 30
    "G4": box(1990, 1000, 3000, 1500),  # a 10 m sliver in P1, the rest in P2
    "G5": box(3500, 1500, 4500, 2500),  # a quarter in P2, the rest outside every unit
}


def _frames():
    units = frame([{"code": c, "name": f"{c}派出所", "geometry": g} for c, g in UNITS.items()])
    grids = frame([{"grid_code": c, "geometry": g} for c, g in GRIDS.items()])
    return grids, units


def test_shares_match_shapely_in_metres():
    grids, units = _frames()
    result = align(grids, units)
    for row in result.overlaps.itertuples():
        g, u = GRIDS[row.grid_code], UNITS[row.unit_code]
        expected = shapely.intersection(g, u).area
        assert row.area_m2 == pytest.approx(expected, rel=1e-4)
        assert row.share == pytest.approx(expected / g.area, rel=1e-4)
    # every pair with a positive overlap is there, and only those
    pairs = {
        (gc, uc)
        for gc, g in GRIDS.items()
        for uc, u in UNITS.items()
        if shapely.intersection(g, u).area > 1e-6
    }
    assert (
        set(zip(result.overlaps["grid_code"], result.overlaps["unit_code"], strict=True)) == pairs
    )


def test_split_grids_main_units_slivers_and_outside():
    grids, units = _frames()
    per = align(grids, units).grids.set_index("grid_code")
    assert per.loc["G1", "units"] == ["P1"] and not per.loc["G1", "split"]
    assert sorted(per.loc["G2", "units"]) == ["P1", "P2"] and per.loc["G2", "split"]
    assert per.loc["G3", "main_unit"] == "P1" and per.loc["G3", "main_share"] == pytest.approx(
        0.7, rel=1e-4
    )
    assert per.loc["G3", "split"]
    # the sliver (10 m × 500 m = 5,000 m², 1/101 of the grid) is below the 2 % share
    assert per.loc["G4", "units"] == ["P2"] and not per.loc["G4", "split"]
    assert per.loc["G4", "main_share"] == pytest.approx(1000 / 1010, rel=1e-4)
    assert per.loc["G5", "outside_share"] == pytest.approx(0.75, rel=1e-4)
    assert per.loc["G5", "main_share"] == pytest.approx(0.25, rel=1e-4)


def test_a_lower_tolerance_counts_the_sliver():
    grids, units = _frames()
    per = align(grids, units, min_share=0.005, min_area_m2=1000).grids.set_index("grid_code")
    assert per.loc["G4", "split"] and sorted(per.loc["G4", "units"]) == ["P1", "P2"]
    per = align(grids, units, min_share=0.005, min_area_m2=10_000).grids.set_index("grid_code")
    assert not per.loc["G4", "split"]


def test_score_is_the_area_share_in_each_main_unit():
    grids, units = _frames()
    main = sum(max(shapely.intersection(g, u).area for u in UNITS.values()) for g in GRIDS.values())
    total = sum(g.area for g in GRIDS.values())
    result = align(grids, units)
    assert result.score == pytest.approx(main / total, rel=1e-4)
    assert result.summary()["split_grids"] == 2


def test_grids_inside_one_unit_score_one_and_no_units_score_zero():
    grids, units = _frames()
    inside = grids[grids["grid_code"] == "G1"]
    assert align(inside, units).score == pytest.approx(1.0)
    nowhere = align(inside, units[units["code"] == "P2"])
    assert nowhere.score == 0.0 and nowhere.grids["main_unit"].isna().all()
    assert nowhere.grids["units"].tolist() == [[]]
    assert math.isnan(align(grids.iloc[:0], units).score)

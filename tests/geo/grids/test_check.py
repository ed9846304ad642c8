"""geo.grids.check on constructed grids with one known problem of each kind."""

from __future__ import annotations

import pytest
import shapely

from geo.grids import check
from tests.geo.grids.build import box, frame, poly

TOWN, C1, C2, C3 = "320508001", "320508001001", "320508001002", "320508001003"


@pytest.fixture
def boundary():
    return frame(
        [
            {"code": TOWN, "level": "town", "geometry": box(0, 0, 3000, 1000)},
            {"code": C1, "level": "community", "geometry": box(0, 0, 1000, 1000)},
            {"code": C2, "level": "community", "geometry": box(1000, 0, 2000, 1000)},
            {"code": C3, "level": "community", "geometry": box(2000, 0, 3000, 1000)},
            # a community of another, ungridded town: out of scope, not a gap
            {"code": "320508002001", "level": "community", "geometry": box(0, 2000, 1000, 3000)},
        ]
    )


def grid(code, community, geom):
    return {"grid_code": code, "community_code": community, "town_code": TOWN, "geometry": geom}


@pytest.fixture
def grids():
    return frame(
        [
            grid(C1 + "001", C1, box(0, 0, 500, 1000)),
            grid(C1 + "002", C1, box(480, 0, 1000, 600)),  # overlaps 001 by 20 × 600 m
            grid(C1 + "003", C1, box(499.999, 600, 1000, 800)),  # sliver 0.2 m² with 001, gap above
            grid(C2 + "001", C2, box(1000, 0, 1500, 500)),
            grid(C2 + "001", C2, box(1500, 0, 2000, 500)),  # same code twice
            grid(C2 + "002", C2, box(1000, 500, 2000, 1050)),  # 50 m north of its community
            grid(C3 + "001", C3, poly((2000, 0), (3000, 1000), (3000, 0), (2000, 1000))),  # bow-tie
        ]
    )


def by_kind(problems, kind):
    return problems[problems["problem"] == kind].reset_index(drop=True)


def test_each_problem_found_with_its_area(grids, boundary):
    problems = check(grids, boundary)
    assert set(problems["problem"]) == {
        "gap",
        "overlap",
        "invalid",
        "duplicate_code",
        "crosses_parent",
    }
    assert problems.crs.to_epsg() == 4326

    overlap = by_kind(problems, "overlap")
    assert len(overlap) == 1  # the 0.2 m² sliver is under the tolerance
    assert sorted(overlap.loc[0, "grid_codes"]) == [C1 + "001", C1 + "002"]
    assert overlap.loc[0, "area_m2"] == pytest.approx(20 * 600, rel=0.01)

    gaps = by_kind(problems, "gap")
    c1_gap = gaps[gaps["unit_code"] == C1]
    assert len(c1_gap) == 1
    assert c1_gap["area_m2"].iloc[0] == pytest.approx(500 * 200, rel=0.01)
    # the bow-tie leaves two triangles of its community uncovered
    c3_gaps = gaps[gaps["unit_code"] == C3]
    assert sorted(c3_gaps["area_m2"].round(-2)) == [250_000, 250_000]
    assert set(gaps["unit_code"]) == {C1, C3}

    invalid = by_kind(problems, "invalid")
    assert list(invalid["grid_codes"]) == [[C3 + "001"]]
    assert "Self-intersection" in invalid.loc[0, "detail"]
    assert invalid.loc[0, "area_m2"] == pytest.approx(500_000, rel=0.01)

    dup = by_kind(problems, "duplicate_code")
    assert list(dup["grid_codes"]) == [[C2 + "001"]]
    assert dup.loc[0, "area_m2"] == pytest.approx(500_000, rel=0.01)

    crossing = by_kind(problems, "crosses_parent")
    assert list(crossing["grid_codes"]) == [[C2 + "002"]]
    assert crossing.loc[0, "unit_code"] == C2
    assert crossing.loc[0, "area_m2"] == pytest.approx(1000 * 50, rel=0.01)


def test_problem_geometry_sits_where_the_problem_is(grids, boundary):
    problems = check(grids, boundary).to_crs("EPSG:4549")
    gap = problems[(problems["problem"] == "gap") & (problems["unit_code"] == C1)].geometry.iloc[0]
    expected = box(500, 800, 1000, 1000)
    assert (
        shapely.equals_exact(shapely.normalize(gap.buffer(0)), shapely.normalize(expected), 0.01)
        or gap.symmetric_difference(expected).area < 1.0
    )


def test_clean_grids_have_no_problems(boundary):
    grids = frame(
        [
            grid(C1 + "001", C1, box(0, 0, 500, 1000)),
            grid(C1 + "002", C1, box(500, 0, 1000, 1000)),
            grid(C2 + "001", C2, box(1000, 0, 2000, 1000)),
            grid(C3 + "001", C3, box(2000, 0, 3000, 1000)),
        ]
    )
    problems = check(grids, boundary)
    assert problems.empty
    assert list(problems.columns) == [
        "problem",
        "grid_codes",
        "unit_code",
        "area_m2",
        "detail",
        "geometry",
    ]


def test_tolerance_is_configurable(grids, boundary):
    loose = check(grids, boundary, tolerance_m2=20_000)
    assert "overlap" not in set(loose["problem"])  # 12,000 m² now counts as noise
    strict = check(grids, boundary, tolerance_m2=0.01)
    assert (strict["problem"] == "overlap").sum() == 2  # the 0.2 m² sliver shows up


def test_a_community_without_any_grid_is_a_gap_with_whole_towns(boundary, grids):
    rest = grids[grids["community_code"] != C3]
    assert C3 not in set(check(rest, boundary).query("problem == 'gap'")["unit_code"])
    gaps = check(rest, boundary, whole_towns=True).query("problem == 'gap'")
    assert gaps.query("unit_code == @C3")["area_m2"].sum() == pytest.approx(1_000_000, rel=0.01)
    assert "320508002001" not in set(gaps["unit_code"])  # another town, not gridded

"""geo.grids.propose on constructed communities: in band, or told why not."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.grids import check
from geo.grids.propose import propose
from geo.grids.workload import workload
from geo.items.catalogue import parse
from tests.geo.grids.build import X0, Y0, box, frame

T = "320508001"
BUSY, FINE, SMALL, AWKWARD = T + "001", T + "002", T + "003", T + "004"
#: hours a month: 0.1 a household, 1/30 a resident (3 a household: 0.2 h a household in
#: all), 0.05 an incident of the last 12 months, 1 a grid
ITEMS = parse(
    pd.DataFrame(
        {
            "code": ["A", "B", "C", "D"],
            "name": ["走访", "人口", "警情", "例会"],
            "layer": ["households", "population", "incidents", "grids"],
            "frequency": ["每月", "每月", "每起", "每月"],
            "minutes": ["6", "2", "36", "60"],
        }
    ),
    "items.csv",
)


def g(code, community, hh, geom, kind="城镇"):
    return {
        "grid_code": code,
        "name": code,
        "community_code": community,
        "town_code": T,
        "district_code": T[:6],
        "kind": kind,
        "households": hh,
        "population": hh * 3,
        "geometry": geom,
    }


@pytest.fixture
def city():
    communities = frame(
        [
            {
                "code": BUSY,
                "name": "甲社区",
                "level": "community",
                "geometry": box(0, 0, 1000, 1000),
            },
            {
                "code": FINE,
                "name": "乙社区",
                "level": "community",
                "geometry": box(1000, 0, 2000, 1000),
            },
            {
                "code": SMALL,
                "name": "丙社区",
                "level": "community",
                "geometry": box(2000, 0, 3000, 1000),
            },
            {
                "code": AWKWARD,
                "name": "丁社区",
                "level": "community",
                "geometry": box(3000, 0, 4000, 1000),
            },
        ]
    )
    grids = frame(
        [
            # 1,900 households crowded in the west half, plus a dedicated grid (a school)
            g(BUSY + "001", BUSY, 1500, box(0, 0, 500, 1000)),
            g(BUSY + "002", BUSY, 400, box(500, 0, 1000, 800)),
            g(BUSY + "003", BUSY, 0, box(500, 800, 1000, 1000), kind="专属"),
            g(FINE + "001", FINE, 400, box(1000, 0, 1500, 1000)),
            g(FINE + "002", FINE, 350, box(1500, 0, 2000, 1000)),
            g(SMALL + "001", SMALL, 250, box(2000, 0, 3000, 1000)),
            # 520 households: one grid is too many, two are too few
            g(AWKWARD + "001", AWKWARD, 300, box(3000, 0, 3500, 1000)),
            g(AWKWARD + "002", AWKWARD, 220, box(3500, 0, 4000, 1000)),
        ]
    )
    rng_points = [shapely.Point(X0 + 100 + 7 * i, Y0 + 100 + 5 * i) for i in range(60)]
    incidents = gpd.GeoDataFrame(
        {"occurred_at": [pd.Timestamp("2025-06-01", tz="UTC")] * len(rng_points)},
        geometry=rng_points,
        crs="EPSG:4549",
    ).to_crs("EPSG:4326")
    return grids, communities, incidents


def test_every_grid_in_band_or_explained(city):
    grids, communities, incidents = city
    result = propose(
        grids,
        communities,
        ITEMS,
        {"incidents": incidents},
        as_of=pd.Timestamp("2025-12-31", tz="UTC"),
        workload_band=(0, 10_000),
    )
    new = result.grids
    explained = {c for u in result.unsatisfied for c in u["grid_codes"]}
    for row in new.itertuples():
        if row.kind == "专属":
            continue
        assert 300 <= row.households <= 500 or row.grid_code in explained, row
    # the crowded community is redrawn into round(1900/400) = 5 grids, all in band
    busy = new[(new["community_code"] == BUSY) & (new["kind"] != "专属")]
    assert len(busy) == 5
    assert busy["households"].between(300, 500).all()
    assert busy["households"].sum() == 1900
    assert not set(busy["grid_code"]) & set(grids["grid_code"])  # fresh codes
    assert all(c.startswith(BUSY) and len(c) == 15 for c in busy["grid_code"])
    # the dedicated grid and the community in band are kept as they were
    kept = new[new["grid_code"].isin([BUSY + "003", FINE + "001", FINE + "002"])]
    assert len(kept) == 3
    # the two infeasible communities are reported with their numbers
    reasons = {u["community_code"]: u["reason"] for u in result.unsatisfied}
    assert "250" in reasons[SMALL] and "300" in reasons[SMALL]
    assert "520" in reasons[AWKWARD]
    assert result.summary()["communities"] == {"kept": 1, "redrawn": 1, "infeasible": 2}


def test_proposal_is_clean_topology(city):
    grids, communities, _ = city
    new = propose(grids, communities, ITEMS, workload_band=(0, 10_000)).grids
    problems = check(new, communities)
    assert problems.empty, problems[["problem", "grid_codes", "area_m2"]]
    area = new.to_crs("EPSG:4549").area.sum()
    assert area == pytest.approx(4_000_000, rel=0.001)


def test_proposal_topology_by_shapely_directly(city):
    """The same promise as check() makes, verified without it: valid shapes, no overlaps,
    no gaps, every grid inside its community (areas under 1 m² are slivers)."""
    grids, communities, _ = city
    new = propose(grids, communities, ITEMS, workload_band=(0, 10_000)).grids.to_crs("EPSG:4549")
    units = communities.to_crs("EPSG:4549").set_index("code").geometry
    shapes = list(new.geometry)
    assert all(s.is_valid for s in shapes)
    for i, a in enumerate(shapes):
        for b in shapes[i + 1 :]:
            assert a.intersection(b).area < 1.0
    for code, shape in zip(new["community_code"], shapes, strict=True):
        assert shape.difference(units[code]).area < 1.0, code
    for code, unit in units.items():
        mine = new[new["community_code"] == code]
        assert unit.difference(shapely.union_all(mine.geometry.to_numpy())).area < 1.0, code


def test_the_workload_limit_adds_grids_the_household_band_would_not():
    # one community, 1,200 households in two grids of 600 (above the band 300–500);
    # 0.2 h a household: 240 h a month of household work, plus 1 h per grid
    community = frame(
        [{"code": BUSY, "name": "甲社区", "level": "community", "geometry": box(0, 0, 1200, 1000)}]
    )
    grids = frame(
        [
            g(BUSY + "001", BUSY, 600, box(0, 0, 600, 1000)),
            g(BUSY + "002", BUSY, 600, box(600, 0, 1200, 1000)),
        ]
    )
    by_households = propose(grids, community, ITEMS, workload_band=(0, 10_000)).grids
    assert len(by_households) == 3  # 1,200 / 400: the household band alone asks for three
    # a limit of 70 h leaves 69 h of household work a grid: ceil(240 / 69) = 4 grids;
    # 1,200 // 300 = 4 allow it
    result = propose(grids, community, ITEMS, workload_band=(0, 70))
    assert len(result.grids) == 4
    assert result.grids["households"].sum() == 1200
    assert result.bands["workload"] == [0, 70]
    new = workload(result.grids, ITEMS, workload_band=(0, 70))
    expected = 0.1 * new["households"] + new["population"] / 30 + 1
    assert list(new["workload"]) == pytest.approx(list(expected))
    assert (new["workload"] <= 70).all(), new["workload"].tolist()
    # 1,200 over four grids cannot all reach 300 unless exactly even: any grid below the
    # household band is named, with its count
    below = new.loc[new["households"] < 300, "grid_code"].tolist()
    assert sorted(c for u in result.unsatisfied for c in u["grid_codes"]) == sorted(below)
    assert all("households outside 300–500" in u["reason"] for u in result.unsatisfied)


def test_redrawn_grids_are_contiguous_and_compact(city):
    grids, communities, _ = city
    new = propose(grids, communities, ITEMS, workload_band=(0, 10_000)).grids.to_crs("EPSG:4549")
    busy = new[(new["community_code"] == BUSY) & (new["kind"] != "专属")]
    for geom in busy.geometry:
        assert len(shapely.get_parts(geom.buffer(0.05))) == 1  # one piece
        # Polsby-Popper: a square is 0.785, a 1:10 strip 0.26
        assert 4 * 3.14159 * geom.area / geom.length**2 > 0.3


def test_used_codes_are_not_reused(city):
    grids, communities, _ = city
    taken = {BUSY + f"{i:03d}" for i in range(1, 10)}
    new = propose(grids, communities, ITEMS, workload_band=(0, 10_000), used_codes=taken).grids
    busy = new[(new["community_code"] == BUSY) & (new["kind"] != "专属")]
    assert min(busy["grid_code"]) == BUSY + "010"


def test_slivers_are_cleaned_from_parts_and_holes():
    from geo.grids.geometry import without_slivers

    grid = box(0, 0, 100, 100).difference(box(50, 50, 50.01, 50.01))  # a 1e-4 m² hole
    speck = box(200, 200, 200.03, 200.03)  # a 9e-4 m² second part
    hole = box(10, 10, 30, 30)  # 400 m²: a real hole stays
    messy = shapely.MultiPolygon(
        [shapely.Polygon(grid.exterior, [*(r for r in grid.interiors), hole.exterior]), speck]
    )
    dust = box(500, 500, 500.1, 500.1)  # a grid that is all sliver is kept whole
    shapes = gpd.GeoSeries([messy, dust], crs="EPSG:4549").to_crs("EPSG:4326").to_numpy()
    cleaned = gpd.GeoSeries(without_slivers(shapes), crs="EPSG:4326").to_crs("EPSG:4549")
    parts = shapely.get_parts(cleaned.iloc[0])
    assert len(parts) == 1 and len(parts[0].interiors) == 1
    assert shapely.Polygon(parts[0].interiors[0]).area == pytest.approx(400, rel=1e-6)
    assert parts[0].area == pytest.approx(10_000 - 400, rel=1e-6)
    assert cleaned.iloc[1].area == pytest.approx(0.01, rel=1e-3)


def test_redrawn_grids_are_named_like_kept_ones(city):
    grids, communities, _ = city
    communities = communities.assign(name=communities["name"] + "居委会")  # 甲社区居委会
    new = propose(grids, communities, ITEMS, workload_band=(0, 10_000)).grids
    busy = new[(new["community_code"] == BUSY) & (new["kind"] != "专属")]
    # the sample's rule: name without "社区居委会" + 第<last 3 digits of the code>网格
    assert list(busy["name"]) == [f"甲第{int(code[-3:])}网格" for code in busy["grid_code"]]
    assert list(busy["grid_code"]) == [BUSY + f"{i:03d}" for i in range(4, 9)]


def test_a_department_boundary_is_never_crossed_by_a_redrawn_grid():
    """Two police areas split the community at x = 700 m, through the old grids; with the
    areas as a boundary every new grid lies in one area (shapely, in metres), without it
    some grid straddles the line."""
    community = frame(
        [{"code": BUSY, "name": "甲社区", "level": "community", "geometry": box(0, 0, 1200, 1000)}]
    )
    grids = frame(
        [
            g(BUSY + "001", BUSY, 600, box(0, 0, 600, 1000)),
            g(BUSY + "002", BUSY, 600, box(600, 0, 1200, 1000)),
        ]
    )
    police = frame(
        [
            {"code": "P1", "geometry": box(0, 0, 700, 1000)},
            {"code": "P2", "geometry": box(700, 0, 1200, 1000)},
        ]
    )
    areas = police.to_crs("EPSG:4549").set_index("code").geometry

    def straddling(result):
        out = []
        for code, shape in zip(
            result.grids["grid_code"], result.grids.to_crs("EPSG:4549").geometry, strict=True
        ):
            inside = [p for p, area in areas.items() if shape.intersection(area).area >= 1.0]
            if len(inside) > 1:
                out.append(code)
        return out

    free = propose(grids, community, ITEMS, workload_band=(0, 10_000))
    assert straddling(free)  # the constraint is what keeps grids apart, not chance
    kept = propose(grids, community, ITEMS, workload_band=(0, 10_000), boundary=police)
    assert straddling(kept) == []
    assert kept.grids["households"].sum() == 1200
    assert kept.grids.to_crs("EPSG:4549").area.sum() == pytest.approx(1_200_000, rel=1e-3)
    assert check(kept.grids, community).empty

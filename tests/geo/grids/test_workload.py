"""Workload per grid: hours a month from a service-item list, computed by hand on
constructed grids (geo.grids.workload)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo.grids.workload import workload
from geo.items.catalogue import parse
from geo.items.workload import grid_hours

CRS = "EPSG:4549"
X0, Y0 = 500_000.0, 3_460_000.0
AS_OF = pd.Timestamp("2026-06-30T12:00:00Z")

#: hours a month per counted thing: A 0.1 a household, B 0.05 a resident, C 0.5 a rental,
#: D 2 a major hazard (risk 4), E 0.5 a hazard of risk 1–2, F 0.5 a dispute of the last
#: 12 months (360 min once each, over 12 months), G 10 a grid
ITEMS = parse(
    pd.DataFrame(
        {
            "code": ["A", "B", "C", "D", "E", "F", "G"],
            "name": ["走访", "人口核查", "出租屋", "重大危险源", "一般危险源", "纠纷", "例会"],
            "layer": [
                "households",
                "population",
                "rentals",
                "hazards",
                "hazards",
                "incidents",
                "grids",
            ],
            "selector": [None, None, None, "4", "1-2", "纠纷", None],
            "frequency": ["每月", "每月", "每月", "每月", "每季度", "每起", "每月"],
            "minutes": ["6", "3", "30", "120", "90", "360", "600"],
        }
    ),
    "items.csv",
)
#: only households, 1 minute each a month (1/60 h): hours = households / 60
PER_HOUSEHOLD = parse(
    pd.DataFrame(
        {
            "code": ["H"],
            "name": ["走访"],
            "layer": ["households"],
            "frequency": ["每月"],
            "minutes": ["1"],
        }
    ),
    "h.csv",
)


def _grids(households, population=None) -> gpd.GeoDataFrame:
    """A row of 1 km squares, grid codes G0, G1, …"""
    n = len(households)
    return gpd.GeoDataFrame(
        {
            "grid_code": [f"G{i}" for i in range(n)],
            "town_code": ["T1"] * n,
            "households": households,
            "population": population if population is not None else [None] * n,
        },
        geometry=[box(X0 + 1000 * i, Y0, X0 + 1000 * (i + 1), Y0 + 1000) for i in range(n)],
        crs=CRS,
    )


def _points(xy, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns, geometry=[Point(X0 + x, Y0 + y) for x, y in xy], crs=CRS)


def _layers():
    rentals = _points([(100, 100), (200, 200), (300, 300), (1500, 500)])
    hazards = _points([(100, 900), (200, 900), (300, 900), (1900, 100)], risk_level=[4, 1, 1, 3])
    recent = [AS_OF - pd.Timedelta(days=d) for d in range(10)]
    old = [AS_OF - pd.Timedelta(days=400 + d) for d in range(5)]
    incidents = _points(
        [(500, 500)] * 15 + [(1500, 1500)],
        occurred_at=recent + old + [AS_OF],
        category=["纠纷"] * 16,
    )
    return {"rentals": rentals, "hazards": hazards, "incidents": incidents}


def test_hours_by_hand_and_explained_item_by_item():
    table = workload(_grids([400, 250], [1000, 500]), ITEMS, _layers(), as_of=AS_OF)

    a, b = table.iloc[0], table.iloc[1]
    assert (a["rental_units"], a["hazards"], a["incidents"]) == (3, 3, 10)
    # 400·0.1 + 1000·0.05 + 3·0.5 + 1·2 (risk 4) + 2·0.5 (risk 1) + 10·0.5 + 10
    assert a["workload"] == pytest.approx(109.5)
    # the incident at (1500, 1500) lies outside every grid; the risk-3 hazard has no item
    assert (b["rental_units"], b["hazards"], b["incidents"]) == (1, 1, 0)
    assert b["workload"] == pytest.approx(25 + 25 + 0.5 + 10)
    assert [(i["code"], i["count"], i["hours"]) for i in a["by_item"]] == [
        ("B", 1000, 50.0),
        ("A", 400, 40.0),
        ("G", 1, 10.0),
        ("F", 10, 5.0),
        ("D", 1, 2.0),
        ("C", 3, 1.5),
        ("E", 2, 1.0),
    ]
    assert [i["code"] for i in b["by_item"]] == ["A", "B", "G", "C"]  # no zero-hour item
    assert sum(i["hours"] for i in a["by_item"]) == pytest.approx(a["workload"])
    # over the mean of the two grids, (109.5 + 60.5) / 2 = 85
    assert list(table["workload_ratio"]) == pytest.approx([109.5 / 85, 60.5 / 85])
    assert list(table["households_flag"]) == ["in_band", "below"]


def test_a_grid_cut_in_pieces_carries_the_same_hours():
    grid = _grids([400], [1000]).assign(households=[400], population=[1000])
    halves = gpd.GeoDataFrame(
        {"grid_code": ["u0", "u1"], "households": [150, 250], "population": [400, 600]},
        geometry=[box(X0, Y0, X0 + 500, Y0 + 1000), box(X0 + 500, Y0, X0 + 1000, Y0 + 1000)],
        crs=CRS,
    )
    whole = workload(grid, ITEMS, _layers(), as_of=AS_OF)["workload"].sum()
    pieces = workload(halves, ITEMS, _layers(), as_of=AS_OF, per_grid=False)
    assert grid_hours(ITEMS) == pytest.approx(10.0)
    # the left half holds the rentals, hazards and disputes; the grid's 10 h go once
    assert list(pieces["workload"]) == pytest.approx([15 + 20 + 1.5 + 2 + 1 + 5, 25 + 30])
    assert pieces["workload"].sum() + grid_hours(ITEMS) == pytest.approx(whole)


def test_incident_window_is_half_open_at_the_start():
    at = [
        AS_OF,
        AS_OF - pd.Timedelta(days=365),
        AS_OF - pd.Timedelta(days=364, hours=23),
        AS_OF + pd.Timedelta(seconds=1),
    ]
    incidents = _points([(500, 500)] * 4, occurred_at=at, category=["纠纷"] * 4)
    table = workload(_grids([0]), ITEMS, {"incidents": incidents}, as_of=AS_OF)
    # as_of itself and 364 d 23 h before count; exactly 365 d before and the future do not
    assert table.loc[0, "incidents"] == 2
    assert table.loc[0, "workload"] == pytest.approx(2 * 0.5 + 10)


def test_an_incident_of_another_category_counts_but_costs_nothing():
    incidents = _points([(500, 500)] * 3, occurred_at=[AS_OF] * 3, category=["纠纷", "火灾", None])
    table = workload(_grids([0]), ITEMS, {"incidents": incidents}, as_of=AS_OF)
    assert table.loc[0, "incidents"] == 3
    assert table.loc[0, "workload"] == pytest.approx(0.5 + 10)


def test_point_on_a_shared_edge_counts_once():
    table = workload(_grids([300, 300]), ITEMS, {"rentals": _points([(1000, 500)])}, as_of=AS_OF)
    assert table["rental_units"].sum() == 1
    assert table["workload"].sum() == pytest.approx(2 * (30 + 10) + 0.5)


def test_household_band_and_unknown():
    table = workload(_grids([299, 300, 500, 501, None]), PER_HOUSEHOLD, as_of=AS_OF)
    assert list(table["households_flag"]) == ["below", "in_band", "in_band", "above", "unknown"]
    assert table.loc[4, "workload"] == 0.0  # unknown households cost nothing
    table = workload(_grids([299, 450]), PER_HOUSEHOLD, as_of=AS_OF, households_band=(200, 400))
    assert list(table["households_flag"]) == ["in_band", "above"]


def test_workload_band_from_mean_and_sd_flags_the_outlier():
    table = workload(_grids([420, 60, 60, 60, 60, 60]), PER_HOUSEHOLD, as_of=AS_OF)
    values = np.array([7.0] + [1.0] * 5)
    assert list(table["workload"]) == pytest.approx(values)
    low, high = table.attrs["workload_band"]
    assert low == pytest.approx(values.mean() - 1.5 * values.std())
    assert high == pytest.approx(values.mean() + 1.5 * values.std())
    assert list(table["workload_flag"]) == ["high"] + ["in_band"] * 5
    # households 60 are below 300–500 too
    assert list(table["flagged"]) == [True] * 6


def test_configured_workload_band_in_hours():
    table = workload(_grids([300, 400, 500]), PER_HOUSEHOLD, as_of=AS_OF, workload_band=(6, 8))
    assert list(table["workload"]) == pytest.approx([5, 400 / 60, 500 / 60])
    assert list(table["workload_flag"]) == ["low", "in_band", "high"]
    assert table.attrs["workload_band"] == (6.0, 8.0)


def test_points_in_wgs84_meet_grids_in_the_metric_crs():
    rentals = _points([(500, 500), (1500, 500)]).to_crs("EPSG:4326")
    table = workload(_grids([300]), ITEMS, {"rentals": rentals}, as_of=AS_OF)
    assert table.loc[0, "rental_units"] == 1


def test_window_ends_at_the_latest_incident_by_default():
    at = [AS_OF - pd.Timedelta(days=d) for d in (0, 100, 364, 366, 800)]
    incidents = _points([(500, 500)] * 5, occurred_at=at, category=["纠纷"] * 5)
    table = workload(_grids([300]), ITEMS, {"incidents": incidents})
    assert table.loc[0, "incidents"] == 3
    assert table.attrs["as_of"] == AS_OF.isoformat()

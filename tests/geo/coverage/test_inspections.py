"""Inspection shares and the overdue list with fixed dates (as_of given)."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from geo.coverage.inspections import inspected, inspection_shares, overdue

CRS = "EPSG:4549"
X0, Y0 = 500_000.0, 3_460_000.0
AS_OF = dt.date(2026, 6, 30)


def _day(days_before: int | None):
    return None if days_before is None else AS_OF - dt.timedelta(days=days_before)


def _items(xy, days_before, **columns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"last_inspected_at": [_day(d) for d in days_before], **columns},
        geometry=[Point(X0 + x, Y0 + y) for x, y in xy],
        crs=CRS,
    )


GRIDS = gpd.GeoDataFrame(
    {"grid_code": ["G1", "G2", "G3"], "town_code": ["T1", "T1", "T2"]},
    geometry=[
        box(X0, Y0, X0 + 500, Y0 + 500),
        box(X0 + 500, Y0, X0 + 1000, Y0 + 500),
        box(X0 + 1000, Y0, X0 + 1500, Y0 + 500),
    ],
    crs=CRS,
)


def test_window_is_inclusive_at_both_ends():
    import pandas as pd

    dates = pd.Series([_day(0), _day(180), _day(181), None, _day(-1)])
    assert inspected(dates, 180, AS_OF).tolist() == [True, True, False, False, False]


def test_shares_per_grid_and_town():
    rentals = _items(
        [(100, 100), (200, 200), (300, 300), (600, 100), (1200, 100), (5000, 0)],
        [10, 200, None, 30, 90, 5],
    )
    table = inspection_shares({"rentals": rentals}, 60, AS_OF, GRIDS)
    t = table.set_index(["level", "code"])
    assert t.loc[("grid", "G1"), ["total", "inspected"]].tolist() == [3, 1]
    assert t.loc[("grid", "G1"), "share"] == pytest.approx(1 / 3)
    assert t.loc[("grid", "G2"), "share"] == 1.0
    assert t.loc[("grid", "G3"), "share"] == 0.0
    # towns from the grids' town codes here (no town polygons given)
    assert t.loc[("town", "T1"), ["total", "inspected"]].tolist() == [4, 2]
    assert t.loc[("town", "T2"), ["total", "inspected"]].tolist() == [1, 0]
    city = table[table["level"] == "city"].iloc[0]
    assert (city["total"], city["inspected"]) == (6, 3)


def test_towns_from_polygons_when_given():
    towns = gpd.GeoDataFrame(
        {"code": ["TA"]}, geometry=[box(X0, Y0, X0 + 2000, Y0 + 2000)], crs=CRS
    )
    hazards = _items([(100, 100), (1200, 100)], [1, 400], risk_level=[1, 4])
    table = inspection_shares({"hazards": hazards}, 365, AS_OF, GRIDS, towns)
    town = table[table["level"] == "town"]
    assert town["code"].tolist() == ["TA"] and town["share"].tolist() == [0.5]


def test_overdue_list_is_ranked_by_risk_then_never_then_lateness():
    hazards = _items(
        [(100, 100), (600, 100), (1200, 100), (1300, 100), (1400, 100)],
        [400, None, 200, 10, 300],
        risk_level=[2, 2, 4, 4, 4],
        name=list("abcde"),
    )
    rentals = _items([(100, 100)], [1000], address=["x路1号"])
    late = overdue({"hazards": hazards, "rentals": rentals}, 180, AS_OF, GRIDS)
    assert late["name"].tolist()[:4] == ["e", "c", "b", "a"]
    assert late["layer"].tolist() == ["hazards"] * 4 + ["rentals"]
    assert late["risk_level"].tolist()[:4] == [4, 4, 2, 2] and late["risk_level"].isna().iloc[4]
    assert late["days_overdue"].tolist()[:2] == [120.0, 20.0]
    assert np.isnan(late["days_since"].iloc[2]) and bool(late["never_inspected"].iloc[2])
    assert late["grid_code"].tolist() == ["G3", "G3", "G2", "G1", "G1"]
    assert late["town_code"].tolist() == ["T2", "T2", "T1", "T1", "T1"]


def test_nothing_overdue():
    rentals = _items([(100, 100)], [0])
    assert overdue({"rentals": rentals}, 30, AS_OF).empty

"""Workload per grid on constructed grids with known duties, index and flags."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo.grids.workload import WorkloadWeights, workload

CRS = "EPSG:4549"
X0, Y0 = 500_000.0, 3_460_000.0
AS_OF = pd.Timestamp("2026-06-30T12:00:00Z")


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


def test_index_counts_each_duty_with_its_weight():
    grids = _grids([400, 250], [1000, 500])
    rentals = _points([(100, 100), (200, 200), (300, 300), (1500, 500)])
    hazards = _points([(100, 900), (200, 900), (300, 900), (1900, 100)], risk_level=[4, 1, 1, 3])
    recent = [AS_OF - pd.Timedelta(days=d) for d in range(10)]
    old = [AS_OF - pd.Timedelta(days=400 + d) for d in range(5)]
    incidents = _points([(500, 500)] * 15 + [(1500, 1500)], occurred_at=recent + old + [AS_OF])

    table = workload(grids, incidents, rentals, hazards, as_of=AS_OF)

    a, b = table.iloc[0], table.iloc[1]
    assert (a["rental_units"], a["hazards"], a["hazard_weight"], a["incidents"]) == (3, 3, 24.0, 10)
    # 400 households + 0.1·1000 residents + 2·3 rentals + (20 + 2 + 2) hazards + 0.5·10 incidents
    assert a["workload"] == pytest.approx(535.0)
    # the incident at (1500, 1500) lies outside every grid: counted nowhere
    assert (b["rental_units"], b["hazard_weight"], b["incidents"]) == (1, 10.0, 0)
    assert b["workload"] == pytest.approx(250 + 50 + 2 + 10)
    # index over the mean index of the two grids, (535 + 312) / 2 = 423.5
    assert list(table["workload_ratio"]) == pytest.approx([535 / 423.5, 312 / 423.5])
    assert list(table["households_flag"]) == ["in_band", "below"]


def test_custom_weights_change_the_index():
    grids = _grids([100])
    hazards = _points([(10, 10), (20, 20)], risk_level=[2, 4])
    weights = WorkloadWeights(households=0.5, population=0, hazard_risk=(0, 1, 0, 7))
    table = workload(grids, None, None, hazards, weights=weights, as_of=AS_OF)
    assert table.loc[0, "workload"] == pytest.approx(0.5 * 100 + 1 + 7)
    assert table.attrs["weights"]["hazard_risk"] == (0, 1, 0, 7)


def test_incident_window_is_half_open_at_the_start():
    grids = _grids([300])
    at = [AS_OF, AS_OF - pd.Timedelta(days=365), AS_OF - pd.Timedelta(days=364, hours=23),
          AS_OF + pd.Timedelta(seconds=1)]
    incidents = _points([(500, 500)] * 4, occurred_at=at)
    table = workload(grids, incidents, None, None, as_of=AS_OF)
    # as_of itself and 364 d 23 h before count; exactly 365 d before and the future do not
    assert table.loc[0, "incidents"] == 2


def test_point_on_a_shared_edge_counts_once():
    grids = _grids([300, 300])
    rentals = _points([(1000, 500)])
    table = workload(grids, None, rentals, None, as_of=AS_OF)
    assert table["rental_units"].sum() == 1


def test_household_band_and_unknown():
    table = workload(_grids([299, 300, 500, 501, None]), None, None, None, as_of=AS_OF)
    assert list(table["households_flag"]) == ["below", "in_band", "in_band", "above", "unknown"]
    table = workload(_grids([299, 450]), None, None, None, as_of=AS_OF, households_band=(200, 400))
    assert list(table["households_flag"]) == ["in_band", "above"]


def test_workload_band_from_mean_and_sd_flags_the_outlier():
    grids = _grids([400, 400, 400, 400, 400, 400])
    incidents = _points([(500, 500)] * 600, occurred_at=[AS_OF] * 600)
    table = workload(grids, incidents, None, None, as_of=AS_OF)
    values = np.array([700.0] + [400.0] * 5)
    low, high = table.attrs["workload_band"]
    assert low == pytest.approx(values.mean() - 1.5 * values.std())
    assert high == pytest.approx(values.mean() + 1.5 * values.std())
    assert list(table["workload_flag"]) == ["high"] + ["in_band"] * 5
    assert list(table["flagged"]) == [True] + [False] * 5


def test_configured_workload_band():
    table = workload(_grids([300, 400, 500]), None, None, None, as_of=AS_OF,
                     workload_band=(350, 450))
    assert list(table["workload_flag"]) == ["low", "in_band", "high"]
    assert table.attrs["workload_band"] == (350.0, 450.0)


def test_points_in_wgs84_meet_grids_in_the_metric_crs():
    grids = _grids([300])
    rentals = _points([(500, 500), (1500, 500)]).to_crs("EPSG:4326")
    table = workload(grids, None, rentals, None, as_of=AS_OF)
    assert table.loc[0, "rental_units"] == 1


def test_window_ends_at_the_latest_incident_by_default():
    grids = _grids([300])
    at = [AS_OF - pd.Timedelta(days=d) for d in (0, 100, 364, 366, 800)]
    table = workload(grids, _points([(500, 500)] * 5, occurred_at=at), None, None)
    assert table.loc[0, "incidents"] == 3
    assert table.attrs["as_of"] == AS_OF.isoformat()

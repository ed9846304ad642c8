"""The H3 study area: cells by centre, their units, and candidate resolution."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from geo.coverage.cells import candidate_res, study_cells
from geo.hexes import polyfill

CRS = "EPSG:4549"
X0, Y0 = 500_000.0, 3_460_000.0


def _units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"level": ["district", "district", "town"], "code": ["D1", "D2", "T1"]},
        geometry=[
            box(X0, Y0, X0 + 2000, Y0 + 2000),
            box(X0 + 2000, Y0, X0 + 4000, Y0 + 2000),
            box(X0, Y0, X0 + 1000, Y0 + 2000),
        ],
        crs=CRS,
    ).to_crs("EPSG:4326")


def test_study_cells_are_the_districts_cells_with_their_units():
    units = _units()
    study = study_cells(units, 9)
    expected = np.union1d(polyfill(units.geometry[0], 9), polyfill(units.geometry[1], 9))
    assert study["cell"].tolist() == expected.astype(np.int64).tolist()
    d1 = set(polyfill(units.geometry[0], 9).astype(np.int64))
    assert (study["district"] == np.where(study["cell"].isin(d1), "D1", "D2")).all()
    t1 = set(polyfill(units.geometry[2], 9).astype(np.int64))
    assert (study["town"].notna() == study["cell"].isin(t1)).all()


def test_candidate_resolution_follows_the_radius():
    assert candidate_res(9, 1500) == 9
    assert candidate_res(9, 150) == 10  # res-10 edge 76 m ≤ 90 m
    assert candidate_res(7, 1500) == 8
    assert candidate_res(9, 1) == 15

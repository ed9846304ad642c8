"""New-site siting against brute-force distances: what is reported covered is what lies
within the radius of the chosen sites, and no other choice of candidates does better."""

from __future__ import annotations

from itertools import combinations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, box

from geo.coverage.analysis import CoverageInputs, siting
from geo.coverage.cells import area_cells, candidate_res, centres, study_cells
from geo.hexes import cells

X0, Y0 = 500_000.0, 3_460_000.0  # EPSG:4549 metres near 120°E, 31.3°N
TO_METRIC = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
RADIUS = 150.0


def _wgs(xy) -> gpd.GeoSeries:
    return gpd.GeoSeries([Point(X0 + x, Y0 + y) for x, y in xy], crs="EPSG:4549").to_crs(4326)


def _metric(geoms: gpd.GeoSeries) -> np.ndarray:
    return np.column_stack(TO_METRIC.transform(geoms.x.to_numpy(), geoms.y.to_numpy()))


@pytest.fixture(scope="module")
def data() -> CoverageInputs:
    """A 2 km square district; 260 incidents scattered (several per res-9 cell, metres apart
    from their cell's mean) at least 300 m from the camera at (100, 100), a tight cluster
    of 9, and 4 incidents within 100 m of the camera."""
    units = gpd.GeoDataFrame(
        {"level": ["district"], "code": ["D1"], "name": ["D1"]},
        geometry=[box(X0, Y0, X0 + 2000, Y0 + 2000)],
        crs=4549,
    ).to_crs(4326)
    rng = np.random.default_rng(11)
    xy = np.vstack(
        [
            rng.uniform(400, 1950, (260, 2)),
            rng.normal((1400, 600), 25, (9, 2)),
            [(40, 100), (160, 100), (100, 30), (100, 170)],
        ]
    )
    points = _wgs(xy)
    incidents = gpd.GeoDataFrame(
        {"h3": cells(points.x.to_numpy(), points.y.to_numpy(), 10).astype(np.int64)},
        geometry=points,
        crs=4326,
    )
    facilities = gpd.GeoDataFrame({"kind": ["camera"]}, geometry=_wgs([(100, 100)]), crs=4326)
    empty = gpd.GeoDataFrame(geometry=[], crs=4326)
    return CoverageInputs(
        units,
        study_cells(units, 9),
        incidents,
        empty,
        empty,
        facilities,
        pd.Series(dtype=np.int64),
        9,
    )


def _brute(data: CoverageInputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Open incidents, candidate ids and the candidates × incidents within-radius matrix,
    from plain distances in metres."""
    pts = _metric(data.incidents.geometry)
    camera = _metric(data.sites("camera"))
    open_ = (
        np.hypot(*(pts[:, None, :] - camera[None, :, :]).transpose(2, 0, 1)).min(axis=1) > RADIUS
    )
    ids = area_cells(data.units, candidate_res(9, RADIUS))
    cand = _metric(centres(ids))
    d = np.hypot(cand[:, None, 0] - pts[None, open_, 0], cand[:, None, 1] - pts[None, open_, 1])
    return pts[open_], ids, d <= RADIUS


@pytest.mark.parametrize("n", [1, 2])
def test_reported_gains_are_the_incidents_within_the_radius(data, n):
    open_pts, ids, within = _brute(data)
    sites = siting(data, "camera", n, RADIUS, method="exact")
    assert sites.attrs["uncovered_before"] == len(open_pts) == 269  # 4 covered already
    chosen = _metric(sites.geometry)
    dist = np.hypot(
        chosen[:, None, 0] - open_pts[None, :, 0], chosen[:, None, 1] - open_pts[None, :, 1]
    )
    assert sites.attrs["covered"] == int((dist <= RADIUS).any(axis=0).sum())
    # each gain: incidents newly within the radius, in order
    seen = np.zeros(len(open_pts), dtype=bool)
    for row, gain in zip(dist <= RADIUS, sites["gain"], strict=True):
        assert gain == int((row & ~seen).sum())
        seen |= row
    # optimal among all candidates, by enumeration; the site is one of the best places
    best = max(int(within[list(c)].any(axis=0).sum()) for c in combinations(range(len(ids)), n))
    assert sites.attrs["covered"] == best
    assert (sites.attrs["method"], sites.attrs["optimal"], sites.attrs["optimality_gap"]) == (
        "exact",
        True,
        0.0,
    )
    if n == 1:
        # the cluster of nine at (1400, 600) is the place: the site lies within the radius of it
        [(x, y)] = chosen - (X0, Y0)
        assert np.hypot(x - 1400, y - 600) <= RADIUS and sites.attrs["covered"] >= 9
        assert int(sites["cell"].iloc[0]) in set(ids.astype(np.int64).tolist())


def test_greedy_reports_its_gap_against_a_true_bound(data):
    _, ids, within = _brute(data)
    sites = siting(data, "camera", 2, RADIUS, method="greedy")
    best = max(int(within[list(c)].any(axis=0).sum()) for c in combinations(range(len(ids)), 2))
    assert sites.attrs["covered"] <= best <= sites.attrs["upper_bound"]
    assert sites.attrs["optimality_gap"] == pytest.approx(
        0.0 if sites.attrs["optimal"] else 1 - sites.attrs["covered"] / sites.attrs["upper_bound"]
    )

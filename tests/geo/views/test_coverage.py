"""The dashboard's coverage view against brute-force distances on the constructed city."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box
from sqlalchemy import insert

from geo.db import tables as t
from geo.hexes import centroids, polyfill
from geo.views import coverage
from tests.geo.coverage.conftest import INCIDENTS, city, pt  # noqa: F401  (the fixture)

RADIUS = 150.0  # the camera's default service radius
CAMERAS: list[tuple[float, float]] = []  # the city's camera at (500, 500) and a pair


@pytest.fixture
def cameras(city):  # noqa: F811
    """Two more cameras 60 m either side of the res-9 cell centre nearest (1700, 800), so
    that cell's centre is within the radius of both (an overlap), far from every incident."""
    ids = polyfill(city.wgs(box(0, 0, 2000, 1000)), 9)
    x, y = city.offset(*centroids(ids))
    i = int(np.argmin(np.hypot(x - 1700, y - 800)))
    CAMERAS[:] = [(500.0, 500.0), (x[i] - 60, y[i]), (x[i] + 60, y[i])]
    with city.engine.begin() as c:
        c.execute(
            insert(t.facilities),
            [
                {"source_key": f"CAM{i}", "name": f"摄像头{i}", "kind": "camera", "geom": pt(x, y)}
                for i, (x, y) in enumerate(CAMERAS[1:], start=2)
            ],
        )
    for view in (coverage._inputs, coverage._summary, coverage._areas, coverage._blind):
        view.cache_clear()
    yield city
    for view in (coverage._inputs, coverage._summary, coverage._areas, coverage._blind):
        view.cache_clear()


def _reach(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """How many cameras lie within the radius of each point (plain metres)."""
    cams = np.array(CAMERAS, dtype=float)
    d = np.hypot(x[:, None] - cams[None, :, 0], y[:, None] - cams[None, :, 1])
    return (d <= RADIUS).sum(axis=1)


@pytest.mark.parametrize("res", [8, 9])
def test_gaps_and_overlaps_are_the_study_cells_reached_by_none_or_several(cameras, res):
    out = coverage.summary(cameras.engine, "camera", res)
    ids = polyfill(cameras.wgs(box(0, 0, 2000, 1000)), res)  # D1, by cell centre
    n = _reach(*cameras.offset(*centroids(ids)))
    assert (out["facilities"], out["radius_m"]) == (3, RADIUS)
    assert out["gaps"] == pytest.approx((n == 0).mean(), abs=1e-12)
    assert out["overlaps"] == pytest.approx((n >= 2).mean(), abs=1e-12)
    # incidents: (500, 600), (550, 500), (400, 420) of 11, near the first camera only
    pts = np.array(INCIDENTS, dtype=float)
    assert out["incidents"] == pytest.approx((_reach(pts[:, 0], pts[:, 1]) > 0).mean())
    assert out["incidents"] == pytest.approx(3 / 11)
    if res == 9:  # the planted overlap, and the camera at (500, 500)'s cell
        assert out["overlaps"] == pytest.approx(1 / len(ids)) and (n >= 2).sum() == 1
        assert out["gaps"] < 1

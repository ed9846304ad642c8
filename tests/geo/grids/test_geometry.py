"""geo.grids.geometry.to_metric: the same coordinates as geopandas' to_crs, whatever the
thread (its WGS-84 path uses the PROJ pipeline that to_crs chooses)."""

from __future__ import annotations

import threading

import geopandas as gpd
import numpy as np
import shapely

from geo.grids.geometry import METRIC, to_metric


def _frame() -> gpd.GeoDataFrame:
    shapes = [
        shapely.box(120.60, 31.30, 120.61, 31.31),
        shapely.Point(120.70, 31.20).buffer(0.01),
        shapely.MultiPolygon([shapely.box(120.5, 31.1, 120.51, 31.11)]),
    ]
    return gpd.GeoDataFrame({"code": ["a", "b", "c"]}, geometry=shapes, crs="EPSG:4326")


def test_to_metric_equals_to_crs_in_any_thread():
    frame = _frame().rename_geometry("geom")
    expected = frame.to_crs(METRIC)
    got = {}

    def run():
        got["other thread"] = to_metric(frame)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    got["this thread"] = to_metric(frame)
    for out in got.values():
        assert out.crs == expected.crs
        assert list(out.columns) == ["code", "geom"] and out.geometry.name == "geom"
        assert np.array_equal(
            shapely.get_coordinates(out.geometry.to_numpy()),
            shapely.get_coordinates(expected.geometry.to_numpy()),
        )
        assert np.array_equal(out.area.to_numpy(), expected.area.to_numpy())


def test_to_metric_of_other_crs_and_of_none():
    frame = _frame()
    other = frame.to_crs("EPSG:3857")
    assert np.allclose(to_metric(other).area, frame.to_crs(METRIC).area, rtol=1e-9)
    bare = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=frame.geometry.to_numpy())
    assert np.array_equal(to_metric(bare).area.to_numpy(), frame.to_crs(METRIC).area.to_numpy())

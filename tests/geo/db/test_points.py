"""geo.db.points: point layers read back exactly as inserted, windows (since, until]."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import insert

from geo.db import tables as t
from geo.db.points import latest_incident, read_incidents, read_points

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def points(clean_db):
    with clean_db.begin() as c:
        c.execute(
            insert(t.incidents),
            [
                {
                    "source_key": f"JQ{i}",
                    "occurred_at": T0 + dt.timedelta(days=i),
                    "category": cat,
                    "h3": 0,
                    "geom": f"SRID=4326;POINT({120.6 + i / 100} {31.3 + i / 1000})",
                }
                for i, cat in enumerate(["盗窃", "纠纷", "盗窃"])
            ],
        )
        c.execute(
            insert(t.hazards),
            [
                {
                    "source_key": "H1",
                    "name": "加油站",
                    "category": "燃气",
                    "risk_level": 3,
                    "geom": "SRID=4326;POINT(120.61 31.31)",
                },
            ],
        )
    return clean_db


def test_read_points_default_columns_filters_and_coordinates(points):
    hazards = read_points(points, "hazards")
    assert list(hazards.columns) == [
        "id",
        "source_key",
        "name",
        "category",
        "risk_level",
        "address",
        "last_inspected_at",
        "geometry",
    ]
    assert hazards.crs == "EPSG:4326" and hazards["risk_level"].tolist() == [3]
    assert (hazards.geometry.x.iloc[0], hazards.geometry.y.iloc[0]) == (120.61, 31.31)

    theft = read_points(points, "incidents", "category = :c", {"c": "盗窃"}, columns=("category",))
    assert list(theft.columns) == ["id", "category", "geometry"]
    assert theft["category"].tolist() == ["盗窃", "盗窃"]
    assert theft.geometry.x.round(6).tolist() == [120.6, 120.62]
    with pytest.raises(ValueError, match="not a point layer"):
        read_points(points, "grids")


def test_incident_window_is_open_at_since_and_closed_at_until(points):
    got = read_incidents(points, since=T0, until=T0 + dt.timedelta(days=2))
    assert got["source_key"].tolist() == ["JQ1", "JQ2"]
    assert str(got["occurred_at"].dt.tz) == "UTC"
    assert got["occurred_at"].tolist() == [pd.Timestamp(T0 + dt.timedelta(days=d)) for d in (1, 2)]
    assert len(read_incidents(points)) == 3
    assert latest_incident(points) == pd.Timestamp(T0 + dt.timedelta(days=2))


def test_no_incidents_has_no_latest(clean_db):
    assert latest_incident(clean_db) is None
    assert len(read_incidents(clean_db)) == 0

"""geo.grids.store: analysis results stored with plain JSON properties."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from sqlalchemy import text

from geo.grids import store


def test_missing_and_infinite_values_are_stored_as_null(clean_db):
    # a check's unit_code column is all missing for overlaps: pandas makes it NaN
    features = gpd.GeoDataFrame(
        {
            "problem": ["overlap"],
            "grid_codes": [["A", "B"]],
            "unit_code": [np.nan],
            "area_m2": [np.float64(12.5)],
            "ratio": [np.inf],
        },
        geometry=[shapely.box(120.6, 31.3, 120.61, 31.31)],
        crs="EPSG:4326",
    )
    result_id = store.save_result(
        clean_db,
        "grid-check",
        {"version": "2025", "tolerance": float("nan")},
        {"problems": np.int64(1)},
        features,
    )
    with clean_db.connect() as conn:
        params, summary = conn.execute(
            text("SELECT params, summary FROM analysis_results WHERE id = :i"), {"i": result_id}
        ).one()
        (props,) = conn.execute(
            text("SELECT properties FROM analysis_features WHERE result_id = :i"), {"i": result_id}
        ).one()
    assert params == {"version": "2025", "tolerance": None} and summary == {"problems": 1}
    assert props == {
        "problem": "overlap",
        "grid_codes": ["A", "B"],
        "unit_code": None,
        "area_m2": 12.5,
        "ratio": None,
    }


def test_written_grids_carry_no_sliver_parts_or_holes(clean_db):
    """What civicgrid writes (a proposal, an edited draft) is cleaned: a 9e-4 m² second
    part and a 1e-4 m² hole are gone, a 400 m² hole stays."""
    from geo.grids import versions
    from tests.geo.grids.build import box, frame

    shell = box(0, 0, 100, 100)
    holes = [box(50, 50, 50.01, 50.01).exterior, box(10, 10, 30, 30).exterior]
    messy = shapely.MultiPolygon(
        [shapely.Polygon(shell.exterior, holes), box(200, 200, 200.03, 200.03)]
    )
    grids = frame(
        [
            {
                "grid_code": "G1",
                "name": "网格1",
                "community_code": "320508001001",
                "households": 300,
                "geometry": messy,
            }
        ]
    )
    with clean_db.begin() as c:
        store.write_grids(c, versions.create(c, "edited"), grids)
    back = store.read_grids(clean_db, "edited").to_crs("EPSG:4549").geometry.iloc[0]
    parts = shapely.get_parts(back)
    assert len(parts) == 1 and len(parts[0].interiors) == 1
    assert shapely.Polygon(parts[0].interiors[0]).area == pytest.approx(400, rel=1e-6)

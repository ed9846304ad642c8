"""geo.grids.store: analysis results stored with plain JSON properties."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import text

from geo.grids import store


def test_missing_and_infinite_values_are_stored_as_null(clean_db):
    # a check's unit_code column is all missing for overlaps: pandas makes it NaN
    features = gpd.GeoDataFrame(
        {"problem": ["overlap"], "grid_codes": [["A", "B"]], "unit_code": [np.nan],
         "area_m2": [np.float64(12.5)], "ratio": [np.inf]},
        geometry=[shapely.box(120.6, 31.3, 120.61, 31.31)], crs="EPSG:4326")
    result_id = store.save_result(clean_db, "grid-check", {"version": "2025", "tolerance": float("nan")},
                                  {"problems": np.int64(1)}, features)
    with clean_db.connect() as conn:
        params, summary = conn.execute(text(
            "SELECT params, summary FROM analysis_results WHERE id = :i"), {"i": result_id}).one()
        (props,) = conn.execute(text(
            "SELECT properties FROM analysis_features WHERE result_id = :i"), {"i": result_id}).one()
    assert params == {"version": "2025", "tolerance": None} and summary == {"problems": 1}
    assert props == {"problem": "overlap", "grid_codes": ["A", "B"], "unit_code": None,
                     "area_m2": 12.5, "ratio": None}

"""Page caches of place outlines and study areas are keyed by the data stamp: a boundary
reload is seen without a restart."""

from __future__ import annotations

import numpy as np
import shapely

from etl.load import load
from geo.views.hexlayer import study_cells
from geo.views.places import inside
from tests.etl import builders


def test_a_boundary_reload_is_seen_without_a_restart(clean_db, db_url, tmp_path):
    district = builders.boundaries("district")
    load("boundaries", builders.write_shp(district, tmp_path / "a.shp"), url=db_url)
    east = np.array([120.70]), np.array([31.32])  # east of the toy district
    assert not inside(clean_db, "320508", *east).any()
    before = study_cells(clean_db, 8, "320508")

    wider = district.copy()
    wider.geometry = [
        shapely.box(*(g.bounds[:2] + (g.bounds[2] + 0.1, g.bounds[3]))) for g in district.geometry
    ]
    load("boundaries", builders.write_shp(wider, tmp_path / "b.shp"), url=db_url)
    assert inside(clean_db, "320508", *east).all()  # the new outline, not the cached one
    assert len(study_cells(clean_db, 8, "320508")) > len(before)

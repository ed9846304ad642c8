"""etl.coords: which CRS is used, and the GCJ-02-declared-as-WGS-84 warning."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from etl import coords
from geo.crs import from_wgs84
from geo.errors import InputError


def test_choose_prefers_the_file_then_the_option_and_refuses_to_guess():
    assert coords.choose("cgcs2000", None) == ("cgcs2000", [])
    assert coords.choose(None, "GCJ-02") == ("gcj02", [])
    assert coords.choose("wgs84", "gcj02", declared_is_default=True) == ("gcj02", [])
    crs, warnings = coords.choose("wgs84", "bd09")
    assert crs == "bd09" and warnings
    crs, warnings = coords.choose("EPSG:4549", "wgs84")
    assert crs == "EPSG:4549" and "ignored" in warnings[0]
    with pytest.raises(InputError, match="give --crs"):
        coords.choose(None, None, file="x.csv")


def test_offset_warning_spots_gcj02_declared_as_wgs84():
    area = shapely.box(120.56, 31.28, 120.68, 31.36)
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(120.561, 120.679, 2000), rng.uniform(31.281, 31.359, 2000)
    assert coords.offset_warning(area, lon, lat, "wgs84") is None
    glon, glat = from_wgs84(lon, lat, "gcj02")  # the file's numbers are really GCJ-02
    warning = coords.offset_warning(area, glon, glat, "wgs84")
    assert warning is not None and "GCJ-02" in warning
    assert coords.offset_warning(None, glon, glat, "wgs84") is None

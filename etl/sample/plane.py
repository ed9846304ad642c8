"""Metres ↔ degrees near Suzhou: the generator works in WGS-84 degrees and needs lengths.

A local equirectangular approximation is plenty for synthetic data at city size.
"""

from __future__ import annotations

import math

#: latitude of the city centre; cos of it scales longitude degrees to metres
LAT0 = 31.3
M_PER_DEG_LAT = 110_950.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))
#: x-scale that makes lon/lat degrees isotropic (for Voronoi seeds and distances)
X_SCALE = M_PER_DEG_LON / M_PER_DEG_LAT


def deg_area_to_m2(area_deg2: float) -> float:
    """An area measured in degree² near Suzhou, in m²."""
    return area_deg2 * M_PER_DEG_LON * M_PER_DEG_LAT

"""Coordinates: which CRS a file is in, lon/lat swaps, and the tell-tale GCJ-02 offset.

Rules: a CRS the file declares (.prj, GeoPackage srs) wins; `--crs` is used when the
file declares nothing, and may override GeoJSON's RFC 7946 default and a declared
WGS-84/CGCS2000 with GCJ-02 or BD-09 (which no file format can declare); with neither,
the load is refused rather than guessed.
"""

from __future__ import annotations

import numpy as np
import shapely

from etl.validate import inside
from geo.crs import BD09, CGCS2000, GCJ02, WGS84, normalise_name, to_wgs84
from geo.errors import InputError

_SAMPLE = 20_000
_TOLERANCE_DEG = 5e-5  # ≈ 5 m: far below the ~500 m GCJ-02 offset


def choose(
    declared: str | None,
    option: str | None,
    *,
    declared_is_default: bool = False,
    file: str | None = None,
) -> tuple[str, list[str]]:
    """(CRS to read the file in, warnings) from what the file declares and `--crs`."""
    wanted = normalise_name(option) if option else None
    if declared is None:
        if wanted is None:
            raise InputError(
                "no coordinate system: the file has no .prj; give --crs "
                "(wgs84, gcj02, bd09, cgcs2000 or EPSG:n)",
                file=file,
            )
        return wanted, []
    if wanted is None or wanted == declared:
        return declared, []
    if declared_is_default:
        return wanted, []
    if wanted in (GCJ02, BD09) and declared in (WGS84, CGCS2000):
        return wanted, [f"the file declares {declared}; read as {wanted} as --crs says"]
    return declared, [f"--crs {wanted} ignored: the file declares {declared}"]


def offset_warning(
    area: shapely.Geometry | None, lon: np.ndarray, lat: np.ndarray, crs: str
) -> str | None:
    """A warning when points read as WGS-84 fit the boundaries far better as GCJ-02/BD-09.

    Compares the share of points outside the loaded city with the share outside after
    applying the GCJ-02 (or BD-09) inverse: a file in the Chinese datums declared as
    WGS-84 lands ~500 m off, which pushes the points near the edge out of the city.
    """
    if area is None or crs not in (WGS84, CGCS2000):
        return None
    keep = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    if len(keep) < 20:
        return None
    if len(keep) > _SAMPLE:
        keep = np.random.default_rng(0).choice(keep, _SAMPLE, replace=False)
    x, y = lon[keep], lat[keep]
    area = area.buffer(_TOLERANCE_DEG)  # vertices on the boundary stay in after a round trip
    out = 1 - inside(area, x, y).mean()
    if out < 0.01:
        return None
    for candidate, label in ((GCJ02, "GCJ-02"), (BD09, "BD-09")):
        cx, cy = to_wgs84(x, y, candidate)
        out_c = 1 - inside(area, cx, cy).mean()
        if out_c <= out / 2:
            return (
                f"{out:.1%} of points fall outside the city as {crs} but {out_c:.1%} as "
                f"{label}: the file is probably {label} (load it with --crs {candidate})"
            )
    return None

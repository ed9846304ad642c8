"""Canonical names of the coordinate systems civicgrid reads and writes.

A name is one of 'wgs84', 'gcj02', 'bd09', 'cgcs2000' or 'EPSG:n' (any code pyproj
knows). EPSG:4326 normalises to 'wgs84' and EPSG:4490 to 'cgcs2000', so each system
has exactly one spelling downstream.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pyproj
from pyproj.exceptions import CRSError

from geo.errors import InputError

WGS84, GCJ02, BD09, CGCS2000 = "wgs84", "gcj02", "bd09", "cgcs2000"
NAMED = (WGS84, GCJ02, BD09, CGCS2000)

#: EPSG codes of the named geographic systems
EPSG_OF = {WGS84: 4326, CGCS2000: 4490}
_NAME_OF_EPSG = {code: name for name, code in EPSG_OF.items()}

_ALIASES = {
    **{a: WGS84 for a in ("wgs84", "wgs-84", "wgs_84", "wgs 84", "gps", "4326")},
    **{a: GCJ02 for a in ("gcj02", "gcj-02", "gcj_02", "gcj", "mars", "amap", "gaode", "火星")},
    **{a: BD09 for a in ("bd09", "bd-09", "bd_09", "bd09ll", "baidu", "百度")},
    **{
        a: CGCS2000
        for a in ("cgcs2000", "cgcs-2000", "cgcs_2000", "cgcs 2000", "china2000", "4490")
    },
}
_EPSG = re.compile(r"^\s*(?:epsg\s*[:：]?\s*)?(\d{4,6})\s*$", re.IGNORECASE)


@lru_cache(maxsize=256)
def _check_epsg(code: int) -> None:
    try:
        pyproj.CRS.from_epsg(code)
    except CRSError as exc:
        raise InputError(f"unknown coordinate system EPSG:{code}") from exc


def normalise_name(src: str | int | pyproj.CRS) -> str:
    """Canonical name for `src`: 'wgs84', 'gcj02', 'bd09', 'cgcs2000' or 'EPSG:n'.

    Accepts case-insensitive aliases ('WGS-84', 'GCJ-02', 'baidu', 'epsg:4549', 4549 …)
    and pyproj CRS objects; anything else raises InputError naming the accepted values.
    """
    if isinstance(src, pyproj.CRS):
        return from_prj(src)
    text = str(src).strip()
    alias = _ALIASES.get(text.lower())
    if alias:
        return alias
    match = _EPSG.match(text)
    if match is None:
        raise InputError(
            f"unknown coordinate system {src!r}; use wgs84, gcj02, bd09, cgcs2000 or EPSG:n"
        )
    code = int(match.group(1))
    if code in _NAME_OF_EPSG:
        return _NAME_OF_EPSG[code]
    _check_epsg(code)
    return f"EPSG:{code}"


def from_prj(wkt_or_crs: str | Path | pyproj.CRS) -> str:
    """Canonical name of the CRS in a shapefile .prj: its WKT (ESRI or OGC), the path of
    the .prj file, or a pyproj CRS (as pyogrio/geopandas report it).

    Raises InputError when the CRS cannot be read or matches no EPSG code.
    """
    if isinstance(wkt_or_crs, Path) or (
        isinstance(wkt_or_crs, str) and wkt_or_crs.lower().endswith(".prj")
    ):
        path = Path(wkt_or_crs)
        try:
            wkt_or_crs = path.read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            raise InputError(f"cannot read the .prj: {exc.strerror}", file=str(path)) from exc
    if wkt_or_crs is None or (isinstance(wkt_or_crs, str) and not wkt_or_crs.strip()):
        raise InputError("no coordinate system given (.prj missing or empty)")
    try:
        crs = pyproj.CRS.from_user_input(wkt_or_crs)
    except CRSError as exc:
        raise InputError(f"unreadable coordinate system: {exc}") from exc
    code = crs.to_epsg(min_confidence=70)
    if code is None:
        raise InputError(f"coordinate system {crs.name!r} matches no EPSG code; give --crs")
    return normalise_name(f"EPSG:{code}")


def crs_of(name: str) -> pyproj.CRS | None:
    """The pyproj CRS of a canonical name; None for GCJ-02 and BD-09 (not EPSG systems)."""
    name = normalise_name(name)
    if name in EPSG_OF:
        return pyproj.CRS.from_epsg(EPSG_OF[name])
    if name.startswith("EPSG:"):
        return pyproj.CRS.from_user_input(name)
    return None

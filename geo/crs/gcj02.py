"""GCJ-02 (the Chinese "Mars" datum of AutoNavi, Tencent, Google China) from and to WGS-84.

The forward shift is the published algorithm on the Krasovsky 1940 ellipsoid; points
outside the published China rectangle pass through unchanged. The inverse is exact to
1e-10 degrees by iteration (see `geo.crs.iterate`), not the one-step approximation.
Functions take and return flat float64 arrays.
"""

from __future__ import annotations

import numpy as np

from geo.crs.iterate import invert

#: Krasovsky 1940 semi-major axis (metres) and first eccentricity squared, as published
A = 6378245.0
EE = 0.00669342162296594323


def out_of_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The published rectangle test: True where GCJ-02 leaves the point unchanged."""
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _sin_and_triple(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sin t, sin 3t), the second by 3 sin t − 4 sin³ t instead of another sin."""
    s = np.sin(t)
    return s, s * (3.0 - 4.0 * s * s)


def _shifts(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The published (dlat, dlon) before scaling, for x = lon − 105, y = lat − 35.

    The published formulas take twelve sines; here the term in x they share is computed
    once, and sin 6πx, sin πx and sin πy come from sin 2πx, sin πx/3 and sin πy/3 by the
    triple-angle identity (results within 3e-14 degrees of the formulas as written):
    seven sines per point, on every step of the inverse's iteration too.
    """
    s2x, s6x = _sin_and_triple(2.0 * np.pi * x)
    sx3, sx = _sin_and_triple(x / 3.0 * np.pi)
    sy3, sy = _sin_and_triple(y / 3.0 * np.pi)
    both = (20.0 * s6x + 20.0 * s2x) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += both
    dlat += (20.0 * sy + 40.0 * sy3) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += both
    dlon += (20.0 * sx + 40.0 * sx3) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return dlat, dlon


def wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 → GCJ-02 (published forward algorithm, vectorised)."""
    dlat, dlon = _shifts(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * np.pi
    magic = 1.0 - EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def gcj02_to_wgs84(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS-84, the exact inverse of `wgs84_to_gcj02` (to 1e-10 degrees)."""
    return invert(wgs84_to_gcj02, lon, lat)

"""BD-09 (Baidu) from and to GCJ-02, by the published formulas.

BD-09 is defined on top of GCJ-02 (x_pi = π·3000/180). The inverse is exact to 1e-10
degrees by iteration from the published one-step inverse (see `geo.crs.iterate`).
Functions take and return flat float64 arrays.
"""

from __future__ import annotations

import numpy as np

from geo.crs.iterate import invert

X_PI = np.pi * 3000.0 / 180.0


def gcj02_to_bd09(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09 (published forward formula)."""
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02_approx(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The published one-step inverse (errors of a few centimetres), used as a start."""
    x, y = lon - 0.0065, lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02, the exact inverse of `gcj02_to_bd09` (to 1e-10 degrees)."""
    u0, v0 = _bd09_to_gcj02_approx(lon, lat)
    return invert(gcj02_to_bd09, lon, lat, u0, v0)

"""Benjamini–Hochberg false discovery rate and the ArcGIS Gi_Bin confidence bins."""

from __future__ import annotations

import numpy as np
from scipy import stats

#: (|bin|, largest FDR-corrected p for that confidence level): 99 %, 95 %, 90 %
CONFIDENCE_LEVELS = ((3, 0.01), (2, 0.05), (1, 0.10))


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """BH-adjusted p-values (same order as `p`); NaN stays NaN and is not counted."""
    p = np.asarray(p, dtype=np.float64)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
    return out


def confidence_bins(z: np.ndarray, p_adjusted: np.ndarray) -> np.ndarray:
    """Gi_Bin: ±3 / ±2 / ±1 for 99 / 95 / 90 % confidence, signed as z, else 0."""
    z = np.asarray(z, dtype=np.float64)
    p = np.asarray(p_adjusted, dtype=np.float64)
    level = np.zeros(len(z), dtype=np.int8)
    for value, alpha in reversed(CONFIDENCE_LEVELS):
        level[p < alpha] = value
    return (level * np.sign(z)).astype(np.int8)

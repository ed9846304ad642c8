"""Emerging hot spots: Gi* in a space-time cube, Mann–Kendall trends, ArcGIS categories.

The cube holds every study-area cell × every period (zeros filled). Each bin's Gi*
uses its k-ring in the same period and in the `time_lag` periods just *before* it
(ArcGIS's "Neighborhood Time Step": previous time steps only, no look-ahead),
against the mean and variance of the whole cube; p-values are BH-corrected over all
bins and binned as Gi_Bin. A bin is a hot (cold) spot when its bin is > 0 (< 0),
i.e. significant at 90 % confidence or more after FDR. The trend is Mann–Kendall on
each cell's z-series.

Categories follow ESRI's "How Emerging Hot Spot Analysis works" (n = number of
periods, "hot" = significant hot bin; cold twins mirror each):

- new: hot in the final period and never hot before.
- consecutive: a single uninterrupted run of ≥ 2 hot periods ending in the final
  period, never hot before that run, and < 90 % of periods hot.
  A cell that was a cold spot before its final hot period or run fits both of
  these and "oscillating"; it is oscillating — the more specific definition, and
  the one that does not hide a reversal from the analyst (as PySAL-family ports
  such as sfdep resolve it).
- intensifying / diminishing: hot in ≥ 90 % of periods including the final one, and
  the z-scores rise / fall with a significant trend (trend_p < alpha).
- persistent: hot in ≥ 90 % of periods with no significant trend. ESRI's wording
  does not name the final period here, but its "historical" is exactly "≥ 90 % hot
  and not hot in the final period"; so persistent is read as including the final
  period, and such a cell without it is historical.
- sporadic: hot in the final period, on-and-off hot before, < 90 % of periods hot and
  never a cold spot.
- oscillating: hot in the final period, a cold spot in some earlier period, < 90 %
  of periods hot.
- historical: not hot in the final period but hot in ≥ 90 % of periods.
- no_pattern: none of the above.

Where ESRI's wording lets two patterns apply, the table order above wins, and a
pattern defined by the final period wins over a historical one of the opposite sign.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from geo.errors import InputError
from geo.hotspots.gi_star import gi_star_from, z_table
from geo.hotspots.mann_kendall import mann_kendall
from geo.hotspots.weights import kring_weights, space_time_sums

PATTERNS = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "oscillating",
    "historical",
)
CATEGORIES = (
    *(f"{p}_hot_spot" for p in PATTERNS),
    *(f"{p}_cold_spot" for p in PATTERNS),
    "no_pattern",
)


def _final_run(flags: np.ndarray) -> np.ndarray:
    """Length of the run of True values ending at the last period, per row."""
    return np.cumprod(flags[:, ::-1], axis=1).sum(axis=1)


def _patterns(
    sig: np.ndarray, other: np.ndarray, trend_up: np.ndarray, trend_down: np.ndarray
) -> dict[str, np.ndarray]:
    """Masks of each final-period pattern and the historical one for one sign."""
    n = sig.shape[1]
    count = sig.sum(axis=1)
    often = count >= 0.9 * n
    final = sig[:, -1]
    run = _final_run(sig)
    ever_other = other.any(axis=1)
    new = final & (count == 1) & ~ever_other
    consecutive = final & (run >= 2) & (run == count) & ~often & ~ever_other
    intensifying = final & often & trend_up
    diminishing = final & often & trend_down
    persistent = final & often & ~trend_up & ~trend_down
    rest = final & ~often & ~new & ~consecutive
    return {
        "new": new,
        "consecutive": consecutive,
        "intensifying": intensifying,
        "persistent": persistent,
        "diminishing": diminishing,
        "sporadic": rest & ~ever_other,
        "oscillating": rest & ever_other,
        "historical": ~final & often,
    }


def classify(
    bins: np.ndarray, trend_z: np.ndarray, trend_p: np.ndarray, alpha: float = 0.05
) -> np.ndarray:
    """ArcGIS emerging hot spot category per row of `bins` (cells × periods of Gi_Bin)."""
    bins = np.atleast_2d(np.asarray(bins))
    trend_z = np.asarray(trend_z, dtype=np.float64)
    significant = np.asarray(trend_p, dtype=np.float64) < alpha
    hot, cold = bins > 0, bins < 0
    up, down = significant & (trend_z > 0), significant & (trend_z < 0)
    hot_masks = _patterns(hot, cold, up, down)
    # a cold spot's clustering intensifies as its z-scores fall
    cold_masks = _patterns(cold, hot, down, up)
    conditions, choices = [], []
    for sign, masks in (("hot", hot_masks), ("cold", cold_masks)):
        for name in PATTERNS[:-1]:
            conditions.append(masks[name])
            choices.append(f"{name}_{sign}_spot")
    for sign, masks in (("hot", hot_masks), ("cold", cold_masks)):
        conditions.append(masks["historical"])
        choices.append(f"historical_{sign}_spot")
    return np.select(conditions, choices, default="no_pattern").astype(object)


def cube(
    counts: pd.DataFrame, area: Iterable[int] | None = None, periods: Iterable | None = None
) -> tuple[np.ndarray, list, np.ndarray]:
    """(cells, periods, values[period, cell]) with every area cell × period, zeros filled."""
    frame = counts[["cell", "period", "count"]].copy()
    frame["cell"] = frame["cell"].astype(np.int64)
    if area is not None:
        cells = np.unique(np.fromiter((int(c) for c in area), dtype=np.int64))
    else:
        cells = np.unique(frame["cell"].to_numpy())
    period_list = sorted(set(periods) if periods is not None else set(frame["period"]))
    frame = frame[frame["cell"].isin(cells) & frame["period"].isin(period_list)]
    table = frame.pivot_table(
        index="period", columns="cell", values="count", aggfunc="sum", fill_value=0
    )
    table = table.reindex(index=period_list, columns=cells, fill_value=0)
    return cells, period_list, table.to_numpy(dtype=np.float64)


def emerging(
    counts: pd.DataFrame,
    k: int = 1,
    area: Iterable[int] | None = None,
    periods: Iterable | None = None,
    time_lag: int = 1,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Emerging hot spot analysis of `counts` (columns cell, period, count).

    `area`: study-area cells (zeros where absent); `periods`: all periods to use (by
    default those present in `counts`; pass them when some period had no incident).
    Returns per cell: category, trend_z, trend_p, n_hot, n_cold, final_bin, final_z.
    """
    cells, period_list, values = cube(counts, area, periods)
    n_periods, n_cells = values.shape
    if n_periods < 2 or n_cells == 0:
        raise InputError(
            "emerging hot spot analysis needs cells and at least two periods "
            f"(got {n_cells} cells, {n_periods} periods)",
            field="period",
        )
    spatial = kring_weights(cells.astype(np.uint64), k)
    z = gi_star_from(values.ravel(), *space_time_sums(spatial, values, time_lag))
    table = z_table(np.arange(z.size), values.ravel(), z)
    bins = table["bin"].to_numpy().reshape(n_periods, n_cells).T
    z_series = z.reshape(n_periods, n_cells).T
    _, trend_z, trend_p = mann_kendall(z_series)
    return pd.DataFrame(
        {
            "category": classify(bins, trend_z, trend_p, alpha),
            "trend_z": trend_z,
            "trend_p": trend_p,
            "n_hot": (bins > 0).sum(axis=1),
            "n_cold": (bins < 0).sum(axis=1),
            "final_bin": bins[:, -1],
            "final_z": z_series[:, -1],
        },
        index=pd.Index(cells, name="cell"),
    )

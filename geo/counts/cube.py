"""Counts per (res, cell, period, period_start, category) of incidents in memory, and their sum.

Pure NumPy/pandas, shared by the rebuild of `incident_counts` (`geo.counts.refresh`) and
the archive engines (`geo.counts.archive`): the res-10 cell of each
point (`geo.hexes.cells`), its parents at coarser resolutions (`geo.hexes.parents`),
days, ISO weeks (from Monday) and months of the local time in China Standard Time (geo.localtime: fixed UTC+8).
Points without a cell (bad coordinates) or time are left out.
Frames carry period as its index in PERIODS and period_start as days since 1970-01-01.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from geo.config import settings
from geo.counts.periods import NO_TIME, PERIODS, local_days, period_starts
from geo.hexes import cells, parents

KEYS = ["res", "cell", "period", "period_start", "category"]
META = pd.DataFrame({"res": pd.Series(dtype="int16"), "cell": pd.Series(dtype="int64"),
                     "period": pd.Series(dtype="int8"), "period_start": pd.Series(dtype="int32"),
                     "category": pd.Series(dtype=object), "count": pd.Series(dtype="int64")})



def partition_counts(columns: dict[str, np.ndarray], resolutions: Sequence[int],
                     periods: Sequence[str]) -> pd.DataFrame:
    """Counts of the incidents in `columns` (occurred_at µs UTC, category, lon, lat)."""
    cell = cells(columns["lon"], columns["lat"], settings().h3_res).view(np.int64)
    return cell_counts(cell, columns["occurred_at"], columns["category"], resolutions, periods)


def cell_counts(cell: np.ndarray, occurred_at: np.ndarray, category: np.ndarray,
                resolutions: Sequence[int], periods: Sequence[str]) -> pd.DataFrame:
    """Counts of incidents given by their finest H3 cell (int64, 0 for none), time (µs
    UTC) and category; one row per key."""
    micros = np.asarray(occurred_at, dtype=np.int64)
    cell = np.asarray(cell, dtype=np.int64)
    cat = pd.Categorical(category)
    ok = (cell != 0) & (cat.codes >= 0) & (micros != NO_TIME)
    day = local_days(micros[ok])
    if set(periods) == {"month"}:  # months alone: count by month from the start, fewer keys
        day = period_starts(day, "month")
    base = (pd.DataFrame({"cell": cell[ok], "day": day, "cat": cat.codes[ok]})
            .groupby(["cell", "day", "cat"], sort=False).size())
    b_cell = base.index.get_level_values("cell").to_numpy()
    b_day = base.index.get_level_values("day").to_numpy()
    b_cat = base.index.get_level_values("cat").to_numpy()
    b_n = base.to_numpy()
    uniq, inverse = np.unique(b_cell, return_inverse=True)
    frames = []
    for res in resolutions:
        parent = parents(uniq.view(np.uint64), res).view(np.int64)[inverse]
        for period in periods:
            start = period_starts(b_day, period)
            summed = (pd.DataFrame({"cell": parent, "start": start, "cat": b_cat, "n": b_n})
                      .groupby(["cell", "start", "cat"], sort=False)["n"].sum())
            frames.append(pd.DataFrame({
                "res": np.int16(res), "cell": summed.index.get_level_values("cell"),
                "period": np.int8(PERIODS.index(period)),
                "period_start": summed.index.get_level_values("start").astype(np.int32),
                "category": np.asarray(cat.categories, dtype=object)[
                    summed.index.get_level_values("cat")],
                "count": summed.to_numpy().astype(np.int64)}))
    return pd.concat(frames, ignore_index=True) if frames else META.copy()


def split_complete(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(day and month rows, week rows) of one local-month partition's counts: the former are
    final (no other partition has those days or months), a week may span two partitions."""
    week = frame["period"].to_numpy() == PERIODS.index("week")
    return frame[~week], frame[week]


def combine(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Sum partial counts over the key; sorted by key (primary-key order of incident_counts)."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return META.copy()
    return sum_counts(pd.concat(frames, ignore_index=True))


def sum_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per key with the summed count, sorted by key."""
    out = frame.groupby(KEYS, sort=True, observed=True)["count"].sum().reset_index()
    return out.astype(META.dtypes.to_dict())

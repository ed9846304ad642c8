"""Counts per (res, cell, period, period_start, category) of incidents in memory, and their sum.

Pure NumPy/pandas: `month_counts` is what the refresh of `incident_counts`
(`geo.counts.refresh`) stores; `cell_counts` (any periods) serves the archive engines
(`geo.counts.archive`): the res-10 cell of each
point (`geo.hexes.cells`), its parents at coarser resolutions (`geo.hexes.parents`),
days, ISO weeks (from Monday) and months of the local time in China Standard Time (geo.localtime: fixed UTC+8).
Points without a cell (bad coordinates) or time are left out.
Frames carry period as its index in PERIODS and period_start as days since 1970-01-01.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.config import settings
from geo.counts.periods import NO_TIME, PERIODS, local_days, period_starts
from geo.hexes import cells, parents
from geo.localtime import local_months

#: month_counts tallies by index (np.bincount) while its key space holds at most 4 slots
#: per row plus this many; a sparser one is counted by sorting (np.unique)
DENSE_SLACK = 1_000_000
KEYS = ["res", "cell", "period", "period_start", "category"]
META = pd.DataFrame(
    {
        "res": pd.Series(dtype="int16"),
        "cell": pd.Series(dtype="int64"),
        "period": pd.Series(dtype="int8"),
        "period_start": pd.Series(dtype="int32"),
        "category": pd.Series(dtype=object),
        "count": pd.Series(dtype="int64"),
    }
)


def partition_counts(
    columns: dict[str, np.ndarray], resolutions: Sequence[int], periods: Sequence[str]
) -> pd.DataFrame:
    """Counts of the incidents in `columns` (occurred_at µs UTC, category, lon, lat)."""
    cell = cells(columns["lon"], columns["lat"], settings().h3_res).view(np.int64)
    return cell_counts(cell, columns["occurred_at"], columns["category"], resolutions, periods)


def cell_counts(
    cell: np.ndarray,
    occurred_at: np.ndarray,
    category: np.ndarray,
    resolutions: Sequence[int],
    periods: Sequence[str],
) -> pd.DataFrame:
    """Counts of incidents given by their finest H3 cell (int64, 0 for none), time (µs
    UTC) and category; one row per key."""
    micros = np.asarray(occurred_at, dtype=np.int64)
    cell = np.asarray(cell, dtype=np.int64)
    cat = pd.Categorical(category)
    ok = (cell != 0) & (cat.codes >= 0) & (micros != NO_TIME)
    day = local_days(micros[ok])
    if set(periods) == {"month"}:  # months alone: count by month from the start, fewer keys
        day = period_starts(day, "month")
    base = (
        pd.DataFrame({"cell": cell[ok], "day": day, "cat": cat.codes[ok]})
        .groupby(["cell", "day", "cat"], sort=False)
        .size()
    )
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
            summed = (
                pd.DataFrame({"cell": parent, "start": start, "cat": b_cat, "n": b_n})
                .groupby(["cell", "start", "cat"], sort=False)["n"]
                .sum()
            )
            frames.append(
                pd.DataFrame(
                    {
                        "res": np.int16(res),
                        "cell": summed.index.get_level_values("cell"),
                        "period": np.int8(PERIODS.index(period)),
                        "period_start": summed.index.get_level_values("start").astype(np.int32),
                        "category": np.asarray(cat.categories, dtype=object)[
                            summed.index.get_level_values("cat")
                        ],
                        "count": summed.to_numpy().astype(np.int64),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True) if frames else META.copy()


def month_counts(
    cell: np.ndarray,
    occurred_at: np.ndarray,
    category: pa.Array | np.ndarray,
    resolutions: Sequence[int],
) -> pd.DataFrame:
    """Month counts per H3 cell and category at each of `resolutions`, in the key order of
    `incident_counts` (res, month, cell, category byte-wise), of incidents given by their
    finest cell (int64, 0 for none), time (µs UTC) and category (text; null for none).

    What `incident_counts` stores, counted without pandas' groupby (which hashed and
    re-factorised every key column: 11.7 s of the city sample's 29 s rebuild, under
    load): each key is packed into one int64 — month, the parent's rank among the sorted
    parents, the category's rank among the byte-wise sorted names — and counted per
    resolution by `np.bincount` (dense key space) or a sort (`np.unique`); either way
    the keys come out sorted, which is the table's order.
    Parents are taken once per distinct finest cell (`geo.hexes.parents`).
    Columns: res (int16), month (int32 days since 1970-01-01), cell (int64), category
    (Categorical, sorted categories), count (int64).
    """
    micros = np.asarray(occurred_at, dtype=np.int64)
    cell = np.asarray(cell, dtype=np.int64)
    encoded = pc.dictionary_encode(pa.array(category, type=pa.string()))
    names = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    order = np.argsort(names, kind="stable")  # code points: the byte order of UTF-8 (C collation)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    ok = (cell != 0) & (codes >= 0) & (micros != NO_TIME)
    cat = rank[codes[ok]]
    month = local_months(micros[ok]).astype(np.int64)  # months since 1970-01
    m0 = int(month.min()) if len(month) else 0
    month -= m0
    n_cat = max(len(names), 1)
    span = int(month.max()) + 1 if len(month) else 0
    finest, inverse = np.unique(cell[ok], return_inverse=True)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("res", "month", "cell", "code", "count")}
    for res in sorted(resolutions):
        parent = parents(finest.view(np.uint64), res).view(np.int64)
        uniq, parent_rank = np.unique(parent, return_inverse=True)
        keys = (month * len(uniq) + parent_rank[inverse]) * n_cat + cat
        size = span * len(uniq) * n_cat
        if size <= 4 * len(keys) + DENSE_SLACK:  # a dense key space: count by index, O(n)
            tally = np.bincount(keys, minlength=size)
            keys = np.flatnonzero(tally)
            n = tally[keys]
        else:
            keys, n = np.unique(keys, return_counts=True)
        m, rest = np.divmod(keys, len(uniq) * n_cat)
        p, c = np.divmod(rest, n_cat)
        parts["res"].append(np.full(len(keys), res, dtype=np.int16))
        parts["month"].append(m)
        parts["cell"].append(uniq[p])
        parts["code"].append(c)
        parts["count"].append(n)
    joined = {k: np.concatenate(v) if v else np.empty(0, dtype=np.int64) for k, v in parts.items()}
    months = (joined["month"] + m0).astype("datetime64[M]").astype("datetime64[D]").astype(np.int32)
    return pd.DataFrame(
        {
            "res": joined["res"].astype(np.int16),
            "month": months,
            "cell": joined["cell"].astype(np.int64),
            "category": pd.Categorical.from_codes(
                joined["code"], pd.Index(names[order], dtype=object)
            ),
            "count": joined["count"].astype(np.int64),
        }
    )


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

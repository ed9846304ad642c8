"""month_counts (what incident_counts stores) against a pandas groupby with the h3 library."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest

from geo.counts import cube
from geo.counts.cube import month_counts
from geo.counts.periods import NO_TIME


def _incidents(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lat, lng = rng.uniform(31.2, 31.4, n), rng.uniform(120.5, 120.7, n)
    cell = np.array(
        [h3.str_to_int(h3.latlng_to_cell(a, b, 10)) for a, b in zip(lat, lng, strict=True)],
        dtype=np.int64,
    )
    micros = rng.integers(1_700_000_000, 1_760_000_000, n).astype(np.int64) * 1_000_000
    category = rng.choice(np.array(["盗窃", "纠纷", "Fraud", "fraud", "交通"], dtype=object), n)
    cell[:3], micros[3:5], category[5] = 0, NO_TIME, None  # left out: no cell, time, category
    return cell, micros, category


@pytest.mark.parametrize("dense", [True, False])
def test_month_counts_equal_a_groupby_of_the_parents_and_local_months(dense, monkeypatch):
    cell, micros, category = _incidents(3000, seed=7)
    if not dense:  # the sort path, as for a sparse key space
        monkeypatch.setattr(cube, "DENSE_SLACK", -(2**62))
    got = month_counts(cell, micros, category, [7, 9, 10])
    keep = (cell != 0) & (micros != NO_TIME) & pd.notna(category)
    local = pd.to_datetime(micros[keep], unit="us", utc=True) + pd.Timedelta(hours=8)
    month = local.tz_localize(None).to_period("M").to_timestamp()
    frames = []
    for res in (7, 9, 10):
        parent = [h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(c)), res)) for c in cell[keep]]
        frames.append(
            pd.DataFrame({"res": res, "month": month, "cell": parent, "category": category[keep]})
        )
    want = (
        pd.concat(frames)
        .groupby(["res", "month", "cell", "category"])
        .size()
        .rename("count")
        .reset_index()
    )
    # the table's key order: res, month, cell, category byte-wise (C collation)
    want["bytes"] = want["category"].map(lambda s: s.encode())
    want = want.sort_values(["res", "month", "cell", "bytes"]).drop(columns="bytes")
    assert got["res"].tolist() == want["res"].tolist()
    days = (want["month"].to_numpy().astype("datetime64[D]").astype(np.int64)).tolist()
    assert got["month"].tolist() == days  # days since 1970-01-01
    assert got["cell"].tolist() == want["cell"].tolist()
    assert got["category"].astype(object).tolist() == want["category"].tolist()
    assert got["count"].tolist() == want["count"].tolist()
    assert got["count"].sum() == 3 * keep.sum()


def test_month_counts_of_nothing_is_empty():
    got = month_counts(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, object), [8, 9])
    assert len(got) == 0 and list(got.columns) == ["res", "month", "cell", "category", "count"]

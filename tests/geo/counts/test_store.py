"""The counts the pages, KPIs and hot spot runs read equal those of the former full cube.

The reference is the former table — every res 7–10 × day/week/month × category row —
built in pandas (`expected_counts`), read the way the former queries read it (day rows
summed over a range, period rows by start). The same answers must come whether whole
months are read from the kept months or everything from the incidents.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from geo import hexes
from geo.counts import store
from geo.counts.refresh import refresh_counts
from tests.database import empty
from tests.geo.hotspots.city import expected_counts, incidents, load_batch

D = dt.date
#: ranges: inside one month, across a month edge, whole months plus edges, one day, all
RANGES = [
    (D(2026, 1, 5), D(2026, 1, 20)),
    (D(2026, 1, 25), D(2026, 2, 3)),
    (D(2026, 1, 14), D(2026, 4, 2)),
    (D(2026, 3, 1), D(2026, 3, 31)),
    (D(2026, 2, 1), D(2026, 2, 1)),
    (D(2026, 1, 1), D(2026, 6, 29)),
]


@pytest.fixture(scope="module")
def city(engine):
    """Incidents over 180 days in two batches (one on a local-midnight edge); the former
    cube of the same rows in pandas."""

    empty(engine)
    first, second = incidents(500, 80, seed=11), incidents(300, 40, seed=12)
    first.loc[0, "occurred_at"] = pd.Timestamp("2026-01-31 16:00", tz="UTC")  # 1 Feb 00:00 local
    second.loc[0, "occurred_at"] = pd.Timestamp("2026-01-31 15:59:59", tz="UTC")  # 31 Jan 23:59:59
    load_batch(engine, first, "s1.csv")
    load_batch(engine, second, "s2.csv")
    return engine, expected_counts(pd.concat([first, second], ignore_index=True)).reset_index()


def _old(cube: pd.DataFrame, res: int, period: str, start=None, end=None, cats=None, cells=None):
    rows = cube[(cube["res"] == res) & (cube["period"] == period)]
    if start is not None:
        rows = rows[(rows["period_start"] >= start) & (rows["period_start"] <= end)]
    if cats:
        rows = rows[rows["category"].isin(cats)]
    if cells is not None:
        rows = rows[rows["cell"].isin(cells)]
    return rows


@pytest.fixture(params=["kept months", "incidents only"])
def source(request, city):
    engine, cube = city
    if request.param == "kept months":
        refresh_counts(engine, full=True)
    else:
        from sqlalchemy import text

        with engine.begin() as conn:
            conn.execute(text("TRUNCATE incident_counts"))
            conn.execute(text("DELETE FROM aggregate_state"))
    return engine, cube


@pytest.mark.parametrize("res", [7, 8, 9, 10])
def test_cell_counts_equal_the_former_day_rows(source, res):
    engine, cube = source
    for start, end in RANGES:
        for cats in (None, ["fraud"], ["theft", "fight"]):
            old = _old(cube, res, "day", start, end, cats).groupby("cell")["count"].sum()
            new = store.cell_counts(engine, res, start, end, cats)
            pd.testing.assert_series_equal(
                new.sort_index(), old.sort_index().astype("int64"), check_names=False
            )


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_trend_equals_the_former_period_rows(source, period):
    engine, cube = source
    busiest = _old(cube, 9, "day").groupby("cell")["count"].sum().idxmax()
    for res, cells in ((7, None), (9, [busiest]), (8, [hexes.parents([busiest], 8)[0]])):
        cells = None if cells is None else [int(c) for c in cells]
        old = (
            _old(cube, res, period, cells=cells)
            .groupby(["period_start", "category"])["count"]
            .sum()
            .reset_index()
        )
        new = store.trend(engine, res, period, None, cells)
        pd.testing.assert_frame_equal(new.reset_index(drop=True), old, check_dtype=False)
    old = _old(cube, 7, period, cats=["theft"]).groupby(["period_start", "category"])["count"].sum()
    assert store.trend(engine, 7, period, ["theft"])["count"].tolist() == old.tolist()


def test_category_mix_equals_the_former_day_rows(source):
    engine, cube = source
    cells8 = _old(cube, 8, "day").groupby("cell")["count"].sum().nlargest(3).index.tolist()
    for start, end in RANGES:
        old = _old(cube, 8, "day", start, end, cells=cells8).groupby("category")["count"].sum()
        new = store.category_mix(engine, 8, cells8, start, end)
        assert new.to_dict() == old.to_dict()
        assert list(new.to_numpy()) == sorted(new.to_numpy(), reverse=True)


@pytest.mark.parametrize("by", [None, "day", "week", "month"])
def test_hotspot_counts_equal_the_former_day_rows_rebucketed(source, by):
    """`load_counts` of the hot spot runs read day rows re-bucketed with date_trunc."""
    engine, cube = source
    for start, end in [(None, None), *RANGES[1:3]]:
        rows = _old(cube, 9, "day", start, end) if start else _old(cube, 9, "day")
        if by:
            starts = pd.to_datetime(rows["period_start"])
            trunc = {
                "day": starts,
                "week": starts - pd.to_timedelta(starts.dt.weekday, unit="D"),
                "month": starts.dt.to_period("M").dt.start_time,
            }[by]
            rows = rows.assign(period=trunc.dt.date)
        old = rows.groupby(["cell", *(["period"] if by else [])])["count"].sum().reset_index()
        new = store.period_counts(engine, 9, start, end, None, by)
        pd.testing.assert_frame_equal(new, old, check_dtype=False)


def test_span_and_kpi_counts(source):
    engine, cube = source
    days = _old(cube, 10, "day")
    assert store.incident_span(engine) == (days["period_start"].min(), days["period_start"].max())
    for start, end in RANGES:
        assert store.incidents_between(engine, start, end) == int(
            _old(cube, 10, "day", start, end)["count"].sum()
        )
    assert store.resolutions(engine) == [7, 8, 9, 10]
    assert np.array_equal(store.cell_counts(engine, 9, D(2030, 1, 1), D(2030, 2, 1)).to_numpy(), [])

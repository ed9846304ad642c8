"""Overview KPIs and the hexagon counts, checked against the raw rows of the test city."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyproj
import pytest
from sqlalchemy import text

from geo.config import settings
from geo.counts.periods import split_months
from geo.hexes import cells, parents
from geo.views.counts import cell_counts
from geo.views.hexlayer import hex_layer
from geo.views.kpis import overview_kpis, period_layer

LOCAL_DAY = "(occurred_at AT TIME ZONE 'Asia/Shanghai')::date"


def raw_counts(engine, res: int, start: dt.date, end: dt.date, cats=None) -> pd.Series:
    """The peer: count the incidents table itself, parents computed here."""
    q = f"SELECT h3, category FROM incidents WHERE {LOCAL_DAY} BETWEEN :a AND :b"
    with engine.connect() as c:
        df = pd.DataFrame(
            c.execute(text(q), {"a": start, "b": end}).all(), columns=["h3", "category"]
        )
    if cats:
        df = df[df["category"].isin(cats)]
    cells = parents(df["h3"].to_numpy().astype(np.uint64), res).astype(np.int64)
    return pd.Series(cells).value_counts().sort_index()


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(2026, 6, 1), dt.date(2026, 10, 31)),  # whole months only
        (dt.date(2026, 6, 5), dt.date(2026, 9, 17)),  # edges on both sides
        (dt.date(2026, 10, 3), dt.date(2026, 10, 9)),  # inside one month
        (dt.date(2026, 7, 31), dt.date(2026, 8, 1)),  # across a month boundary
    ],
)
def test_cell_counts_equal_the_raw_incidents(engine, city, start, end):
    for res, cats in ((8, None), (9, ["盗窃", "诈骗"])):
        got = cell_counts(engine, res, start, end, cats).sort_index()
        want = raw_counts(engine, res, start, end, cats)
        assert got.sum() > 0
        assert dict(got) == dict(want)


def test_split_months_covers_every_day_once():
    for start, end in [
        (dt.date(2026, 1, 15), dt.date(2026, 4, 2)),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        (dt.date(2026, 3, 3), dt.date(2026, 3, 9)),
        (dt.date(2025, 12, 31), dt.date(2026, 1, 1)),
    ]:
        months, edges = split_months(start, end)
        days = [d for a, b in edges for d in pd.date_range(a, b).date]
        for m in months:
            days += list(pd.date_range(m, pd.Timestamp(m) + pd.offsets.MonthEnd(0)).date)
        assert sorted(days) == list(pd.date_range(start, end).date)


def test_overview_kpis_match_the_rows(engine, city):
    k = overview_kpis(engine, 30)
    last = city["last_day"]
    assert (k.period_start, k.period_end) == (last - dt.timedelta(days=29), last)
    with engine.connect() as c:

        def n(a, b):
            return c.execute(
                text(f"SELECT count(*) FROM incidents WHERE {LOCAL_DAY} BETWEEN :a AND :b"),
                {"a": a, "b": b},
            ).scalar()

        now = n(last - dt.timedelta(days=29), last)
        before = n(last - dt.timedelta(days=59), last - dt.timedelta(days=30))
        assert (k.incidents, k.incidents_prev) == (now, before)
        grid_rows = c.execute(
            text(
                "SELECT households, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grids g "
                "JOIN grid_versions v ON v.id = g.version_id WHERE v.status = 'active'"
            )
        ).all()
        stations = c.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM facilities WHERE kind = 'police_station'")
        ).all()
    lo, hi = settings().households_band
    assert k.grids_total == 48
    assert k.grids_out_of_band == sum(1 for hh, _, _ in grid_rows if hh < lo or hh > hi)

    to_m = pyproj.Transformer.from_crs(4326, 4549, always_xy=True)
    gx, gy = to_m.transform([r[1] for r in grid_rows], [r[2] for r in grid_rows])
    sx, sy = to_m.transform([s[0] for s in stations], [s[1] for s in stations])
    d = np.hypot(np.subtract.outer(gx, sx), np.subtract.outer(gy, sy)).min(axis=1)
    w = np.array([r[0] for r in grid_rows], dtype=float)
    assert k.coverage["police_station"] == pytest.approx(w[d <= 1500].sum() / w.sum())
    assert 0 < k.coverage["police_station"] < 1
    # the change from the counts SQL gave, not from the figures the code produced
    assert k.change == pytest.approx(now / before - 1)


def test_hot_share_is_the_share_of_the_period_incidents_in_hot_cells(engine, city):
    layer = period_layer(engine, 30)
    f = layer.frame
    # the planted cluster's res-8 cell is a 99 % hot spot
    hot_cell = int(cells(np.array([city["hot"][0]]), np.array([city["hot"][1]]), 8)[0])
    assert f.set_index("cell").loc[hot_cell, "bin"] == 3
    k = overview_kpis(engine, 30, layer)
    # the share counted from the incidents table itself: the period's incidents (local
    # days, SQL) whose res-`layer.res` parent cell is one of the layer's hot cells
    hot = set(f.loc[f["bin"] > 0, "cell"].astype(np.int64))
    with engine.connect() as c:
        rows = (
            c.execute(
                text(f"SELECT h3 FROM incidents WHERE {LOCAL_DAY} BETWEEN :a AND :b"),
                {"a": k.period_start, "b": k.period_end},
            )
            .scalars()
            .all()
        )
    parent = parents(np.array(rows, dtype=np.int64).astype(np.uint64), layer.res).astype(np.int64)
    assert len(rows) == k.incidents
    assert k.hot_share == pytest.approx(np.isin(parent, list(hot)).sum() / len(rows))
    assert 0.2 < k.hot_share < 0.9


def test_hex_layer_coarsens_when_too_many_cells_and_filters_by_area(engine, city):
    start, end = dt.date(2026, 6, 1), dt.date(2026, 10, 31)
    full = hex_layer(engine, 10, start, end)
    small = hex_layer(engine, 10, start, end, max_cells=200)
    assert not full.coarsened and small.coarsened and small.res < 10
    assert len(small.frame) <= 200
    assert small.frame["count"].sum() == full.frame["count"].sum()
    west = hex_layer(engine, 9, start, end, area="320508")
    east = hex_layer(engine, 9, start, end, area="320576")
    every = hex_layer(engine, 9, start, end)
    assert west.frame["count"].sum() + east.frame["count"].sum() == every.frame["count"].sum()
    assert not set(west.frame["cell"]) & set(east.frame["cell"])


def test_gi_layer_keeps_the_asked_resolution_unless_too_many_cells_are_significant(engine, city):
    from geo.views.hexlayer import MIN_RES

    start, end = dt.date(2026, 6, 1), dt.date(2026, 10, 31)
    fine = hex_layer(engine, 10, start, end, k=1)
    assert fine.res == 10 and (fine.frame["bin"] == 3).sum() > 5
    few = hex_layer(engine, 10, start, end, k=1, max_cells=5)
    assert few.coarsened
    assert (few.frame["bin"] != 0).sum() <= 5 or few.res == MIN_RES


def test_cached_gi_layer_equals_gi_star(engine, city):
    from geo.hotspots import gi_star
    from geo.views.hexlayer import gi_layer, study_cells

    counts = cell_counts(engine, 9, dt.date(2026, 6, 1), dt.date(2026, 10, 31))
    for area in (None, "320508"):
        want = gi_star(counts.astype(float), k=2, area=study_cells(engine, 9, area))
        got = gi_layer(engine, counts, 9, area, 2)
        pd.testing.assert_frame_equal(got, want)

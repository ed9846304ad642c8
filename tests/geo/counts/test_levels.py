"""Counts filtered by either level of the incident vocabulary equal SQL recounts."""

from __future__ import annotations

import datetime as dt

import h3
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from etl.load import load
from geo.counts import levels, store
from geo.counts.refresh import refresh_counts
from geo.warning import store as warning_store
from tests.etl import builders

#: 警情类别 values: 细类 names and aliases, 大类 names and an alias, an unknown value
RAW = [
    "盗窃",
    "扒窃",
    "入室盗窃",
    "诈骗",
    "刑事",
    "打架斗殴",
    "斗殴",
    "治安案件",
    "交通事故",
    "高空抛物",
]
START, END = dt.date(2025, 2, 10), dt.date(2025, 9, 20)  # whole months and edge days


@pytest.fixture(scope="module")
def loaded(engine, db_url, tmp_path_factory):
    from tests.database import empty

    empty(engine)
    df = builders.incidents(1200, seed=7)
    df["警情类别"] = np.random.default_rng(3).choice(RAW, len(df))
    df["警情细类"] = None
    path = tmp_path_factory.mktemp("levels") / "jq.csv"
    df.to_csv(path, index=False)
    assert load("incidents", path, crs="wgs84", url=db_url)["loaded"] == 1200
    refresh_counts(engine, full=True)
    return engine


def _oracle(engine, where: str, res: int, start=START, end=END) -> dict[int, int]:
    """Incidents per res-`res` parent cell where `where`, local days in [start, end]: in SQL
    and the h3 library, not through geo.counts or geo.vocab."""
    with engine.connect() as conn:
        rows = (
            conn.execute(
                text(
                    f"SELECT h3 FROM incidents WHERE {where} AND "
                    "(occurred_at AT TIME ZONE INTERVAL '+08:00')::date BETWEEN :a AND :b"
                ),
                {"a": start, "b": end},
            )
            .scalars()
            .all()
        )
    cells = pd.Series([h3.str_to_int(h3.cell_to_parent(h3.int_to_str(int(c)), res)) for c in rows])
    return cells.value_counts().to_dict()


def _got(frame: pd.DataFrame) -> dict[int, int]:
    return dict(zip(frame["cell"].tolist(), frame["count"].tolist(), strict=True))


@pytest.mark.parametrize("value", ["盗窃", "1001", "扒窃", "theft"])
def test_a_fine_category_by_name_code_or_alias_counts_its_incidents(loaded, value):
    want = _oracle(loaded, "category_code = '1001'", 8)
    assert sum(want.values()) > 50
    assert _got(levels.counts(loaded, 8, START, END, [value])) == want


def test_a_top_category_is_read_from_the_counts_and_holds_its_fine_ones(loaded):
    want = _oracle(loaded, "category = '刑事'", 8)
    assert _got(levels.counts(loaded, 8, START, END, ["刑事"])) == want
    assert _got(levels.counts(loaded, 8, START, END, ["10"])) == want  # by code, from the counts
    # 诈骗 lies inside 刑事: read from the incidents, the same cells and counts
    assert _got(levels.counts(loaded, 8, START, END, ["刑事", "诈骗"])) == want


def test_levels_mixed_with_an_unknown_value(loaded):
    want = _oracle(
        loaded, "(category = '治安' OR category_code = '1001' OR category_raw = '高空抛物')", 9
    )
    got = levels.counts(loaded, 9, START, END, ["治安", "盗窃", "高空抛物"])
    assert _got(got) == want
    assert got["cell"].is_monotonic_increasing and got["count"].dtype == np.int64


def test_fine_counts_per_week_and_category_and_in_cells(loaded):
    got = levels.counts(
        loaded, 8, START, END, ["盗窃", "打架斗殴"], by="week", by_category=True, by_cell=False
    )
    with loaded.connect() as conn:
        want = conn.execute(
            text("""
            SELECT date_trunc('week', occurred_at AT TIME ZONE INTERVAL '+08:00')::date, category,
                   count(*) FROM incidents
            WHERE category_code IN ('1001', '2001')
              AND (occurred_at AT TIME ZONE INTERVAL '+08:00')::date BETWEEN :a AND :b
            GROUP BY 1, 2 ORDER BY 1, 2"""),
            {"a": START, "b": END},
        ).all()
    assert list(got.itertuples(index=False, name=None)) == [tuple(r) for r in want]
    everywhere = _oracle(loaded, "category_code = '1001'", 7)
    some = sorted(everywhere)[: len(everywhere) // 2]
    inside = levels.counts(loaded, 7, START, END, ["盗窃"], cells=some)
    assert _got(inside) == {c: everywhere[c] for c in some}


def test_top_only_filters_answer_as_the_counts_store(loaded):
    for cats in (None, ["刑事"], ["交通", "治安"]):
        pd.testing.assert_frame_equal(
            levels.counts(loaded, 8, START, END, cats), store.counts(loaded, 8, START, END, cats)
        )


def test_alerts_and_near_repeat_read_either_level(loaded):
    first, end = dt.date(2025, 1, 1), dt.date(2026, 1, 1)
    monthly = warning_store.period_counts(loaded, 8, first, end, "month", ["扒窃"])
    assert dict(monthly.groupby("cell")["count"].sum()) == _oracle(
        loaded, "category_code = '1001'", 8, first, end - dt.timedelta(days=1)
    )
    points = warning_store.points(loaded, first, end, ["1001", "斗殴"])
    assert len(points) == sum(
        _oracle(loaded, "category_code IN ('1001', '2001')", 8, first, end).values()
    )

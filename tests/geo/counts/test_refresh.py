"""civicgrid aggregate against the real PostGIS test database: the kept months equal a pandas groupby."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from geo.counts.refresh import refresh_counts
from geo.errors import InputError
from tests.geo.hotspots.city import expected_months, incidents, load_batch, run_json, stored_counts


def test_aggregate_full_incremental_and_reloaded_rows(clean_db, cli):
    first = incidents(400, 60, seed=1)
    # 17:30 UTC on 31 Jan is 1 Feb in Suzhou: the local month must be used
    first.loc[0, "occurred_at"] = pd.Timestamp("2026-01-31 17:30", tz="UTC")
    b1 = load_batch(clean_db, first, "a.csv")
    out = run_json(cli, "aggregate")
    assert out["mode"] == "incremental" and out["batch_ids"] == [b1] and out["incidents"] == 460
    assert out["resolutions"] == [7, 8, 9] and out["periods"] == ["month"]
    pd.testing.assert_series_equal(
        stored_counts(clean_db), expected_months(first), check_dtype=False
    )

    assert refresh_counts(clean_db).mode == "up_to_date"

    second = incidents(200, 30, seed=2)
    b2 = load_batch(clean_db, second, "b.csv")
    out = run_json(cli, "aggregate")
    assert out["mode"] == "incremental" and out["batch_ids"] == [b2]
    both = pd.concat([first, second], ignore_index=True)
    pd.testing.assert_series_equal(
        stored_counts(clean_db), expected_months(both), check_dtype=False
    )

    # a re-load upserts changed rows into a new batch: they leave the batch they were counted in
    with clean_db.begin() as conn:
        b3 = conn.execute(
            text("""INSERT INTO load_batches (kind, file_name, file_sha256, file_size)
                                  VALUES ('incidents', 'a2.csv', 'a2', 1) RETURNING id""")
        ).scalar_one()
        conn.execute(
            text("""UPDATE incidents SET batch_id = :b3, category = 'fraud'
                             WHERE source_key IN ('a.csv-1', 'a.csv-2')"""),
            {"b3": b3},
        )
    both.loc[[1, 2], "category"] = "fraud"
    out = run_json(cli, "aggregate")
    assert out["mode"] == "full" and "changed" in out["reason"]
    assert out["batch_ids"] == [b1, b2, b3]
    pd.testing.assert_series_equal(
        stored_counts(clean_db), expected_months(both), check_dtype=False
    )


def test_aggregate_subset_then_full(clean_db, cli):
    frame = incidents(100, 0, seed=3)
    load_batch(clean_db, frame, "c.csv")
    out = run_json(cli, "aggregate", "--res", "8,10", "--period", "month")
    assert out["resolutions"] == [8, 10] and out["periods"] == ["month"]
    pd.testing.assert_series_equal(
        stored_counts(clean_db), expected_months(frame, (8, 10)), check_dtype=False
    )
    out = refresh_counts(clean_db, full=True)
    assert out.mode == "full" and out.resolutions == [7, 8, 9]
    pd.testing.assert_series_equal(
        stored_counts(clean_db), expected_months(frame), check_dtype=False
    )


def test_aggregate_bad_arguments(clean_db, cli):
    out = cli("aggregate", "--res", "11")
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and "res" in out.stderr
    with pytest.raises(InputError, match="period"):
        refresh_counts(clean_db, periods=["year"])


def test_read_in_one_go_or_month_by_month_the_counts_are_the_same(clean_db, monkeypatch):
    import geo.counts.refresh as refresh

    frame = incidents(300, 40, seed=4)
    load_batch(clean_db, frame, "d.csv")
    monkeypatch.setattr(refresh, "IN_MEMORY_MAX", 0)  # too many for memory: month by month
    assert refresh_counts(clean_db, full=True).rows > 0
    by_month = stored_counts(clean_db)
    monkeypatch.undo()
    refresh_counts(clean_db, full=True)
    pd.testing.assert_series_equal(stored_counts(clean_db), by_month, check_dtype=False)
    pd.testing.assert_series_equal(by_month, expected_months(frame), check_dtype=False)


@pytest.mark.parametrize("small", [0, 10**9])
def test_read_on_the_connection_or_through_arrow_the_counts_are_the_same(
    clean_db, monkeypatch, small
):
    """A batch read on the open connection (a monthly file) and one read through Arrow
    (a rebuild) are counted alike: both equal the pandas groupby."""
    import geo.counts.refresh as refresh

    frame = incidents(300, 40, seed=5)
    load_batch(clean_db, frame, "e.csv")
    monkeypatch.setattr(refresh, "SMALL_BATCH", small)
    assert refresh_counts(clean_db, full=True).rows > 0
    pd.testing.assert_series_equal(
        stored_counts(clean_db), expected_months(frame), check_dtype=False
    )

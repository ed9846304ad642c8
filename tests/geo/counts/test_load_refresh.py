"""`civicgrid load incidents` refreshes the counts of its batch: the same table as `aggregate --full`."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
from sqlalchemy import text

from geo.views.counts import cell_counts
from geo.views.stamp import data_stamp

CATEGORIES = ["纠纷", "求助", "治安案件"]


def _csv(path, n: int, seed: int, prefix: str) -> pd.DataFrame:
    """n incidents over Jan–Mar 2025 (local time) in a small box of Suzhou, as a 110 export."""
    rng = np.random.default_rng(seed)
    at = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 90 * 86400, n), unit="s")
    frame = pd.DataFrame(
        {
            "警情编号": [f"{prefix}-{i}" for i in range(n)],
            "报警时间": at.strftime("%Y-%m-%d %H:%M:%S"),
            "警情类别": rng.choice(CATEGORIES, n),
            "经度": rng.uniform(120.55, 120.70, n),
            "纬度": rng.uniform(31.25, 31.35, n),
        }
    )
    frame.to_csv(path, index=False)
    return frame


def _table(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(text("SELECT * FROM incident_counts")).mappings().all())
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def _load(cli, path, *extra) -> dict:
    out = cli("load", "incidents", str(path), "--crs", "wgs84", *extra, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_load_refreshes_its_batch_like_aggregate(clean_db, cli, tmp_path):
    first = _csv(tmp_path / "a.csv", 300, seed=1, prefix="a")
    stamp = data_stamp(clean_db)
    report = _load(cli, tmp_path / "a.csv")
    assert report["loaded"] == 300 and report["aggregate"]["batch_ids"] == [report["batch_id"]]
    assert report["aggregate"]["incidents"] == 300
    assert data_stamp(clean_db) != stamp
    whole = cell_counts(clean_db, 8, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert whole.sum() == len(first)

    # bulk loading: the counts wait; the next load counts both waiting batches
    _csv(tmp_path / "b.csv", 200, seed=2, prefix="b")
    skipped = _load(cli, tmp_path / "b.csv", "--no-aggregate")
    assert "aggregate" not in skipped
    with clean_db.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM aggregate_state")).scalar() == 1
    _csv(tmp_path / "c.csv", 100, seed=3, prefix="c")
    stamp = data_stamp(clean_db)
    third = _load(cli, tmp_path / "c.csv")
    assert third["aggregate"]["mode"] == "incremental"
    assert third["aggregate"]["batch_ids"] == [skipped["batch_id"], third["batch_id"]]
    assert data_stamp(clean_db) != stamp
    # the page's kept view sees the new incidents at once
    assert cell_counts(clean_db, 8, dt.date(2025, 1, 1), dt.date(2025, 3, 31)).sum() == 600

    refreshed = _table(clean_db)
    full = cli("aggregate", "--full", "--json")
    assert full.returncode == 0, full.stderr
    assert json.loads(full.stdout)["incidents"] == 600
    pd.testing.assert_frame_equal(_table(clean_db), refreshed)

    # the same file again changes nothing and counts nothing
    again = _load(cli, tmp_path / "c.csv")
    assert again["status"] == "already_loaded" and "aggregate" not in again
    pd.testing.assert_frame_equal(_table(clean_db), refreshed)

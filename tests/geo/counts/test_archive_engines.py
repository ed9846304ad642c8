"""Archive counts: Dask on a LocalCluster of worker processes = single process = PostGIS-side aggregate."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pytest
from distributed import Client, LocalCluster
from sqlalchemy import text

from etl.archive import write
from geo.counts.archive import dask_engine, local
from geo.counts.cube import KEYS, partition_counts
from geo.counts.periods import PERIODS, period_starts

RES = [7, 8, 9, 10]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    out = tmp_path_factory.mktemp("archive")
    write(out, rows=6_000, seed=3, chunk_rows=6_000)
    return out


def _table(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT res, month, cell, category, count "
                "FROM incident_counts ORDER BY res, month, cell, category"
            )
        )
        return pd.DataFrame(rows.all(), columns=["res", "month", "cell", "category", "count"])


def test_period_starts_are_monday_weeks_and_first_of_month():
    day = np.array(
        ["2024-01-01", "2024-01-07", "2024-02-29", "2025-12-31"], dtype="datetime64[D]"
    ).astype(np.int64)
    as_dates = lambda a: a.astype("datetime64[D]").astype(str).tolist()  # noqa: E731
    assert as_dates(period_starts(day, "week")) == [
        "2024-01-01",
        "2024-01-01",
        "2024-02-26",
        "2025-12-29",
    ]
    assert as_dates(period_starts(day, "month")) == [
        "2024-01-01",
        "2024-01-01",
        "2024-02-01",
        "2025-12-01",
    ]


def test_local_time_cuts_days_at_midnight_in_shanghai():
    """16:30 UTC is 00:30 next day in Shanghai: counted on the local day, week and month."""
    utc = np.array(["2024-01-31T16:30", "2024-01-31T15:30"], dtype="datetime64[us]").astype(
        np.int64
    )
    cols = {
        "occurred_at": utc,
        "category": np.array(["纠纷", "纠纷"], dtype=object),
        "lon": np.array([120.6, 120.6]),
        "lat": np.array([31.3, 31.3]),
    }
    out = partition_counts(cols, [10], ["day", "month"])
    starts = sorted(out.period_start.astype("datetime64[D]").astype(str))
    assert starts == ["2024-01-01", "2024-01-31", "2024-02-01", "2024-02-01"]
    assert out["count"].sum() == 4


def test_dask_equals_single_process(archive):
    single = local.counts(archive, RES, PERIODS)
    assert single["count"].sum() == 6_000 * len(RES) * len(PERIODS)
    assert not single.duplicated(KEYS).any()
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        lazy = dask_engine.counts(archive, RES, PERIODS)
        assert lazy.npartitions == 2 * 24  # complete rows where counted + shuffled weeks
        distributed = lazy.compute()
    distributed = distributed.sort_values(KEYS).reset_index(drop=True)
    pd.testing.assert_frame_equal(distributed, single)


def test_row_outside_its_month_partition_is_named(archive, tmp_path):
    """Day and month counts are taken as final per partition: a misfiled row is an error."""
    import shutil

    from geo.errors import InputError

    shutil.copytree(archive, tmp_path / "a")
    moved = tmp_path / "a" / "month=2024-02" / "part-00000.parquet"
    shutil.copy(tmp_path / "a" / "month=2024-03" / "part-00000.parquet", moved)
    with pytest.raises(
        InputError,
        match=r"part-00000.parquet: row 1 is in local month 2024-03, "
        r"not in its partition month=2024-02",
    ):
        local.counts(tmp_path / "a", RES, PERIODS)


@pytest.mark.slow
def test_cli_dask_equals_postgis_aggregate_of_the_same_rows(archive, cli, clean_db, tmp_path):
    """The archive's rows loaded as a WGS-84 CSV and counted in PostGIS give the same table."""
    proc = cli("aggregate", "--engine", "dask", "--archive", str(archive), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["engine"] == "dask" and out["workers"] >= 1 and out["incidents"] == 6_000
    from_archive = _table(clean_db)
    assert len(from_archive) == out["rows"]
    assert (
        clean_db.connect()
        .execute(
            text("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'incident_counts_stage_%'")
        )
        .scalar_one()
        == 0
    )

    rows = ds.dataset(archive, partitioning="hive").to_table().to_pandas()
    local_time = rows.occurred_at.dt.tz_convert("Asia/Shanghai").dt.strftime("%Y-%m-%d %H:%M:%S")
    csv = tmp_path / "incidents.csv"
    pd.DataFrame(
        {
            "警情编号": rows.source_key,
            "报警时间": local_time,
            "警情类别": rows.category,
            "经度": rows.lon,
            "纬度": rows.lat,
        }
    ).to_csv(csv, index=False)
    load = cli("load", "incidents", str(csv), "--crs", "wgs84", "--no-aggregate", "--json")
    assert load.returncode == 0, load.stderr
    assert json.loads(load.stdout)["loaded"] == 6_000
    agg = cli("aggregate", "--json")
    assert agg.returncode == 0, agg.stderr
    assert json.loads(agg.stdout)["mode"] == "full"  # archive counts replaced by the table's
    pd.testing.assert_frame_equal(_table(clean_db), from_archive)


def test_cli_rejects_archive_without_engine_and_empty_archive(cli, tmp_path):
    assert cli("aggregate", "--archive", str(tmp_path)).returncode == 2
    empty = cli("aggregate", "--engine", "local", "--archive", str(tmp_path), "--json")
    assert empty.returncode == 1 and "no month=" in empty.stderr and "Traceback" not in empty.stderr


def test_cli_unreachable_scheduler_is_one_line(cli, archive, clean_db):
    proc = cli(
        "aggregate",
        "--engine",
        "dask",
        "--scheduler",
        "tcp://127.0.0.1:9",
        "--archive",
        str(archive),
        "--json",
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "tcp://127.0.0.1:9" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    with clean_db.connect() as conn:  # the stage table was dropped
        assert (
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'incident_counts_stage_%'"
                )
            ).scalar_one()
            == 0
        )

"""Loading incidents into the month-partitioned table: routing and moved times."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import text

import etl.load
from tests.etl.builders import incidents


def _where(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(
            conn.execute(text("SELECT source_key, tableoid::regclass::text FROM incidents")).all()
        )


def test_rows_land_in_the_partition_of_their_local_month(city, db_url, tmp_path):
    df = incidents(80)
    df.loc[0, "报警时间"] = "2025-03-01 00:05:00"  # 28 Feb 16:05 UTC: March in Suzhou
    df.to_csv(tmp_path / "i.csv", index=False)
    report = etl.load.load("incidents", tmp_path / "i.csv", crs="wgs84", url=db_url)
    assert report["loaded"] == 80
    where = _where(city)
    months = pd.to_datetime(df["报警时间"]).dt.strftime("incidents_%Y_%m")
    assert where == dict(zip(df["警情编号"], months, strict=True))
    assert where["JQ2025000000"] == "incidents_2025_03"
    assert "incidents_default" not in where.values()


def test_a_changed_time_moves_the_row_and_keeps_the_key_unique(city, db_url, tmp_path):
    df = incidents(30)
    df.to_csv(tmp_path / "i.csv", index=False)
    etl.load.load("incidents", tmp_path / "i.csv", crs="wgs84", url=db_url)
    df.loc[3, "报警时间"] = "2026-07-04 10:00:00"  # corrected time, another month and year
    df.loc[4, "处置结果"] = "已移交"  # same time, other content
    df.to_csv(tmp_path / "i.csv", index=False)
    second = etl.load.load("incidents", tmp_path / "i.csv", crs="wgs84", url=db_url)
    assert (second["inserted"], second["updated"], second["unchanged"]) == (0, 2, 28)
    with city.connect() as conn:
        total, keys = conn.execute(
            text("SELECT count(*), count(DISTINCT source_key) FROM incidents")
        ).one()
        moved = conn.execute(
            text(
                "SELECT occurred_at AT TIME ZONE 'Asia/Shanghai' FROM incidents "
                "WHERE source_key = 'JQ2025000003'"
            )
        ).scalar_one()
    assert (total, keys) == (30, 30)
    assert str(moved) == "2026-07-04 10:00:00"
    assert _where(city)["JQ2025000003"] == "incidents_2026_07"


def test_any_load_drops_month_tables_a_killed_exchange_left(city, db_url, tmp_path):
    with city.begin() as conn:
        conn.execute(text("CREATE TABLE incidents__b998_2021_05 (LIKE incidents)"))
    incidents(20).to_csv(tmp_path / "i.csv", index=False)
    report = etl.load.load("incidents", tmp_path / "i.csv", crs="wgs84", url=db_url)
    assert (report["write_path"], report["loaded"]) == ("upsert", 20)
    with city.connect() as conn:
        assert conn.execute(text("SELECT to_regclass('incidents__b998_2021_05')")).scalar() is None

"""geo.db.partitions and migration 0002: incidents partitioned by UTC+8 month."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from sqlalchemy import text

from geo.db import migrate, partitions
from geo.db.engine import libpq_dsn


def _us(*stamps: str) -> np.ndarray:
    return np.array(stamps, dtype="datetime64[us]").astype(np.int64)


def test_months_are_local_months():
    # 2024-01-31 16:30 UTC is already 1 February in Suzhou; 2023-12-31 15:59 UTC is not
    months = partitions.months_of(_us("2024-01-31T16:30", "2023-12-31T15:59", "2024-01-15T00:00"))
    assert months == [dt.date(2023, 12, 1), dt.date(2024, 1, 1), dt.date(2024, 2, 1)]
    assert partitions.months_of(np.array([], dtype=np.int64)) == []


def test_names_and_bounds():
    assert partitions.name(dt.date(2024, 2, 1)) == "incidents_2024_02"
    assert partitions.bounds(dt.date(2024, 12, 1)) == (
        "2024-12-01 00:00:00+08",
        "2025-01-01 00:00:00+08",
    )
    assert partitions.bounds(dt.date(2024, 2, 1)) == (
        "2024-02-01 00:00:00+08",
        "2024-03-01 00:00:00+08",
    )


def _row(key: str, at: str, batch: int | None = None) -> dict:
    return {"key": key, "at": at, "b": batch}


INSERT = text(
    "INSERT INTO incidents (source_key, occurred_at, category, h3, geom, batch_id) "
    "VALUES (:key, :at, '纠纷', 1, ST_SetSRID(ST_MakePoint(120.6, 31.3), 4326), :b)"
)


def test_ensure_creates_months_and_moves_rows_out_of_default(clean_db, db_url):
    with clean_db.begin() as conn:
        for name in partitions.existing(conn.connection.driver_connection) - {partitions.DEFAULT}:
            conn.execute(text(f'DROP TABLE "{name}"'))
        conn.execute(
            INSERT, [_row("a", "2024-03-31 23:30:00+08"), _row("b", "2024-04-01 00:10:00+08")]
        )
    dsn = libpq_dsn(db_url)
    created = partitions.ensure(dsn, [dt.date(2024, 3, 1), dt.date(2024, 4, 1)])
    assert created == ["incidents_2024_03", "incidents_2024_04"]
    assert partitions.ensure(dsn, [dt.date(2024, 3, 1)]) == []
    with clean_db.connect() as conn:
        where = dict(
            conn.execute(text("SELECT source_key, tableoid::regclass::text FROM incidents")).all()
        )
    assert where == {"a": "incidents_2024_03", "b": "incidents_2024_04"}


def test_time_range_queries_prune_partitions(clean_db, db_url):
    partitions.ensure(libpq_dsn(db_url), [dt.date(2024, m, 1) for m in (1, 2, 3)])
    with clean_db.begin() as conn:
        conn.execute(INSERT, [_row(f"k{m}", f"2024-0{m}-10 12:00:00+08") for m in (1, 2, 3)])
        conn.execute(text("ANALYZE incidents"))
        plan = "\n".join(
            conn.execute(
                text(
                    "EXPLAIN SELECT count(*) FROM incidents "
                    "WHERE occurred_at >= '2024-02-01 00:00+08' AND occurred_at < '2024-03-01 00:00+08'"
                )
            ).scalars()
        )
        everything = "\n".join(
            conn.execute(text("EXPLAIN SELECT count(*) FROM incidents")).scalars()
        )
        # a prepared statement with a parameter prunes at execution time
        conn.execute(
            text(
                "PREPARE month_count(timestamptz) AS SELECT count(*) FROM incidents "
                "WHERE occurred_at >= $1 AND occurred_at < $1 + interval '1 month'"
            )
        )
        conn.execute(text("SET plan_cache_mode = force_generic_plan"))
        generic = "\n".join(
            conn.execute(
                text(
                    "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
                    "EXECUTE month_count('2024-03-01 00:00+08')"
                )
            ).scalars()
        )
        conn.execute(text("DEALLOCATE month_count"))
    assert "incidents_2024_02" in plan
    assert "incidents_2024_01" not in plan and "incidents_2024_03" not in plan
    assert "incidents_default" not in plan
    assert all(f"incidents_2024_0{m}" in everything for m in (1, 2, 3))
    assert "Subplans Removed" in generic and "incidents_2024_03" in generic


def test_each_partition_carries_every_index(clean_db, db_url):
    partitions.ensure(libpq_dsn(db_url), [dt.date(2025, 5, 1)])
    with clean_db.connect() as conn:
        defs = (
            conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE tablename = 'incidents_2025_05'")
            )
            .scalars()
            .all()
        )
    kinds = sorted(d.split(" USING ")[1].split(" ")[0] for d in defs)
    assert kinds == ["brin", "brin", "btree", "btree", "btree", "btree", "gist"]
    assert any("(h3)" in d for d in defs)  # migration 0008: a cell's series reads it
    assert any("(source_key, occurred_at)" in d and "UNIQUE" in d for d in defs)


def test_migration_moves_rows_into_month_partitions_and_back(scratch):
    url, engine = scratch
    migrate.upgrade(url, "0001")
    with engine.begin() as conn:
        conn.execute(
            INSERT,
            [
                _row("x", "2023-11-30 20:00:00+08"),
                _row("y", "2023-12-01 08:00:00+08"),
                _row("z", "2024-06-15 08:00:00+08"),
            ],
        )
    migrate.upgrade(url)
    with engine.connect() as conn:
        where = dict(
            conn.execute(text("SELECT source_key, tableoid::regclass::text FROM incidents")).all()
        )
        kind = conn.execute(
            text("SELECT relkind FROM pg_class WHERE relname = 'incidents'")
        ).scalar()
    assert kind == "p"
    assert where == {"x": "incidents_2023_11", "y": "incidents_2023_12", "z": "incidents_2024_06"}
    with engine.begin() as conn:  # the id sequence goes on after the moved rows
        conn.execute(INSERT, [_row("w", "2024-06-16 08:00:00+08")])
        ids = conn.execute(text("SELECT source_key, id FROM incidents ORDER BY id")).all()
    assert [k for k, _ in ids] == ["x", "y", "z", "w"]
    migrate.downgrade(url, "0001")
    with engine.connect() as conn:
        keys = conn.execute(text("SELECT source_key FROM incidents ORDER BY id")).scalars().all()
        kind = conn.execute(
            text("SELECT relkind FROM pg_class WHERE relname = 'incidents'")
        ).scalar()
    assert (keys, kind) == (["x", "y", "z", "w"], "r")


@pytest.fixture(autouse=True)
def _no_stray_months(engine):
    """Month partitions made by one test do not leak into the next (they are schema)."""
    yield
    with engine.begin() as conn:
        for (name,) in conn.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'incidents'::regclass AND c.relname <> 'incidents_default'"
            )
        ):
            conn.execute(text(f'DROP TABLE "{name}"'))


def test_db_status_names_the_month_partitions(clean_db, db_url, cli):
    partitions.ensure(libpq_dsn(db_url), [dt.date(2024, 11, 1), dt.date(2025, 2, 1)])
    out = cli("db", "status", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["incident_months"] == {
        "count": 2,
        "first": "2024-11",
        "last": "2025-02",
    }

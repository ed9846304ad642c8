"""etl.exchange: a bulk load built month by month on two connections, then attached."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import text

import etl.exchange
import etl.load
from geo.errors import DatabaseError
from tests.etl.builders import incidents


def _us(*stamps: str) -> np.ndarray:
    return np.array(stamps, dtype="datetime64[us]").astype(np.int64)


def test_rows_are_grouped_by_local_month_and_shared_by_size():
    times = _us("2025-01-31T15:00", "2025-01-31T16:30", "2025-02-10T00:00", "2025-03-01T00:00")
    groups = etl.exchange._month_groups(times, np.arange(4))
    assert [(m, list(i)) for m, i in groups] == [
        (dt.date(2025, 1, 1), [0]),
        (dt.date(2025, 2, 1), [1, 2]),
        (dt.date(2025, 3, 1), [3]),
    ]
    shares = etl.exchange._share(
        [("a", np.arange(5)), ("b", np.arange(4)), ("c", np.arange(3)), ("d", np.arange(2))], 2
    )
    assert [[m for m, _ in s] for s in shares] == [["a", "d"], ["b", "c"]]


def _tables(engine) -> dict[str, object]:
    with engine.connect() as conn:
        return {
            "partitions": conn.execute(
                text("SELECT count(*) FROM pg_inherits WHERE inhparent = 'incidents'::regclass")
            ).scalar(),
            "indexes": set(
                conn.execute(
                    text(
                        "SELECT count(*) FILTER (WHERE x.indisvalid) FROM pg_inherits i "
                        "JOIN pg_index x ON x.indrelid = i.inhrelid "
                        "WHERE i.inhparent = 'incidents'::regclass GROUP BY i.inhrelid"
                    )
                ).scalars()
            ),
            "checks": conn.execute(
                text("SELECT count(*) FROM pg_constraint WHERE conname = 'bounds'")
            ).scalar(),
            "fks": conn.execute(
                text(
                    "SELECT count(*) FROM pg_constraint c JOIN pg_inherits i ON i.inhrelid = c.conrelid "
                    "WHERE i.inhparent = 'incidents'::regclass AND c.contype = 'f'"
                )
            ).scalar(),
            "staged": conn.execute(
                text(r"SELECT count(*) FROM pg_class WHERE relname LIKE 'incidents\_\_b%'")
            ).scalar(),
        }


@pytest.fixture
def no_months(city):
    """No month partitions (they are schema and outlive other tests), so the counts are exact."""
    with city.begin() as conn:
        for (name,) in conn.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'incidents'::regclass AND c.relname <> 'incidents_default'"
            )
        ).all():
            conn.execute(text(f'DROP TABLE "{name}"'))
    return city


def test_months_are_built_aside_and_attached_with_every_index(
    no_months, app_url, tmp_path, monkeypatch
):
    monkeypatch.setattr(etl.load, "BULK_ROWS", 10)
    with no_months.begin() as conn:  # a killed load's leftover month table goes
        conn.execute(text("CREATE TABLE incidents__b999_2020_01 (LIKE incidents)"))
    df = incidents(120)
    df.to_csv(tmp_path / "i.csv", index=False)
    report = etl.load.load("incidents", tmp_path / "i.csv", crs="wgs84", url=app_url)
    assert (report["write_path"], report["loaded"], report["inserted"]) == ("exchange", 120, 120)
    months = df["报警时间"].str[:7].nunique()
    # one partition per month plus the default; 7 valid indexes each (h3 indexed again by
    # migration 0008 for a cell's series); the month's FK;
    # the bounds checks and the staging names gone
    assert _tables(no_months) == {
        "partitions": months + 1,
        "indexes": {7},
        "checks": 0,
        "fks": months + 1,
        "staged": 0,
    }
    with no_months.connect() as conn:
        where = dict(
            conn.execute(text("SELECT source_key, tableoid::regclass::text FROM incidents")).all()
        )
        batches = conn.execute(text("SELECT DISTINCT batch_id FROM incidents")).scalars().all()
        ids, attributes = conn.execute(
            text(
                "SELECT array_agg(id ORDER BY id), array_agg(DISTINCT attributes::text) FROM incidents"
            )
        ).one()
        following = conn.execute(text("SELECT nextval('incidents_id_seq')")).scalar()
    # ids drawn from the sequence in one block (the next load's follow them); a file
    # without extra columns leaves attributes to their default
    assert ids == list(range(ids[0], ids[0] + 120)) and following == ids[-1] + 1
    assert attributes == ["{}"]
    expected = df["报警时间"].str[:7].str.replace("-", "_").radd("incidents_")
    assert where == dict(zip(df["警情编号"], expected, strict=True))
    assert batches == [report["batch_id"]]


def test_a_failing_month_loads_nothing_and_leaves_nothing(
    no_months, app_url, tmp_path, monkeypatch
):
    monkeypatch.setattr(etl.load, "BULK_ROWS", 10)
    real = etl.exchange._finish

    def broken(w, table, batch_id, month):
        real(w, table, batch_id, month)
        w.execute("SELECT no_such_column FROM incidents")

    monkeypatch.setattr(etl.exchange, "_finish", broken)
    incidents(60).to_csv(tmp_path / "i.csv", index=False)
    with pytest.raises(DatabaseError, match="no_such_column"):
        etl.load.load("incidents", tmp_path / "i.csv", crs="wgs84", url=app_url)
    with no_months.connect() as conn:
        rows, batches = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM incidents), "
                "(SELECT count(*) FROM load_batches WHERE kind = 'incidents')"
            )
        ).one()
    assert (rows, batches) == (0, 0)
    assert _tables(no_months)["staged"] == 0


def test_a_failing_attachment_loads_nothing_and_leaves_nothing(
    no_months, app_url, tmp_path, monkeypatch
):
    monkeypatch.setattr(etl.load, "BULK_ROWS", 10)
    real = etl.exchange._attach
    done: list[dt.date] = []

    def second_fails(conn, table, batch_id, month):
        if done:
            conn.execute("SELECT no_such_function()")
        real(conn, table, batch_id, month)
        done.append(month)

    monkeypatch.setattr(etl.exchange, "_attach", second_fails)
    df = incidents(60)
    df.to_csv(tmp_path / "i.csv", index=False)
    with pytest.raises(DatabaseError, match="no_such_function"):
        etl.load.load("incidents", tmp_path / "i.csv", crs="wgs84", url=app_url)
    assert len(done) == 1  # one month was attached before the failure, and went with it
    with no_months.connect() as conn:
        rows, batches = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM incidents), "
                "(SELECT count(*) FROM load_batches WHERE kind = 'incidents')"
            )
        ).one()
    assert (rows, batches) == (0, 0)
    # the empty month partitions made before the load's transaction stay, empty
    months = df["报警时间"].str[:7].nunique()
    assert _tables(no_months)["staged"] == 0 and _tables(no_months)["partitions"] == months + 1

"""Columnar reads through ADBC: named parameters become PostgreSQL's $n, types survive."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from geo.db.arrow import positional, read_arrow, read_frame


def test_named_parameters_become_positional_and_casts_stay():
    sql, values = positional(
        "SELECT :a::int + :b, :a, '10:30'::time, x::text FROM t WHERE y = :b",
        {"a": 1, "b": 2, "unused": 3},
    )
    assert sql == "SELECT $1::int + $2, $1, '10:30'::time, x::text FROM t WHERE y = $2"
    assert values == [1, 2]
    with pytest.raises(KeyError, match=":c"):
        positional("SELECT :c", {})


def test_rows_come_back_as_typed_arrow_columns(engine):
    since = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    table = read_arrow(
        engine,
        """
        SELECT g AS id, 'k' || g AS key, :since + g * interval '1 hour' AS at,
               ST_X(ST_MakePoint(120 + g / 10.0, 31)) AS lon
        FROM generate_series(1, :n) AS g ORDER BY g""",
        {"since": since, "n": 5},
    )
    assert table.num_rows == 5
    assert table.schema.field("id").type == pa.int64()  # generate_series over a bound int8
    assert table.schema.field("key").type == pa.string()
    assert table.schema.field("at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("lon").type == pa.float64()
    assert table.column("key").to_pylist() == ["k1", "k2", "k3", "k4", "k5"]
    assert table.column("at").to_pylist()[-1] == since + dt.timedelta(hours=5)
    assert read_frame(engine, "SELECT 1.5::float8 AS x")["x"].tolist() == [1.5]

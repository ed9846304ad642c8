"""etl.copy: the binary COPY encoding, and the bulk path that rebuilds indexes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely
from sqlalchemy import text

import etl.load
from etl.copy import Column, encode, points_ewkb, tuples
from tests.etl.builders import facilities, incidents


def test_wire_encodings():
    idx = np.arange(3)
    ints = encode(Column("n", "int4", pd.Series([1, None, -2], dtype="Int64")), idx)
    assert ints.to_pylist() == [b"\x00\x00\x00\x01", None, b"\xff\xff\xff\xfe"]
    day = encode(Column("d", "date", pd.Series([10957, 10958, None], dtype="Int32")), idx)
    assert day.to_pylist()[:2] == [b"\x00\x00\x00\x00", b"\x00\x00\x00\x01"]  # 2000-01-01 = 0
    js = encode(Column("j", "jsonb", pd.Series(['{"a": "中"}', "{}", None])), idx)
    assert js.to_pylist() == [b'\x01{"a": "\xe4\xb8\xad"}', b"\x01{}", None]
    point = points_ewkb(np.array([120.5]), np.array([31.25]))[0].as_py()
    assert shapely.from_wkb(point).equals(shapely.Point(120.5, 31.25))
    assert shapely.get_srid(shapely.from_wkb(point)) == 4326


def test_tuples_layout():
    buf = tuples([Column("a", "int2", np.array([7, 8])), Column("b", "text", pd.Series(["x", None]))],
                 np.arange(2))
    assert buf.to_pybytes() == (b"\x00\x02" + b"\x00\x00\x00\x02\x00\x07" + b"\x00\x00\x00\x01x"
                                + b"\x00\x02" + b"\x00\x00\x00\x02\x00\x08" + b"\xff\xff\xff\xff")
    assert isinstance(buf, pa.Buffer)


def _schema(engine, table: str = "incidents") -> tuple[list, list]:
    with engine.connect() as conn:
        idx = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes "
                                "WHERE tablename = :t ORDER BY 1"), {"t": table}).all()
        cons = conn.execute(text("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                 "WHERE conrelid = CAST(:t AS regclass) ORDER BY 1"), {"t": table}).all()
    return idx, cons


def _partition_indexes(engine) -> tuple[set[int], int]:
    """(the numbers of valid indexes the month partitions have, invalid indexes anywhere)."""
    with engine.connect() as conn:
        counts = conn.execute(text(
            "SELECT count(*) FILTER (WHERE x.indisvalid) FROM pg_inherits i "
            "JOIN pg_index x ON x.indrelid = i.inhrelid "
            "WHERE i.inhparent = 'incidents'::regclass GROUP BY i.inhrelid")).scalars().all()
        invalid = conn.execute(text("SELECT count(*) FROM pg_index WHERE NOT indisvalid")).scalar()
    return set(counts), invalid


def test_bulk_path_restores_every_index_and_constraint(city, app_url, tmp_path, monkeypatch):
    monkeypatch.setattr(etl.load, "BULK_ROWS", 10)
    before = _schema(city)
    df = incidents(50)
    df.to_csv(tmp_path / "i.csv", index=False)
    first = etl.load.load("incidents", tmp_path / "i.csv", crs="wgs84", url=app_url)
    assert (first["loaded"], first["inserted"]) == (50, 50)
    assert _schema(city) == before
    # each month partition has all 6 (2 keys, GiST, category, 2 BRIN)
    assert _partition_indexes(city) == ({len(before[0])}, 0) and len(before[0]) == 6
    df.loc[0, "处置结果"] = "已移交"
    df.to_csv(tmp_path / "i.csv", index=False)
    second = etl.load.load("incidents", tmp_path / "i.csv", crs="wgs84", url=app_url)
    assert (second["inserted"], second["updated"], second["unchanged"]) == (0, 1, 49)
    with city.connect() as conn:
        assert conn.execute(text("SELECT count(DISTINCT source_key) FROM incidents")).scalar() == 50
        with pytest.raises(Exception, match=r"Key \(source_key, occurred_at\)=.* already exists"):
            conn.execute(text("INSERT INTO incidents (source_key, occurred_at, category, h3, geom) "
                              "SELECT source_key, occurred_at, category, h3, geom FROM incidents "
                              "LIMIT 1"))


def test_bulk_path_of_a_plain_table_restores_its_keys_and_indexes(city, app_url, tmp_path, monkeypatch):
    monkeypatch.setattr(etl.load, "BULK_ROWS", 5)
    before = _schema(city, "facilities")
    facilities(40).to_csv(tmp_path / "f.csv", index=False)
    report = etl.load.load("facilities", tmp_path / "f.csv", crs="wgs84", url=app_url)
    assert (report["write_path"], report["loaded"], report["inserted"]) == ("bulk", 40, 40)
    assert _schema(city, "facilities") == before
    assert {c for _, d in before[1] for c in ("PRIMARY KEY", "UNIQUE", "FOREIGN KEY") if c in d} == {
        "PRIMARY KEY", "UNIQUE", "FOREIGN KEY"}
    with city.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pg_index WHERE NOT indisvalid")).scalar() == 0

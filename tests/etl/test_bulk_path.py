"""The bulk path of a load (geo.db.copy.bulk_insert, etl.exchange): every index and key rebuilt."""

from __future__ import annotations

import pytest
from sqlalchemy import text

import etl.load
from tests.etl.builders import facilities, incidents


def _schema(engine, table: str = "incidents") -> tuple[list, list]:
    with engine.connect() as conn:
        idx = conn.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t ORDER BY 1"),
            {"t": table},
        ).all()
        cons = conn.execute(
            text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = CAST(:t AS regclass) ORDER BY 1"
            ),
            {"t": table},
        ).all()
    return idx, cons


def _partition_indexes(engine) -> tuple[set[int], int]:
    """(the numbers of valid indexes the month partitions have, invalid indexes anywhere)."""
    with engine.connect() as conn:
        counts = (
            conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE x.indisvalid) FROM pg_inherits i "
                    "JOIN pg_index x ON x.indrelid = i.inhrelid "
                    "WHERE i.inhparent = 'incidents'::regclass GROUP BY i.inhrelid"
                )
            )
            .scalars()
            .all()
        )
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
    # each month partition has all 7 (2 keys, GiST, category, h3, 2 BRIN)
    assert _partition_indexes(city) == ({len(before[0])}, 0) and len(before[0]) == 7
    df.loc[0, "处置结果"] = "已移交"
    df.to_csv(tmp_path / "i.csv", index=False)
    second = etl.load.load("incidents", tmp_path / "i.csv", crs="wgs84", url=app_url)
    assert (second["inserted"], second["updated"], second["unchanged"]) == (0, 1, 49)
    with city.connect() as conn:
        assert conn.execute(text("SELECT count(DISTINCT source_key) FROM incidents")).scalar() == 50
        with pytest.raises(Exception, match=r"Key \(source_key, occurred_at\)=.* already exists"):
            conn.execute(
                text(
                    "INSERT INTO incidents (source_key, occurred_at, category, h3, geom) "
                    "SELECT source_key, occurred_at, category, h3, geom FROM incidents "
                    "LIMIT 1"
                )
            )


def test_bulk_path_of_a_plain_table_restores_its_keys_and_indexes(
    city, app_url, tmp_path, monkeypatch
):
    monkeypatch.setattr(etl.load, "BULK_ROWS", 5)
    before = _schema(city, "facilities")
    facilities(40).to_csv(tmp_path / "f.csv", index=False)
    report = etl.load.load("facilities", tmp_path / "f.csv", crs="wgs84", url=app_url)
    assert (report["write_path"], report["loaded"], report["inserted"]) == ("bulk", 40, 40)
    assert _schema(city, "facilities") == before
    assert {
        c for _, d in before[1] for c in ("PRIMARY KEY", "UNIQUE", "FOREIGN KEY") if c in d
    } == {"PRIMARY KEY", "UNIQUE", "FOREIGN KEY"}
    with city.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM pg_index WHERE NOT indisvalid")).scalar() == 0
        )

"""Idempotence and provenance: the same file twice changes nothing; a changed file upserts."""

from __future__ import annotations

import threading

import pandas as pd
from sqlalchemy import text

from etl.batch import file_sha256
from etl.load import load
from tests.etl.builders import boundaries, incidents, write_shp


def _count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_same_file_twice_changes_nothing(city, db_url, tmp_path):
    df = incidents(25)
    df.loc[0, "报警时间"] = "昨天晚上"
    df.to_csv(tmp_path / "i.csv", index=False)
    first = load("incidents", tmp_path / "i.csv", crs="gcj02", url=db_url)
    before = _count(city, "SELECT count(*) FROM load_batches")
    second = load("incidents", tmp_path / "i.csv", crs="gcj02", url=db_url)
    assert second["status"] == "already_loaded" and second["batch_id"] == first["batch_id"]
    assert (second["loaded"], second["rejected"], second["inserted"]) == (24, 1, 0)
    assert _count(city, "SELECT count(*) FROM load_batches") == before
    assert _count(city, "SELECT count(*) FROM incidents") == 24
    assert (
        _count(city, f"SELECT count(*) FROM load_rejects WHERE batch_id = {first['batch_id']}") == 1
    )


def test_changed_file_is_a_new_batch_upserted_by_key(city, db_url, tmp_path):
    df = incidents(25)
    df.to_csv(tmp_path / "i.csv", index=False)
    first = load("incidents", tmp_path / "i.csv", crs="wgs84", url=db_url)
    df.loc[3, "警情类别"] = "火灾"
    df.loc[3, "处置结果"] = "处置中"
    extra = incidents(26).iloc[[25]]
    df = pd.concat([df, extra], ignore_index=True)
    df.to_csv(tmp_path / "i.csv", index=False)
    second = load("incidents", tmp_path / "i.csv", crs="wgs84", url=db_url)
    assert second["batch_id"] != first["batch_id"]
    assert (second["inserted"], second["updated"], second["unchanged"]) == (1, 1, 24)
    with city.connect() as conn:
        row = conn.execute(
            text("SELECT disposition, batch_id FROM incidents WHERE source_key = :k"),
            {"k": df.loc[3, "警情编号"]},
        ).one()
        batches = conn.execute(
            text(
                "SELECT file_name, file_sha256, read, loaded, source_crs, "
                "encoding FROM load_batches WHERE kind = 'incidents' "
                "ORDER BY id"
            )
        ).all()
    assert row == ("处置中", second["batch_id"])
    assert [b.read for b in batches] == [25, 26]
    assert batches[1].file_sha256 == file_sha256(tmp_path / "i.csv")[0]
    assert (batches[1].source_crs, batches[1].encoding) == ("wgs84", "utf-8")


def test_shapefile_hash_covers_the_dbf(tmp_path):
    path = write_shp(boundaries("town"), tmp_path / "t.shp")
    before = file_sha256(path)[0]
    gdf = boundaries("town")
    gdf.loc[0, "名称"] = "改名街道"
    write_shp(gdf, path)
    assert file_sha256(path)[0] != before


def test_two_loads_of_one_file_at_the_same_time_make_one_batch(city, db_url, tmp_path):
    incidents(200).to_csv(tmp_path / "i.csv", index=False)
    results: list[dict] = []
    errors: list[BaseException] = []

    def run():
        try:
            results.append(load("incidents", tmp_path / "i.csv", crs="wgs84", url=db_url))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(r["status"] for r in results) == ["already_loaded", "loaded"]
    assert len({r["batch_id"] for r in results}) == 1
    assert _count(city, "SELECT count(*) FROM load_batches WHERE kind = 'incidents'") == 1
    assert _count(city, "SELECT count(*) FROM incidents") == 200

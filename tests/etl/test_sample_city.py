"""End to end: the small sample city (`civicgrid sample --scale small`) loads as its
manifest says — every deliberately bad row rejected with the manifest's reason and row
number, copies counted as duplicates, bow-ties repaired — and a second load is a no-op."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sqlalchemy import text

from etl.load import load
from etl.sample.scale import SCALES


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from etl.sample import generate

    out = tmp_path_factory.mktemp("sample")
    generate(out, seed=7, scale="small")
    return out, json.loads((out / "manifest.json").read_text(encoding="utf-8"))


#: the file column of a planted unclassified value → the canonical field it feeds
SCHEMA_FIELD = {
    "incidents": {"警情类别": "category"},
    "hazards": {"类别": "category", "风险等级": "risk_level"},
    "facilities": {"类型": "kind"},
    "key-sites": {"类型": "kind"},
}
for _kind in ("boundaries", "grids", "rentals"):
    SCHEMA_FIELD[_kind] = {}


def _options(command: list[str]) -> dict:
    """load() keyword arguments from the manifest's `civicgrid load …` command."""
    flags = dict(zip(command[4::2], command[5::2], strict=True))
    return {
        "crs": flags.get("--crs"),
        "encoding": flags.get("--encoding"),
        "grid_version": flags.get("--grid-version"),
    }


def test_sample_city_loads_as_the_manifest_says(clean_db, db_url, sample):
    out, manifest = sample
    results = {}
    for entry in manifest["files"]:  # in the manifest's order: boundaries first
        result = load(entry["kind"], out / entry["path"], url=db_url, **_options(entry["load"]))
        results[entry["path"]] = result
        bad = [b for b in manifest["bad_rows"] if b["file"] == entry["path"]]
        expect = Counter(b["expect"] for b in bad)
        assert result["read"] == entry["rows"]
        assert result["read"] == result["loaded"] + result["rejected"] + result["duplicates"]
        assert result["rejected"] == expect["reject"], entry["path"]
        assert result["duplicates"] == expect["duplicate"], entry["path"]
        assert result["repaired"] == sum(
            1
            for b in bad
            if b["expect"] == "repair"
            and b["row"] not in {d["row"] for d in bad if d["expect"] == "duplicate"}
        ), entry["path"]
        assert not [w for w in result["warnings"] if "GCJ-02" in w or "other way" in w]
        with clean_db.connect() as conn:
            stored = {
                (r.row_number, r.reason)
                for r in conn.execute(
                    text("SELECT row_number, reason FROM load_rejects WHERE batch_id = :b"),
                    {"b": result["batch_id"]},
                )
            }
        assert stored == {
            (b["row"], b["reason"]) for b in bad if b["expect"] in ("reject", "duplicate")
        }, entry["path"]
        # values outside a vocabulary load as 未分类 and the report names each one
        assert Counter(u["field"] for u in result["unclassified"]) == Counter(
            SCHEMA_FIELD[entry["kind"]][b["field"]] for b in bad if b["expect"] == "load"
        )

    with clean_db.connect() as conn:
        counts = dict(
            conn.execute(
                text(
                    "SELECT 'incidents', count(*) FROM incidents UNION ALL "
                    "SELECT 'grids', count(*) FROM grids UNION ALL "
                    "SELECT 'communities', count(*) FROM admin_units WHERE level = 'community'"
                )
            ).all()
        )
        clear = conn.execute(
            text(
                "SELECT count(*) FROM rentals WHERE landlord NOT LIKE 'hmac:%' "
                "OR landlord_phone NOT LIKE 'hmac:%'"
            )
        ).scalar()
    assert counts["incidents"] == results["incidents/incidents.csv"]["loaded"]
    unclassified = sum(
        b["expect"] == "load"
        for b in manifest["bad_rows"]
        if b["file"] == "incidents/incidents.csv"
    )
    # the faulty rows come on top; the one outside the vocabulary is loaded
    assert counts["incidents"] == SCALES["small"].incidents + unclassified
    assert counts["grids"] == results["grids/grids_2025.shp"]["loaded"]
    assert clear == 0

    again = [
        load(e["kind"], out / e["path"], url=db_url, **_options(e["load"]))
        for e in manifest["files"]
    ]
    assert {r["status"] for r in again} == {"already_loaded"}
    assert [r["batch_id"] for r in again] == [
        results[e["path"]]["batch_id"] for e in manifest["files"]
    ]

"""etl.columns: Chinese and English headers map to the same fields; the rest is kept."""

from __future__ import annotations

import pandas as pd

from etl.columns import SCHEMAS, apply_values, map_columns


def test_chinese_and_english_headers_map_to_canonical_fields():
    zh = map_columns(
        ["警情编号", "报警时间", "警情类别", "经度", "纬度", "报警人", "备注"], SCHEMAS["incidents"]
    )
    en = map_columns(
        ["source_key", "Occurred_At", "category", "longitude", "LAT", "reporter"],
        SCHEMAS["incidents"],
    )
    assert (
        set(zh.fields)
        == set(en.fields)
        == {"source_key", "occurred_at", "category", "lon", "lat", "reporter"}
    )
    assert zh.fields["lon"] == "经度" and en.fields["lon"] == "longitude"
    assert zh.extra == ["备注"] and en.extra == []


def test_a_second_column_for_the_same_field_is_kept_with_a_warning():
    m = map_columns(["编号", "id", "名称", "类型"], SCHEMAS["facilities"])
    assert m.fields["source_key"] == "编号"
    assert m.extra == ["id"] and "id" in m.warnings[0]


def test_value_maps():
    levels, unknown = apply_values(
        pd.Series(["区", " 街道 ", "村", "省", None]), SCHEMAS["boundaries"].field("level")
    )
    assert levels.tolist()[:3] == ["district", "town", "community"]
    assert unknown.tolist() == [False, False, False, True, False]
    kinds, unknown = apply_values(
        pd.Series(["城镇", "专属网格", "rural", "混合"]), SCHEMAS["grids"].field("kind")
    )
    assert kinds.tolist()[:3] == ["urban", "special", "rural"]
    assert unknown.tolist() == [False, False, False, True]


def test_coded_fields_name_their_vocabulary_and_have_no_closed_list():
    coded = {(s.kind, f.name): f.vocab for s in SCHEMAS.values() for f in s.fields if f.vocab}
    assert coded == {
        ("incidents", "category"): "incident_category",
        ("hazards", "category"): "hazard_category",
        ("hazards", "risk_level"): "risk_level",
        ("facilities", "kind"): "facility_kind",
        ("key-sites", "kind"): "key_site_kind",
    }
    assert all(f.values is None for s in SCHEMAS.values() for f in s.fields if f.vocab)


def test_every_kind_has_a_key_field_and_personal_fields_are_declared():
    for schema in SCHEMAS.values():
        assert schema.field(schema.key).required
    assert SCHEMAS["rentals"].personal == ("landlord", "landlord_phone", "landlord_id_no")
    assert SCHEMAS["incidents"].personal == ("reporter", "reporter_phone")

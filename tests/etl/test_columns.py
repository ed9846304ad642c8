"""etl.columns: Chinese and English headers map to the same fields; the rest is kept."""

from __future__ import annotations

import pandas as pd

from etl.columns import SCHEMAS, apply_values, map_columns


def test_chinese_and_english_headers_map_to_canonical_fields():
    zh = map_columns(["警情编号", "报警时间", "警情类别", "经度", "纬度", "报警人", "备注"],
                     SCHEMAS["incidents"])
    en = map_columns(["source_key", "Occurred_At", "category", "longitude", "LAT", "reporter"],
                     SCHEMAS["incidents"])
    assert set(zh.fields) == set(en.fields) == {
        "source_key", "occurred_at", "category", "lon", "lat", "reporter"}
    assert zh.fields["lon"] == "经度" and en.fields["lon"] == "longitude"
    assert zh.extra == ["备注"] and en.extra == []


def test_a_second_column_for_the_same_field_is_kept_with_a_warning():
    m = map_columns(["编号", "id", "名称", "类型"], SCHEMAS["facilities"])
    assert m.fields["source_key"] == "编号"
    assert m.extra == ["id"] and "id" in m.warnings[0]


def test_value_maps():
    schema = SCHEMAS["hazards"]
    mapped, unknown = apply_values(pd.Series(["重大", "一般", " 低 ", "很大", None]),
                                   schema.field("risk_level"))
    assert mapped.tolist()[:3] == [4, 2, 1]
    assert unknown.tolist() == [False, False, False, True, False]
    kinds, unknown = apply_values(pd.Series(["派出所", "视频监控", "camera", "网吧"]),
                                  SCHEMAS["facilities"].field("kind"))
    assert kinds.tolist()[:3] == ["police_station", "camera", "camera"]
    assert unknown.tolist() == [False, False, False, True]


def test_every_kind_has_a_key_field_and_personal_fields_are_declared():
    for schema in SCHEMAS.values():
        assert schema.field(schema.key).required
    assert SCHEMAS["rentals"].personal == ("landlord", "landlord_phone", "landlord_id_no")
    assert SCHEMAS["incidents"].personal == ("reporter", "reporter_phone")

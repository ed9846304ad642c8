"""etl.personal: personal columns found by header and by content, pseudonymised with the
key, dropped or kept; free text masked."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pytest

from etl import personal
from etl.columns import SCHEMAS, map_columns

KEY = "0123456789abcdef" * 4


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "警情编号": ["A1", "A2", "A3"],
            "发生地址": ["平江路1号 电话13812345678", "干将路2号", None],
            "报警人": ["张三", "李四", "张三"],
            "SFZH": ["x", "y", "z"],
            "column_9": [13812345678, 13912345678, 13712345678],  # phones read as numbers
            "网格编码": ["320508001001001", "320506101002003", "320506101002004"],
            "备注": ["邮箱 a@b.cn", "无", "身份证 11010519491231002X"],
        }
    )


def test_find_by_header_and_content_and_identifiers_left_alone():
    frame = _frame()
    schema = SCHEMAS["incidents"]
    found = personal.find(frame, map_columns(list(frame.columns), schema), schema)
    assert [(f.column, f.field, f.why, f.looks_like) for f in found] == [
        ("报警人", "reporter", "header", None),
        ("SFZH", None, "header", None),
        ("column_9", None, "content", "mobile"),
    ]
    texts = personal.free_text(frame, map_columns(list(frame.columns), schema), schema, found)
    assert texts == ["发生地址", "备注"]


def test_treat_hash_masks_and_pseudonymises_with_the_key():
    frame = _frame()
    schema = SCHEMAS["incidents"]
    mapping = map_columns(list(frame.columns), schema)
    found = personal.find(frame, mapping, schema)
    texts = personal.free_text(frame, mapping, schema, found)
    out, masked = personal.treat(frame, found, texts, "hash", KEY)
    expected = "hmac:" + hmac.new(KEY.encode(), "张三".encode(), hashlib.sha256).hexdigest()
    assert out["报警人"].tolist()[0] == out["报警人"].tolist()[2] == expected
    assert (
        out["column_9"][0]
        == "hmac:" + hmac.new(KEY.encode(), b"13812345678", hashlib.sha256).hexdigest()
    )
    assert out["发生地址"].tolist()[:2] == ["平江路1号 电话[电话]", "干将路2号"]
    assert out["备注"].tolist() == ["邮箱 [邮箱]", "无", "身份证 [证件号]"]
    assert masked == {"发生地址": {"phone": 1}, "备注": {"email": 1, "id_number": 1}}
    assert out["网格编码"].tolist() == frame["网格编码"].tolist()
    other, _ = personal.treat(frame, found, texts, "hash", "f" * 64)
    assert other["报警人"][0] != expected


def test_treat_drop_and_keep():
    frame = _frame()
    schema = SCHEMAS["incidents"]
    mapping = map_columns(list(frame.columns), schema)
    found = personal.find(frame, mapping, schema)
    dropped, _ = personal.treat(frame, found, [], "drop", None)
    assert "SFZH" not in dropped and "column_9" not in dropped
    assert dropped["报警人"].isna().all()  # a schema field is emptied, not removed
    kept, masked = personal.treat(frame, found, ["备注"], "keep", None)
    assert kept is frame and masked == {}


def test_mode(monkeypatch):
    monkeypatch.delenv("CIVICGRID_KEEP_PERSONAL_DATA", raising=False)
    assert personal.mode() == "hash"
    with pytest.raises(ValueError):
        personal.mode("keep")
    monkeypatch.setenv("CIVICGRID_KEEP_PERSONAL_DATA", "1")
    assert personal.mode() == "keep"

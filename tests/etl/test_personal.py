"""etl.personal: personal columns found by header, pseudonymised with a salt, or dropped."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from etl import personal


@pytest.mark.parametrize("header", ["租客姓名", "联系电话", "手机号", "身份证号码", "owner_phone",
                                    "tenant_id_no", "联系人"])
def test_personal_headers(header):
    assert personal.is_personal_header(header)


@pytest.mark.parametrize("header", ["名称", "地址", "name", "警情类别", "备注"])
def test_other_headers(header):
    assert not personal.is_personal_header(header)


def test_pseudonyms_are_salted_stable_and_keep_blanks():
    values = pd.Series(["张三", "李四", "张三", None, ""])
    a = personal.pseudonymise(values, salt="s1")
    assert a[0] == a[2] != a[1]
    assert a[0] == "sha256:" + hashlib.sha256("s1张三".encode()).hexdigest()
    assert a.isna().tolist() == [False, False, False, True, True]
    assert personal.pseudonymise(values, salt="s2")[0] != a[0]


def test_treat_drop_and_mode(monkeypatch):
    frame = pd.DataFrame({"报警人": ["张三"], "地址": ["x"]})
    assert list(personal.treat(frame, ["报警人"], "drop").columns) == ["地址"]
    monkeypatch.delenv("CIVICGRID_KEEP_PERSONAL_DATA", raising=False)
    assert personal.mode() == "hash"
    with pytest.raises(ValueError):
        personal.mode("keep")
    monkeypatch.setenv("CIVICGRID_KEEP_PERSONAL_DATA", "1")
    assert personal.mode() == "keep"

"""geo.privacy.headers: personal headers in Chinese (simplified and traditional, any
spacing), pinyin initials and English; ordinary and identifier headers left alone."""

from __future__ import annotations

import pytest

from geo.privacy.headers import is_identifier_header, is_personal_header, normalise


@pytest.mark.parametrize(
    "header",
    [
        "主叫号码",
        "身份号码",
        "法定代表人",
        "SFZH",
        "SJHM",
        "姓　名",
        "電話",
        "聯繫電話",
        "姓 名",
        "ＳＦＺＨ",
        "sfzh",
        "bjrxm",
        "XM",
        "LXDH",
        "租客姓名",
        "联系电话",
        "手机号",
        "身份证号码",
        "户籍地址",
        "家庭住址",
        "电子邮箱",
        "E-mail",
        "owner_phone",
        "tenant_id_no",
        "contactMobile",
        "联系人",
        "护照号码",
        "负责人",
        "出生日期",
    ],
)
def test_personal_headers(header):
    assert is_personal_header(header)


@pytest.mark.parametrize(
    "header",
    [
        "名称",
        "地址",
        "发生地址",
        "name",
        "警情类别",
        "备注",
        "简要案情",
        "tenants",
        "households",
        "户籍人口",
        "户数",
        "hotel_name",
        "h3",
        "grid_code",
        "网格编码",
        "处置结果",
        "cells",
        "经度",
    ],
)
def test_ordinary_headers(header):
    assert not is_personal_header(header)


def test_normalise_folds_width_spaces_script_case_and_punctuation():
    assert normalise("姓　名") == normalise("姓名") == "姓名"
    assert normalise("電話號碼") == "电话号码"
    assert normalise("Ｓ Ｆ－Ｚ_Ｈ") == "sfzh"
    assert normalise("（联系）电话：") == "联系电话"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("网格编码", True),
        ("grid_code", True),
        ("h3", True),
        ("警情编号", True),
        ("source_key", True),
        ("备注", False),
        ("column_9", False),
        ("联系电话", False),
    ],
)
def test_identifier_headers(header, expected):
    assert is_identifier_header(header) is expected

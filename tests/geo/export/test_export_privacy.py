"""The personal-data policy of exports: schema columns, personal headers, pseudonyms,
personal content, and masked free text."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.export.privacy import drop_personal, is_personal
from geo.privacy import pseudonymise

KEY = "k" * 40


@pytest.mark.parametrize(
    "column",
    [
        "reporter",
        "reporter_phone",
        "landlord",
        "landlord_phone",
        "landlord_id_no",
        "tenant_name",
        "联系电话",
        "房东姓名",
        "报警人",
        "身份证号码",
        "contact_mobile",
        "主叫号码",
        "身份号码",
        "法定代表人",
        "SFZH",
        "SJHM",
        "姓　名",
        "電話",
    ],
)
def test_personal_columns(column):
    assert is_personal(column)


@pytest.mark.parametrize(
    "column",
    [
        "name",
        "address",
        "category",
        "tenants",
        "rooms",
        "households",
        "grid_code",
        "h3",
        "occurred_at",
        "网格名称",
        "地址",
        "source_key",
    ],
)
def test_ordinary_columns(column):
    assert not is_personal(column)


def test_pseudonymised_values_are_dropped_whatever_the_header():
    frame = pd.DataFrame(
        {
            "编号": pseudonymise(pd.Series(["张三", None]), KEY),
            "旧编号": ["sha256:" + "0" * 64, None],  # a pseudonym of an earlier version
            "地址": ["平江路1号", "干将路2号"],
            "phone": ["1", "2"],
        }
    )
    kept, dropped = drop_personal(frame)
    assert list(kept.columns) == ["地址"]
    assert sorted(dropped) == ["phone", "旧编号", "编号"]


def test_personal_content_is_dropped_and_free_text_masked():
    """Data stored before the load-time rules (an unlabeled phone column, a note with a
    phone in it) still leaves an export without them."""
    frame = pd.DataFrame(
        {
            "附加1": ["13812345678", "13912345678", "13712345678"],
            "备注": ["请回电13812345678", "无", None],
            "grid_code": [320508001001001, 320506101002003, 320506101002004],  # reads like old IDs
            "网格编码": ["320508001001001", "320506101002003", "320506101002004"],
        }
    )
    kept, dropped = drop_personal(frame)
    assert dropped == ["附加1"]
    assert kept["备注"].tolist()[:2] == ["请回电[电话]", "无"]
    assert kept["grid_code"].tolist() == frame["grid_code"].tolist()
    assert kept["网格编码"].tolist() == frame["网格编码"].tolist()

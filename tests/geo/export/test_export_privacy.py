"""The personal-data policy of exports: schema columns, personal headers, pseudonyms."""

from __future__ import annotations

import pandas as pd
import pytest

from etl.personal import pseudonymise
from geo.export.privacy import drop_personal, is_personal


@pytest.mark.parametrize("column", [
    "reporter", "reporter_phone", "landlord", "landlord_phone", "landlord_id_no",
    "tenant_name", "联系电话", "房东姓名", "报警人", "身份证号码", "contact_mobile",
])
def test_personal_columns(column):
    assert is_personal(column)


@pytest.mark.parametrize("column", [
    "name", "address", "category", "tenants", "rooms", "households", "grid_code", "h3",
    "occurred_at", "网格名称", "地址", "source_key",
])
def test_ordinary_columns(column):
    assert not is_personal(column)


def test_pseudonymised_values_are_dropped_whatever_the_header():
    frame = pd.DataFrame({
        "编号": pseudonymise(pd.Series(["张三", None])),
        "地址": ["平江路1号", "干将路2号"],
        "phone": ["1", "2"],
    })
    kept, dropped = drop_personal(frame)
    assert list(kept.columns) == ["地址"]
    assert sorted(dropped) == ["phone", "编号"]

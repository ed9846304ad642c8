"""geo.privacy.values: what personal values look like, and whether a column is personal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from etl.sample.people import id_numbers, mobiles, names
from geo.privacy.values import SAMPLE, id_check_digit, judge, matches, valid_id18

#: the worked example of GB 11643-1999 (Beijing, born 1949-12-31, check character X)
GB_EXAMPLE = "11010519491231002X"


def test_check_digit_of_the_standards_example():
    assert id_check_digit(GB_EXAMPLE[:17]) == "X"


def test_vectorised_check_digit_agrees_with_the_definition():
    rng = np.random.default_rng(3)
    good = id_numbers(200, "320508", rng)
    bad = [v[:17] + ("0" if v[17] != "0" else "1") for v in good]
    arr = pa.array([*good, *bad, GB_EXAMPLE, GB_EXAMPLE.lower()])
    expected = [id_check_digit(v[:17]) == v[17].upper() for v in arr.to_pylist()]
    assert valid_id18(arr).tolist() == expected
    assert sum(expected) == 202


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("13812345678", "mobile"),
        ("+86 138-1234-5678", "mobile"),
        ("139 1234 5678", "mobile"),
        ("0512-65221234", "landline"),
        ("(010)88886666", "landline"),
        ("02158889999", "landline"),
        (GB_EXAMPLE, "id_number"),
        ("110105491231002", "id_number"),
        ("E12345678", "passport"),
        ("EA1234567", "passport"),
        ("G87654321", "passport"),
        ("zhang.san@example.com", "email"),
        ("张伟", "name"),
        ("欧阳娜娜", "name"),
        ("王小明", "name"),
    ],
)
def test_values_that_look_personal(value, kind):
    found = matches(pa.array([value]))
    assert [k for k, hit in found.items() if hit[0]] == [kind]


@pytest.mark.parametrize(
    "value",
    [
        "12812345678",
        "1381234567",
        "11010519491231002Y",
        "11010519491231003X",
        "苏州市某路1号",
        "火灾",
        "JQ2025000001",
        "320508",
        "2025-01-01 10:00:00",
        "a@b",
        "张家港市人民路",
        "12.5",
    ],
)
def test_values_that_do_not(value):
    assert not any(hit[0] for hit in matches(pa.array([value])).values())


def test_a_column_is_personal_when_most_values_look_personal():
    rng = np.random.default_rng(1)
    assert judge(pd.Series(mobiles(50, rng))).kind == "mobile"  # numbers, as XLSX gives them
    assert judge(pd.Series(names(50, rng))).kind == "name"
    assert judge(pd.Series(id_numbers(50, "320508", rng))).kind == "id_number"
    half = pd.Series([*map(str, mobiles(5, rng)), *["平江路"] * 5, None, ""])
    assert judge(half) is None  # 5 of 10 non-empty values: not most
    most = pd.Series([*map(str, mobiles(6, rng)), *["平江路"] * 4, None, None, None])
    finding = judge(most)
    assert (finding.kind, finding.share) == ("mobile", 0.6)
    assert judge(pd.Series([None, "", " "])) is None
    assert judge(pd.Series([1.5, 2.5, 13812345678.5])) is None


def test_long_columns_are_judged_on_a_bounded_sample():
    rng = np.random.default_rng(2)
    n = SAMPLE * 5
    values = np.where(np.arange(n) % 4 == 0, "平江路", mobiles(n, rng).astype(str))
    assert judge(pd.Series(values)).share == pytest.approx(0.75, abs=0.01)

"""geo.privacy.pseudonym: HMAC-SHA256 under the key, checked against Python's hmac."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import pyarrow as pa

from geo.privacy.pseudonym import PREFIX, is_pseudonym, pseudonymise

KEY = "9f" * 32


def reference(value: str, key: str = KEY) -> str:
    return PREFIX + hmac.new(key.encode(), value.encode("utf-8"), hashlib.sha256).hexdigest()


def test_pseudonyms_are_the_hmac_of_the_trimmed_value():
    values = pd.Series(["张三", " 张三 ", "13812345678", None, "", "  "], index=[5, 6, 7, 8, 9, 10])
    out = pseudonymise(values, KEY)
    assert out.tolist()[:3] == [reference("张三"), reference("张三"), reference("13812345678")]
    assert out.isna().tolist() == [False, False, False, True, True, True]
    assert out.index.tolist() == [5, 6, 7, 8, 9, 10]


def test_same_key_same_pseudonym_other_key_other_one():
    values = pd.Series(["320508199001011234", "李四"])
    assert pseudonymise(values, KEY).tolist() == pseudonymise(values.copy(), KEY).tolist()
    other = pseudonymise(values, "a" * 64).tolist()
    assert other == [reference(v, "a" * 64) for v in values]
    assert set(other).isdisjoint(pseudonymise(values, KEY))


def test_pseudonyms_of_this_and_earlier_versions_are_recognised():
    arr = pa.array([reference("x"), "sha256:" + "0" * 64, "13812345678", None])
    assert is_pseudonym(arr).to_pylist() == [True, True, False, None]

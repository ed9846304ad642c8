"""geo.jsonable: what goes into a jsonb column is plain JSON, missing values null."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from geo.jsonable import dumps, jsonable, plain


def test_numpy_pandas_and_missing_values_become_plain_json():
    obj = {
        "n": np.int64(3),
        "x": np.float32(0.5),
        "nan": np.nan,
        "inf": float("-inf"),
        "na": pd.NA,
        "nat": pd.NaT,
        "ok": np.bool_(True),
        "day": dt.date(2026, 12, 6),
        "at": pd.Timestamp("2026-12-06 08:00", tz="UTC"),
        "arr": np.array([1, 2]),
        "nested": [{"v": np.float64("nan")}, (np.int16(2), "文字")],
        "path": Path("a/b"),
    }
    out = jsonable(obj)
    assert out == {
        "n": 3,
        "x": 0.5,
        "nan": None,
        "inf": None,
        "na": None,
        "nat": None,
        "ok": True,
        "day": "2026-12-06",
        "at": "2026-12-06T08:00:00+00:00",
        "arr": [1, 2],
        "nested": [{"v": None}, [2, "文字"]],
        "path": "a/b",
    }
    assert type(out["n"]) is int and type(out["ok"]) is bool
    assert json.loads(dumps(obj)) == out and "文字" in dumps(obj)  # strict JSON, no \\u escapes


def test_plain_leaves_text_and_python_values_alone():
    assert plain("abc") == "abc" and plain(5) == 5 and plain([1, None]) == [1, None]
    assert plain(np.float64(np.nan)) is None and plain(None) is None

"""Values made plain for JSON: the one clean-up before anything goes into a jsonb column.

NumPy and pandas scalars become Python ones, missing values (None, NaN, NA, NaT) and
infinities become null (JSON has no words for them), dates and times ISO 8601 text.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import numpy as np
import pandas as pd


def plain(value: Any) -> Any:
    """One value as plain Python: numpy/pandas scalars unwrapped, missing as None, arrays
    as lists, dates and times as ISO text; anything else unchanged."""
    if value is None or (np.ndim(value) == 0 and not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def _default(value: Any) -> Any:
    """json.dumps' fallback: the plain value, or its text when it has no plain form."""
    out = plain(value)
    return str(out) if out is value else out


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def jsonable(obj: Any) -> Any:
    """`obj` (dicts, lists, scalars, nested) as plain JSON values, NaN and ±inf as null."""
    return _finite(json.loads(json.dumps(obj, ensure_ascii=False, default=_default)))


def dumps(obj: Any) -> str:
    """`obj` as JSON text (UTF-8 characters kept), cleaned by `jsonable`."""
    return json.dumps(jsonable(obj), ensure_ascii=False)

"""Administrative boundaries (区县/街镇/社区) → admin_units, upserted by code.

Level from 级别 or, failing that, from the code: 6 digits (…00 → city), 9 → town,
12 → community. A missing 上级代码 is derived from the code. A parent code naming no
unit is rejected as unknown_parent when units of the parent's level are known at all
(the districts' parent, the city, is usually not loaded).
"""

from __future__ import annotations

import pandas as pd

from etl.loaders import polygons
from etl.loaders.plan import Plan
from etl.loaders.rows import Rows
from geo.db.copy import Column

PARENT_LEVEL = {"district": "city", "town": "district", "community": "town"}


def level_from_code(code: pd.Series) -> pd.Series:
    """city / district / town / community from the length of a division code."""
    length = code.str.len()
    level = pd.Series(pd.array([None] * len(code), dtype="string"), index=code.index)
    level[(length == 6) & code.str.endswith("00").fillna(False)] = "city"
    level[(length == 6) & ~code.str.endswith("00").fillna(False)] = "district"
    level[length == 9] = "town"
    level[length == 12] = "community"
    return level


def parent_from_code(code: pd.Series, level: pd.Series) -> pd.Series:
    """The parent's code implied by a division code."""
    parent = pd.Series(pd.array([None] * len(code), dtype="string"), index=code.index)
    parent[level == "community"] = code.str[:9]
    parent[level == "town"] = code.str[:6]
    parent[level == "district"] = code.str[:4] + "00"
    return parent


def prepare(rows: Rows) -> Plan:
    """Validate boundary rows and lay out their admin_units columns."""
    key = rows.key()
    polygons.shape(rows)
    name = rows.text("name")
    code = key.values
    level_col = rows.text("level")
    level = level_col.values.fillna(level_from_code(code))
    rows.verdict.reject(level.isna().to_numpy(), "bad_value", "level")
    parent = rows.text("parent_code").values.fillna(parent_from_code(code, level))
    file_levels = dict(zip(code.dropna(), level[code.notna()], strict=False))
    known = {**rows.context.admin_codes, **file_levels}
    levels_known = set(known.values())
    parent_level = level.map(PARENT_LEVEL)
    checkable = parent.notna() & parent_level.isin(levels_known).fillna(False)
    missing_parent = checkable & ~parent.isin(known.keys()).fillna(False)
    rows.verdict.reject(missing_parent.to_numpy(dtype=bool), "unknown_parent", "parent_code")
    columns = [
        key,
        name,
        polygons.geometry_column(rows),
        Column("level", "text", level),
        Column("parent_code", "text", parent),
        rows.integer("households"),
        rows.integer("population"),
    ]
    return Plan("admin_units", columns, ["code"], key)

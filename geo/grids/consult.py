"""Consultation before adjustment (征求意见): who must be heard on a draft, and whether
every one of them has answered.

Pure: a draft's diff against the version in force names the changed grids; the towns
and communities those grids belong to (before or after) are the units to consult. Each
unit sees all its grids before and after. Filing asks `check_answers` whether every
consulted unit answered; an override needs a reason.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.errors import InputError

OPINIONS = {"agree": "同意", "agree-with-changes": "修改后同意", "object": "不同意"}
LEVELS = {"town": "街镇", "community": "社区/村"}


UNIT_COLUMNS = ("community_code", "town_code")


def _units_of_grids(grids: pd.DataFrame) -> dict[str, set[str]]:
    """Grid code → the community and town codes of its rows (a code may repeat)."""
    out: dict[str, set[str]] = {}
    for grid, *owners in zip(grids["grid_code"], *(grids[c] for c in UNIT_COLUMNS), strict=True):
        out.setdefault(grid, set()).update(str(c) for c in owners if pd.notna(c))
    return out


def affected_units(
    changes: pd.DataFrame, before: gpd.GeoDataFrame, after: gpd.GeoDataFrame, units: pd.DataFrame
) -> pd.DataFrame:
    """One row per town and community touched by a change that is not 'unchanged':
    unit_code, level, unit_name, grids_before, grids_after (all the unit's grids, sorted),
    households_before, households_after, changes (the kinds touching it)."""
    # plain tables: filtering a GeoDataFrame per unit copied its shapes every time
    columns = ["grid_code", *UNIT_COLUMNS, "households"]
    before, after = pd.DataFrame(before[columns]), pd.DataFrame(after[columns])
    was, now = _units_of_grids(before), _units_of_grids(after)
    touched: dict[str, set[str]] = {}
    for row in changes.itertuples():
        if row.change == "unchanged":
            continue
        owners = set().union(
            *(was.get(c, ()) for c in set(row.old_codes)),
            *(now.get(c, ()) for c in set(row.new_codes)),
        )
        for code in owners:
            touched.setdefault(code, set()).add(row.change)
    names = dict(zip(units["code"], units["name"], strict=False))
    levels = dict(zip(units["code"], units["level"], strict=False))
    out = []
    for code in sorted(touched):
        level = levels.get(code, "community" if len(code) > 9 else "town")
        column = "community_code" if level == "community" else "town_code"
        b = before[before[column] == code]
        a = after[after[column] == code]
        out.append(
            {
                "unit_code": code,
                "level": level,
                "unit_name": names.get(code),
                "grids_before": sorted(b["grid_code"]),
                "grids_after": sorted(a["grid_code"]),
                "households_before": int(
                    pd.to_numeric(b["households"], errors="coerce").fillna(0).sum()
                ),
                "households_after": int(
                    pd.to_numeric(a["households"], errors="coerce").fillna(0).sum()
                ),
                "changes": sorted(touched[code]),
            }
        )
    columns = [
        "unit_code",
        "level",
        "unit_name",
        "grids_before",
        "grids_after",
        "households_before",
        "households_after",
        "changes",
    ]
    return pd.DataFrame(out, columns=columns)


def check_answers(record: pd.DataFrame, override_reason: str | None = None) -> dict[str, object]:
    """Whether every consulted unit (rows of `record`: unit_code, opinion) answered.

    Returns units, answered, objections, missing and override; raises InputError naming
    the units still silent when some are and no override reason is given.
    """
    missing = sorted(record.loc[record["opinion"].isna(), "unit_code"])
    reason = (override_reason or "").strip() or None
    if missing and reason is None:
        raise InputError(
            f"{len(missing)} consulted unit(s) have not answered: {', '.join(missing[:10])}"
            f"{' …' if len(missing) > 10 else ''} (record their opinions with "
            "`grids consult DRAFT --record UNIT --opinion …`, or give an override reason)"
        )
    return {
        "units": int(len(record)),
        "answered": int(record["opinion"].notna().sum()),
        "objections": sorted(record.loc[record["opinion"] == "object", "unit_code"]),
        "missing": missing,
        "override": reason if missing else None,
    }

"""What a service item is: the layer it counts, a filter, a frequency, minutes each time.

An item costs, per grid and month, count × times a year × minutes ÷ 60 ÷ 12 hours, where
the count is what the grid holds of its layer (households, residents, rental homes,
hazard sources of the listed risk levels, key sites of the listed kinds, incidents of
the listed categories in the last 12 months, or the grid itself) and a per-event item
(每起) happens once per counted incident.
"""

from __future__ import annotations

import re

import pandas as pd

from geo.errors import InputError

#: layer → (Chinese label, what the filter lists)
LAYERS: dict[str, tuple[str, str | None]] = {
    "households": ("户数", None),
    "population": ("人口", None),
    "grids": ("网格", None),
    "rentals": ("出租房屋", None),
    "hazards": ("危险源", "risk_level"),
    "key_sites": ("重点场所", "kind"),
    "incidents": ("警情", "category"),
}
_LAYER_WORDS = {
    **{k: k for k in LAYERS},
    **{v[0]: k for k, v in LAYERS.items()},
    "居民户": "households",
    "实有人口": "population",
    "重点部位": "key_sites",
    "key-sites": "key_sites",
}

#: frequency → times a year (a per-event item: once per counted event of a year)
FREQUENCIES: dict[str, float] = {
    "daily": 365,
    "weekly": 52,
    "biweekly": 26,
    "monthly": 12,
    "quarterly": 4,
    "half_yearly": 2,
    "yearly": 1,
    "per_event": 1,
}
_FREQUENCY_WORDS = {
    **{k: k for k in FREQUENCIES},
    "每日": "daily",
    "每天": "daily",
    "每周": "weekly",
    "每两周": "biweekly",
    "每半月": "biweekly",
    "每月": "monthly",
    "每季度": "quarterly",
    "每季": "quarterly",
    "每半年": "half_yearly",
    "每年": "yearly",
    "每起": "per_event",
    "每次": "per_event",
    "每件": "per_event",
}

#: canonical column → headers that mean it
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("事项编码", "编码", "code"),
    "name": ("事项名称", "名称", "name"),
    "department": ("责任部门", "部门", "department"),
    "layer": ("计量对象", "图层", "layer"),
    "selector": ("筛选条件", "筛选", "selector", "filter"),
    "frequency": ("频次", "frequency"),
    "minutes": ("每次用时（分钟）", "每次用时(分钟)", "每次用时", "分钟", "minutes"),
    "note": ("说明", "备注", "note"),
}
REQUIRED = ("code", "name", "layer", "frequency", "minutes")
ITEM_COLUMNS = (
    "code",
    "name",
    "department",
    "layer",
    "selector",
    "frequency",
    "per_year",
    "minutes",
    "note",
)


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).lower()


def _blank(value: object) -> bool:
    return (
        value is None or (isinstance(value, float) and pd.isna(value)) or str(value).strip() == ""
    )


def selector_values(layer: str, selector: str | None) -> list[str] | None:
    """The values an item's filter admits (None: the whole layer). Hazard risk levels may
    be written as ranges: '1-2;4' → ['1', '2', '4']."""
    if _blank(selector) or LAYERS[layer][1] is None:
        return None
    values: list[str] = []
    for part in re.split(r"[;；,，、\s]+", str(selector).strip()):
        if not part:
            continue
        span = re.fullmatch(r"(\d+)\s*[-–~]\s*(\d+)", part) if layer == "hazards" else None
        if span:
            values += [str(n) for n in range(int(span[1]), int(span[2]) + 1)]
        else:
            values.append(part)
    return values


def parse(frame: pd.DataFrame, file: str) -> pd.DataFrame:
    """The items of a list as read from `file` (one row per item, headers in Chinese or
    English) → ITEM_COLUMNS; a row that cannot be used raises one InputError naming the
    file, row and field (the list is configuration: it is taken whole or not at all)."""
    lookup = {_norm(alias): name for name, aliases in COLUMNS.items() for alias in (name, *aliases)}
    rename = {h: lookup[_norm(h)] for h in frame.columns if _norm(h) in lookup}
    frame = frame.rename(columns=rename)
    for name in REQUIRED:
        if name not in frame.columns:
            raise InputError(
                f"the item list has no {name} column ({'/'.join(COLUMNS[name])})",
                file=file,
                field=name,
            )
    rows, seen = [], set()
    for i, record in enumerate(frame.to_dict("records"), start=1):
        if all(_blank(record.get(c)) for c in REQUIRED):
            continue  # an empty line
        for name in REQUIRED:
            if _blank(record.get(name)):
                raise InputError(f"{name} is empty", file=file, row=i, field=name)
        code = str(record["code"]).strip()
        if code in seen:
            raise InputError(f"item code {code} appears twice", file=file, row=i, field="code")
        seen.add(code)
        layer = _LAYER_WORDS.get(_norm(record["layer"]))
        if layer is None:
            raise InputError(
                f"unknown layer {record['layer']!r} (use {', '.join(LAYERS)})",
                file=file,
                row=i,
                field="layer",
            )
        frequency = _FREQUENCY_WORDS.get(_norm(record["frequency"]))
        if frequency is None:
            raise InputError(
                f"unknown frequency {record['frequency']!r} "
                f"(use {', '.join(k for k in _FREQUENCY_WORDS if not k.isascii())})",
                file=file,
                row=i,
                field="frequency",
            )
        minutes = pd.to_numeric(pd.Series([record["minutes"]]), errors="coerce").iloc[0]
        if pd.isna(minutes) or minutes < 0:
            raise InputError(
                f"minutes must be a number ≥ 0, not {record['minutes']!r}",
                file=file,
                row=i,
                field="minutes",
            )
        selector = None if _blank(record.get("selector")) else str(record["selector"]).strip()
        if layer == "hazards" and selector is not None:
            bad = [v for v in selector_values(layer, selector) if v not in {"1", "2", "3", "4"}]
            if bad:
                raise InputError(
                    f"hazard risk levels are 1–4, not {', '.join(bad)}",
                    file=file,
                    row=i,
                    field="selector",
                )
        rows.append(
            {
                "code": code,
                "name": str(record["name"]).strip(),
                "department": None
                if _blank(record.get("department"))
                else str(record["department"]).strip(),
                "layer": layer,
                "selector": selector,
                "frequency": frequency,
                "per_year": float(FREQUENCIES[frequency]),
                "minutes": float(minutes),
                "note": None if _blank(record.get("note")) else str(record["note"]).strip(),
            }
        )
    if not rows:
        raise InputError("the item list is empty", file=file)
    return pd.DataFrame(rows, columns=list(ITEM_COLUMNS))

"""Departments whose service areas grids are aligned with (公安, 城管, 应急, 市政…).

One home for the department vocabulary: the canonical codes, their Chinese labels and
the words real files use for them. A department written in none of these words is kept
as its own text (a value outside a vocabulary is data, not a reason to reject a row).
"""

from __future__ import annotations

#: canonical code → Chinese label
DEPARTMENTS: dict[str, str] = {
    "police": "公安",
    "urban_management": "城管",
    "emergency": "应急管理",
    "municipal": "市政",
}

_ALIASES: dict[str, str] = {
    **{code: code for code in DEPARTMENTS},
    **{label: code for code, label in DEPARTMENTS.items()},
    **{
        w: "police"
        for w in ("公安局", "公安分局", "派出所", "派出所辖区", "警务区", "警务", "警察")
    },
    **{
        w: "urban_management"
        for w in ("城市管理", "城管局", "城管执法", "综合执法", "urban management")
    },
    **{w: "emergency" for w in ("应急", "应急局", "应急管理局", "消防", "emergency management")},
    **{w: "municipal" for w in ("市政局", "住建", "市政公用")},
}


def canonical(value: str | None) -> str | None:
    """The canonical code of a department as written in a file or on the command line
    (e.g. '派出所' → 'police'); unknown text comes back stripped, blank as None."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    return _ALIASES.get(text, _ALIASES.get(text.lower(), text))


def label(code: str) -> str:
    """The Chinese label of a department code (the code itself when unknown)."""
    return DEPARTMENTS.get(code, code)

"""Hazard sources (危险源) → hazards, upserted by source key. 类别 and 风险等级 (重大/较大/一般/低
→ 4…1) are coded by their vocabularies (geo.vocab), the raw text kept."""

from __future__ import annotations

from etl.loaders import points
from etl.loaders.plan import Plan
from etl.loaders.rows import Rows


def prepare(rows: Rows) -> Plan:
    """Validate hazard rows and lay out their hazards columns."""
    key = rows.key()
    points.locate(rows)
    columns = [
        key,
        rows.text("name"),
        *rows.coded("category"),
        *rows.coded("risk_level"),
        rows.text("address"),
        rows.text("unit_code"),
        rows.date("last_inspected_at"),
        points.geometry_column(rows),
    ]
    return Plan("hazards", columns, ["source_key"], key)

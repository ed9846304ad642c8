"""Departments' units (派出所辖区, 警务区, 城管片区 …) → jurisdictions, upserted by
(department, code).

The department is written in the file (部门 公安 / 派出所 / police …) and stored as its
canonical code (geo.departments); a department outside that vocabulary is kept as its
own text. Two rows are the same unit when department and code agree.
"""

from __future__ import annotations

from etl.loaders import polygons
from etl.loaders.plan import Plan
from etl.loaders.rows import Rows
from geo.db.copy import Column
from geo.departments import canonical


def prepare(rows: Rows) -> Plan:
    """Validate unit rows and lay out their jurisdictions columns."""
    code = rows.key()
    polygons.shape(rows)
    department = rows.text("department")
    department.values = department.values.map(canonical, na_action="ignore").astype("string")
    same_unit = Column("code", "text", department.values + "\x1f" + code.values)
    columns = [code, department, rows.text("name"), polygons.geometry_column(rows)]
    return Plan("jurisdictions", columns, ["department", "code"], same_unit)

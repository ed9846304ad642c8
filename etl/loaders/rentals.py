"""Rental housing (出租房屋) → rentals, upserted by source key (房屋编号).

Landlord name, phone and ID number are personal: pseudonymised before staging (see
etl.personal); this module only maps them.
"""

from __future__ import annotations

from etl.loaders import points
from etl.loaders.plan import Plan
from etl.loaders.rows import Rows


def prepare(rows: Rows) -> Plan:
    """Validate rental rows and lay out their rentals columns."""
    key = rows.key()
    points.locate(rows)
    columns = [
        key,
        rows.text("address"),
        rows.integer("rooms"),
        rows.integer("tenants"),
        rows.text("landlord"),
        rows.text("landlord_phone"),
        rows.text("landlord_id_no"),
        rows.date("last_inspected_at"),
        points.geometry_column(rows),
    ]
    return Plan("rentals", columns, ["source_key"], key)

"""Key sites (schools, hospitals, stations …) → key_sites: 类型 学校→school, 医院→hospital …"""

from __future__ import annotations

from etl.loaders import points
from etl.loaders.plan import Plan
from etl.loaders.rows import Rows


def prepare(rows: Rows) -> Plan:
    """Validate key-site rows and lay out their key_sites columns."""
    return points.named_sites(rows, "key_sites")

"""Public-safety facilities → facilities: 类型 派出所/应急避难场所/人民调解室/视频监控 → kind."""

from __future__ import annotations

from etl.loaders import points
from etl.loaders.plan import Plan
from etl.loaders.rows import Rows


def prepare(rows: Rows) -> Plan:
    """Validate facility rows and lay out their facilities columns."""
    return points.named_sites(rows, "facilities")

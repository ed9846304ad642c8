"""Police incidents (警情) → incidents, upserted by 警情编号, with their H3 cell.

The H3 cell is computed at load at settings().h3_res (vectorised, geo.hexes.cells) and
stored as signed BIGINT: the uint64 index reinterpreted as int64, bit for bit.
"""

from __future__ import annotations

import numpy as np

from etl.copy import Column
from etl.loaders import points
from etl.loaders.plan import Plan
from etl.loaders.rows import Rows
from geo.config import settings


def h3_column(rows: Rows) -> Column:
    """H3 cells of the rows still valid (0 elsewhere), as int64."""
    from geo.hexes import cells

    out = np.zeros(rows.n, dtype=np.int64)
    ok = rows.verdict.ok
    if ok.any():
        out[ok] = np.asarray(cells(rows.lon[ok], rows.lat[ok], settings().h3_res),
                             dtype=np.uint64).view(np.int64)
    return Column("h3", "int8", out)


def prepare(rows: Rows) -> Plan:
    """Validate incident rows and lay out their incidents columns."""
    key = rows.key()
    points.locate(rows)
    columns = [key, rows.timestamp("occurred_at"), rows.text("category"), rows.text("subcategory"),
               rows.text("disposition"), rows.text("address"), rows.text("reporter"),
               rows.text("reporter_phone"), points.geometry_column(rows)]
    columns.append(h3_column(rows))
    # incidents are partitioned by month: the unique key holds occurred_at (etl.copy.upsert)
    return Plan("incidents", columns, ["source_key", "occurred_at"], key,
                partition_by="occurred_at")

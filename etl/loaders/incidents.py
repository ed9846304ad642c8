"""Police incidents (警情) → incidents, upserted by 警情编号, with their H3 cell.

The H3 cell is computed at load at settings().h3_res (vectorised, geo.hexes.cells) and
stored as signed BIGINT: the uint64 index reinterpreted as int64, bit for bit. The
category is stored as its top level (大类, by 警情细类 when that is known, else by 警情类别;
未分类 when neither is), with the finest code in category_code and 警情类别 as loaded in
category_raw.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from etl.loaders import points
from etl.loaders.plan import Plan
from etl.loaders.rows import Rows
from geo.config import settings
from geo.db.copy import Column
from geo.hexes import cells


def h3_column(lon: np.ndarray, lat: np.ndarray, usable: np.ndarray) -> Column:
    """H3 cells of the `usable` points (0 elsewhere), as int64."""
    out = np.zeros(len(lon), dtype=np.int64)
    if usable.any():
        out[usable] = np.asarray(
            cells(lon[usable], lat[usable], settings().h3_res), dtype=np.uint64
        ).view(np.int64)
    return Column("h3", "int8", out)


def prepare(rows: Rows) -> Plan:
    """Validate incident rows and lay out their incidents columns.

    The H3 cells of the rows whose position passed are computed on a second thread
    (h3ronpy releases the GIL) while the times and texts are checked; rows those checks
    reject then carry a cell that is never written.
    """
    key = rows.key()
    points.locate(rows)
    with ThreadPoolExecutor(max_workers=1) as pool:
        h3 = pool.submit(h3_column, rows.lon, rows.lat, rows.verdict.ok.copy())
        columns = [
            key,
            rows.timestamp("occurred_at"),
            *rows.coded(
                "category", also="subcategory", stores="top_name", code_column="category_code"
            ),
            rows.text("subcategory"),
            rows.text("disposition"),
            rows.text("address"),
            rows.text("reporter"),
            rows.text("reporter_phone"),
            points.geometry_column(rows),
            h3.result(),
        ]
    # incidents are partitioned by month: the unique key holds occurred_at (geo.db.copy.upsert)
    return Plan(
        "incidents", columns, ["source_key", "occurred_at"], key, partition_by="occurred_at"
    )

"""An export's filters compiled to SQLAlchemy conditions on a table layer.

Every value is a bound parameter and every identifier comes from the table definition:
a filter on an unknown, personal, JSON or geometry column is refused. Days are local
(geo.localtime): --to includes its whole day.
"""

from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import Date, Text, cast, func, select
from sqlalchemy.dialects.postgresql import JSONB

from geo import localtime
from geo.db import tables as t
from geo.errors import InputError
from geo.export.catalogue import Filters, TableLayer
from geo.export.privacy import is_personal
from geo.vocab import store as vocab_store


def day_bounds(f: Filters) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[start, end) of the local days from `f.date_from` to `f.date_to` inclusive."""
    start = dt.datetime.combine(f.date_from, dt.time(), localtime.TZ) if f.date_from else None
    end = (
        dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time(), localtime.TZ)
        if f.date_to
        else None
    )
    return start, end


def table_conditions(spec: TableLayer, name: str, f: Filters, district: str | None = None) -> list:
    """Conditions of filters `f` on table layer `name`; `district` is the code of the
    district `f.where["district"]` names (resolved by the store)."""
    table = spec.table
    conds = []
    for key, value in f.where.items():
        if key == "district":
            a = t.admin_units
            conds.append(
                select(a.c.id)
                .where(
                    a.c.level == "district",
                    a.c.code == district,
                    func.ST_Intersects(a.c.geom, func.ST_PointOnSurface(table.c.geom)),
                )
                .exists()
            )
        elif (
            key in table.c
            and not is_personal(key)
            and not isinstance(table.c[key].type, JSONB | Geometry)
        ):
            col = table.c[key]  # text compared as is (indexes apply), others by their text
            conds.append((col if isinstance(col.type, Text) else cast(col, Text)) == str(value))
        else:
            raise InputError(f"layer {name} cannot be filtered by {key!r}", field=key)
    if f.date_from or f.date_to:
        if spec.date_column is None:
            raise InputError(f"layer {name} has no date to filter by --from/--to", field="from")
        col = table.c[spec.date_column]
        start, end = day_bounds(f)
        if isinstance(col.type, Date):
            start, end = (start and start.date()), (end and end.date())
        if start is not None:
            conds.append(col >= start)
        if end is not None:
            conds.append(col < end)
    if f.category:
        if spec.category_column is None:
            raise InputError(f"layer {name} has no category", field="category")
        # either level: a 大类 or 细类 by code, name or alias (geo.vocab)
        conds.append(vocab_store.matches(table, spec.category_column, list(f.category)))
    return conds

"""The log of past exports (newest first), for the CLI and the dashboard's Export page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from geo.db.engine import get_engine
from geo.db.tables import export_log


def history(limit: int = 100, engine: Engine | None = None) -> list[dict[str, Any]]:
    """The last `limit` rows of export_log as dicts (id, layer, version, filters, format,
    encoding, crs, rows, files, path, username, created_at)."""
    with (engine or get_engine()).connect() as conn:
        rows = (
            conn.execute(select(export_log).order_by(export_log.c.id.desc()).limit(int(limit)))
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]

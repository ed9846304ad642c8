"""The audit log: logins, exports, grid filings and version changes, append-only in PostGIS."""

from __future__ import annotations

import getpass
import os
from typing import Any

from sqlalchemy import Connection, Engine, insert

from geo.db.tables import audit_log


def current_user() -> str:
    """Who acts: $CIVICGRID_USER (set by the dashboard per request) or the OS user."""
    try:
        return os.environ.get("CIVICGRID_USER") or getpass.getuser()
    except Exception:  # no passwd entry (containers)
        return "unknown"


def record(conn: Connection | Engine, action: str, detail: dict[str, Any] | None = None,
           username: str | None = None) -> None:
    """Append one audit row; inside the caller's transaction when given a Connection."""
    stmt = insert(audit_log).values(action=action, detail=detail or {}, username=username or current_user())
    if isinstance(conn, Engine):
        with conn.begin() as c:
            c.execute(stmt)
    else:
        conn.execute(stmt)

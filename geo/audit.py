"""The audit log: sign-ins, user changes, loads, exports, filings and version changes,
append-only in PostGIS and chained by hash (`geo.audit_chain`, migration 0006).

The actor is the signed-in user when the dashboard records (it passes `username`), else
the operating-system user running the command — never an environment variable, which
anyone could set.
"""

from __future__ import annotations

import datetime as dt
import os
import pwd
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, insert, text

from geo.audit_chain import Row
from geo.db.tables import audit_log


def current_user() -> str:
    """The operating-system user running this process (by uid, not by $USER)."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # no passwd entry (containers)
        return f"uid:{uid}"


def record(
    conn: Connection | Engine,
    action: str,
    detail: dict[str, Any] | None = None,
    username: str | None = None,
) -> None:
    """Append one audit row; inside the caller's transaction when given a Connection.

    The chain's trigger makes concurrent writers queue from this insert until their
    transaction ends, so record at the end of a transaction, not at the start of a long one.
    """
    stmt = insert(audit_log).values(
        action=action, detail=detail or {}, username=username or current_user()
    )
    if isinstance(conn, Engine):
        with conn.begin() as c:
            c.execute(stmt)
    else:
        conn.execute(stmt)


_ROWS = text("""SELECT id, at, username, action, detail::text AS detail, prev_hash, hash
                FROM audit_log WHERE at >= coalesce(CAST(:since AS timestamptz), '-infinity')
                ORDER BY id""")


def rows(engine: Engine, since: dt.datetime | None = None) -> Iterator[Row]:
    """The audit rows in id order (from `since` when given), streamed."""
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=10_000).execute(
            _ROWS, {"since": since}
        )
        for r in result:
            yield Row(**r._mapping)


def head(engine: Engine) -> tuple[int, str]:
    """The chain's last (id, hash) as the trigger recorded it."""
    with engine.connect() as conn:
        last_id, last_hash = conn.execute(text("SELECT last_id, last_hash FROM audit_chain")).one()
    return int(last_id), last_hash

"""Failed sign-ins in PostGIS, counted in moving windows (the dashboard's throttle,
dashboards.throttle, keeps its counts here so that every worker process shares them).

Times are seconds since the epoch, given by the caller; a key names one limit and
whom it counts (an account, an address or both). Rows older than KEEP_SECONDS go as
new ones come.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete, func, insert, select, text

from geo.db.tables import sign_in_failures as failures

#: longer than any throttle window
KEEP_SECONDS = 86_400


def add(engine: Engine, key: str, limit: int, window: float, now: float, amount: int = 1) -> bool:
    """Record `amount` failures under `key` unless that makes more than `limit` within
    the last `window` seconds (then False, nothing recorded). One key at a time."""
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
        conn.execute(delete(failures).where(failures.c.at < now - KEEP_SECONDS))
        held = conn.execute(
            select(func.count()).where(failures.c.key == key, failures.c.at >= now - window)
        ).scalar_one()
        if held + amount > limit:
            return False
        conn.execute(insert(failures), [{"key": key, "at": now}] * amount)
    return True


def window(engine: Engine, key: str, window: float, now: float) -> tuple[float, int]:
    """(time of the oldest failure within the last `window` seconds, or `now`; how many)."""
    with engine.connect() as conn:
        oldest, count = conn.execute(
            select(func.min(failures.c.at), func.count()).where(
                failures.c.key == key, failures.c.at >= now - window
            )
        ).one()
    return (oldest if count else now), count


def forget(engine: Engine, key: str | None = None) -> None:
    """Drop the failures under `key` (every key when None)."""
    stmt = delete(failures) if key is None else delete(failures).where(failures.c.key == key)
    with engine.begin() as conn:
        conn.execute(stmt)

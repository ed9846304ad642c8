"""The audit trail's hash chain, recomputed independently of the database.

Each `audit_log` row carries `hash` = SHA-256 of the previous row's hash followed by
its fields (id, time in UTC to the microsecond, user, action, detail as PostgreSQL's
canonical jsonb text), each written as `<octets>:<text>` (a NULL as `-1:`) so no two
rows hash alike by shifting text between fields. The first row follows `GENESIS`. The
trigger of migration 0006 computes the same in SQL when a row is inserted; `check`
walks the rows in id order and names the first one whose hash, or whose link to the
row before it, does not hold.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = "0" * 64


@dataclass(frozen=True)
class Row:
    id: int
    at: dt.datetime
    username: str | None
    action: str
    detail: str  # jsonb as text
    prev_hash: str | None
    hash: str | None


@dataclass(frozen=True)
class Problem:
    id: int | None
    reason: str


def _field(value: str | None) -> str:
    if value is None:
        return "-1:"
    return f"{len(value.encode())}:{value}"


def row_hash(
    prev: str, id: int, at: dt.datetime, username: str | None, action: str, detail: str
) -> str:
    """The hash a row must carry, given the hash of the row before it."""
    stamp = at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    text = prev + "".join(_field(f) for f in (str(id), stamp, username, action, detail))
    return hashlib.sha256(text.encode()).hexdigest()


def check(rows: Iterable[Row], head: tuple[int, str] | None) -> tuple[int, Problem | None]:
    """(rows checked, the first problem or None). `rows` in id order; `head` the chain's
    last (id, hash) as the trigger recorded it, which tells a removed last row."""
    prev, last, n = GENESIS, None, 0
    for row in rows:
        n += 1
        if row.prev_hash != prev:
            where = f"after row {last.id}" if last else "at the start"
            return n, Problem(
                row.id,
                f"row {row.id} does not follow the row before it ({where}): "
                "a row was removed or inserted out of order",
            )
        if row.hash != row_hash(prev, row.id, row.at, row.username, row.action, row.detail):
            return n, Problem(
                row.id, f"row {row.id} was changed: its content does not match its hash"
            )
        prev, last = row.hash, row
    if head is not None and head != ((last.id, last.hash) if last else (0, GENESIS)):
        return n, Problem(
            head[0],
            f"the trail ends at row {last.id if last else 0} but the chain "
            f"recorded row {head[0]}: rows at its end were removed",
        )
    return n, None

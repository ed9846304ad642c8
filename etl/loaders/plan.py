"""What a kind loader hands to the writer: target table, staged columns, upsert key."""

from __future__ import annotations

from dataclasses import dataclass, field

from geo.db.copy import Column


@dataclass
class Plan:
    """Columns to stage (over all rows; the writer keeps the loaded ones) and how to upsert."""

    table: str
    columns: list[Column]
    conflict: list[str]
    key: Column  # the source key, for duplicate detection
    constants: dict[str, object] = field(default_factory=dict)
    #: the partition column when the table is partitioned (its months are created first)
    partition_by: str | None = None

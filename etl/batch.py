"""Provenance and idempotence: one `load_batches` row per (kind, file content, grid version).

The content hash covers a shapefile's companions too (.shp .shx .dbf .prj .cpg), so a
changed .dbf is a changed file. Two loads of the same content at the same time serialise
on a transaction-level advisory lock keyed by the hash; the second then finds the first's
batch and changes nothing (the unique constraint uq_load_batches_file backs this up).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import psycopg

_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def content_files(path: Path) -> list[Path]:
    """The files whose bytes make up `path`'s content (a shapefile's companions included)."""
    if path.suffix.lower() != ".shp":
        return [path]
    files = []
    for suffix in _PARTS:
        for candidate in (path.with_suffix(suffix), path.with_suffix(suffix.upper())):
            if candidate.exists():
                files.append(candidate)
                break
    return files


def file_sha256(path: Path) -> tuple[str, int]:
    """(hex SHA-256 over the content files in order, total size in bytes)."""
    digest, size = hashlib.sha256(), 0
    for part in content_files(path):
        with part.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    return digest.hexdigest(), size


def lock(conn: psycopg.Connection, kind: str, sha: str, grid_version: str | None) -> None:
    """Hold a transaction-level advisory lock on this (kind, content, version)."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
        (f"{kind}|{sha}|{grid_version or ''}",),
    )


def existing(
    conn: psycopg.Connection, kind: str, sha: str, grid_version: str | None
) -> dict | None:
    """The finished batch that already loaded this content, if any."""
    row = conn.execute(
        """SELECT id, read, loaded, rejected, duplicates, repaired, encoding, source_crs,
                  personal_columns, warnings, options
           FROM load_batches WHERE kind = %s AND file_sha256 = %s
           AND grid_version IS NOT DISTINCT FROM %s""",
        (kind, sha, grid_version),
    ).fetchone()
    if row is None:
        return None
    keys = (
        "batch_id",
        "read",
        "loaded",
        "rejected",
        "duplicates",
        "repaired",
        "encoding",
        "crs",
        "personal_columns",
        "warnings",
        "options",
    )
    return dict(zip(keys, row, strict=True))


def create(
    conn: psycopg.Connection,
    *,
    kind: str,
    path: Path,
    sha: str,
    size: int,
    source_format: str,
    crs: str | None,
    encoding: str | None,
    grid_version: str | None,
    options: dict,
) -> int:
    """Insert the batch row (counts filled in by `finish`) and return its id."""
    return conn.execute(
        """INSERT INTO load_batches (kind, file_name, file_sha256, file_size, source_format,
               source_crs, encoding, grid_version, options)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb) RETURNING id""",
        (
            kind,
            path.name,
            sha,
            size,
            source_format,
            crs,
            encoding,
            grid_version,
            json.dumps(options, ensure_ascii=False),
        ),
    ).fetchone()[0]


def finish(
    conn: psycopg.Connection, batch_id: int, counts: dict, personal: list[str], warnings: list[str]
) -> None:
    """Record the counts, the personal columns treated and the warnings; stamp the end."""
    conn.execute(
        """UPDATE load_batches SET read = %s, loaded = %s, rejected = %s, duplicates = %s,
               repaired = %s, personal_columns = %s::jsonb, warnings = %s::jsonb,
               finished_at = now()
           WHERE id = %s""",
        (
            counts["read"],
            counts["loaded"],
            counts["rejected"],
            counts["duplicates"],
            counts["repaired"],
            json.dumps(personal, ensure_ascii=False),
            json.dumps(warnings, ensure_ascii=False),
            batch_id,
        ),
    )

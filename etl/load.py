"""`load(kind, path)`: one file into its table, in one transaction, nothing lost.

read → map columns → choose CRS → treat personal data → validate (kind loader) →
set duplicates aside → binary COPY into staging → upsert by source key → rejects and
batch row → commit → report. Re-loading the same content returns the earlier batch
(`status: already_loaded`) and changes nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql

from etl import batch, coords, memory, personal, readers, report
from etl.columns import KINDS, SCHEMAS, Mapping, map_columns
from etl.exchange import drop_leftovers, exchange_insert
from etl.loaders import (
    boundaries,
    facilities,
    grids,
    hazards,
    incidents,
    jurisdictions,
    key_sites,
    polygons,
    rentals,
)
from etl.loaders.rows import Context, Rows
from etl.validate import clean_text, repeated_keys, repeating
from geo.db import partitions
from geo.db.copy import Column, bulk_insert, constant, copy_rows, is_empty, stage, upsert
from geo.db.engine import libpq_dsn
from geo.errors import DatabaseError, InputError, database_said
from geo.privacy.store import pii_key
from geo.vocab import store as vocab_store

LOADERS = {
    "boundaries": boundaries,
    "grids": grids,
    "hazards": hazards,
    "rentals": rentals,
    "incidents": incidents,
    "facilities": facilities,
    "key-sites": key_sites,
    "jurisdictions": jurisdictions,
}
#: from this many rows, a load into an empty table goes the bulk way (indexes rebuilt)
BULK_ROWS = 50_000
Progress = Callable[[str, int | None], None]  # (phase or "rows", total or rows done)


def _connect(url: str | None) -> psycopg.Connection:
    try:
        return psycopg.connect(libpq_dsn(url))
    except psycopg.OperationalError as exc:
        raise DatabaseError(
            f"cannot reach the database: {database_said(exc)} (is it up? `civicgrid db up`)"
        ) from exc


def read_context(conn: psycopg.Connection, kind: str) -> Context:
    """City outline and known division codes, as validation needs them."""
    codes = dict(conn.execute("SELECT code, level FROM admin_units").fetchall())
    wkb = conn.execute(
        "SELECT ST_AsBinary(ST_Union(geom)) FROM admin_units WHERE level IN ('city', 'district')"
    ).fetchone()[0]
    city = shapely.from_wkb(bytes(wkb)) if wkb is not None else None
    vocabs = {f.vocab for f in SCHEMAS[kind].fields if f.vocab}
    return Context(
        city=city,
        admin_codes=codes,
        has_communities="community" in codes.values(),
        vocab={v: vocab_store.lookup(conn, v) for v in vocabs},
    )


def _substitute(
    plan_columns: list[Column],
    mapping: Mapping,
    frame: pd.DataFrame,
    found: list[personal.Found],
    masked: dict[str, dict[str, int]],
    how: str,
) -> None:
    """Stage the treated values of schema fields: pseudonyms (or nothing) for personal
    ones, the masked text for free text in which something was masked."""
    treated = {f.column for f in found} if how != "keep" else set()
    for column in plan_columns:
        header = mapping.fields.get(column.name)
        if header in treated:
            column.values = frame[header]  # pseudonyms (clean) or None
        elif header in masked:
            column.values = clean_text(frame[header])


def _json_lines(frame: pd.DataFrame) -> list[str]:
    """One JSON object per row (keys: the file's headers), Chinese kept readable."""
    if frame.shape[1] == 0 or len(frame) == 0:
        return ["{}"] * len(frame)
    text = frame.reset_index(drop=True).to_json(
        orient="records", lines=True, force_ascii=False, date_format="iso", default_handler=str
    )
    return text.splitlines() if text else []


def _row_hashes(source: readers.Source, idx: np.ndarray) -> np.ndarray:
    """A hash of each row's content as read (attributes and geometry)."""
    part = source.frame.iloc[idx].astype("string").reset_index(drop=True)
    if source.geometry is not None:
        part["__geometry"] = pd.Series(
            shapely.to_wkb(source.geometry[idx], hex=True), dtype="string"
        )
    return pd.util.hash_pandas_object(part, index=False).to_numpy()


def _rejects(rows: Rows, source: readers.Source, frame: pd.DataFrame) -> pd.DataFrame:
    """row_number, field, reason, raw JSON for every row not loaded."""
    idx = np.flatnonzero(~rows.verdict.ok)
    raw_frame = frame.iloc[idx]
    if source.geometry is not None and len(idx):
        wkt = shapely.to_wkt(source.geometry[idx], rounding_precision=7)
        raw_frame = raw_frame.assign(geometry=[None if w is None else w[:4000] for w in wkt])
    return pd.DataFrame(
        {
            "row_number": idx + 1,
            "field": rows.verdict.field[idx],
            "reason": rows.verdict.reasons()[idx],
            "raw": _json_lines(raw_frame),
        }
    )


def _write_rejects(conn: psycopg.Connection, batch_id: int, rejects: pd.DataFrame) -> None:
    n = len(rejects)
    if n == 0:
        return
    copy_rows(
        conn,
        "load_rejects",
        [
            constant("batch_id", "int8", batch_id, n),
            Column("row_number", "int4", rejects["row_number"].to_numpy()),
            Column("field", "text", rejects["field"]),
            Column("reason", "text", rejects["reason"]),
            Column("raw", "jsonb", rejects["raw"]),
        ],
        np.arange(n),
    )


def _already(
    conn: psycopg.Connection, old: dict, kind: str, path: Path, folder: Path, t0: float
) -> dict[str, Any]:
    csv = folder / f"{path.name}.rejects.csv"
    earlier = folder / "report.json"  # why each column was treated, as that load found it
    details = json.loads(earlier.read_text(encoding="utf-8")) if earlier.exists() else {}
    return {
        "status": "already_loaded",
        "batch_id": old["batch_id"],
        "kind": kind,
        "file": str(path),
        "read": old["read"],
        "loaded": old["loaded"],
        "rejected": old["rejected"],
        "duplicates": old["duplicates"],
        "repaired": old["repaired"],
        "inserted": 0,
        "updated": 0,
        "unchanged": old["loaded"],
        "encoding": old["encoding"],
        "crs": old["crs"],
        "personal_columns": old["personal_columns"],
        **{k: details[k] for k in ("personal", "masked") if k in details},
        "reasons": dict(
            conn.execute(
                "SELECT reason, count(*) FROM load_rejects WHERE batch_id = %s "
                "GROUP BY reason ORDER BY reason",
                (old["batch_id"],),
            ).fetchall()
        ),
        "warnings": [f"already loaded as batch {old['batch_id']}: nothing changed"],
        "rejects_csv": str(csv) if csv.exists() else None,
        "report_dir": str(folder),
        "seconds": round(time.perf_counter() - t0, 3),
    }


def load(kind: str, path: str | Path, **options: Any) -> dict[str, Any]:
    """Load one file of layer `kind`; returns the report (see etl.report.KEYS).

    Options: crs, encoding, grid_version, personal_mode (hash | drop | keep), header_row
    (CSV/XLSX: the 1-based row of the header, found when not given), url, progress. Raises InputError (nothing loaded) when the file is unusable and
    DatabaseError (nothing loaded) when the database fails or cannot be reached.
    """
    memory.reuse_freed_memory()
    try:
        return _load(kind, path, **options)
    except psycopg.Error as exc:
        raise DatabaseError(
            f"{Path(path).name}: database error, nothing loaded: {database_said(exc)}"
        ) from exc


def _load(
    kind: str,
    path: str | Path,
    *,
    crs: str | None = None,
    encoding: str | None = None,
    grid_version: str | None = None,
    personal_mode: str | None = None,
    header_row: int | None = None,
    url: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    t0 = time.perf_counter()
    say = progress or (lambda phase, n: None)
    if kind not in SCHEMAS:
        raise InputError(f"unknown kind {kind!r}; use one of: {' '.join(KINDS)}")
    if kind == "grids" and not grid_version:
        raise InputError("loading grids needs --grid-version NAME")
    if kind != "grids" and grid_version:
        raise InputError("--grid-version applies to grids only")
    path = Path(path)
    readers.format_of(path)
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    try:
        how = personal.mode(personal_mode)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    key = pii_key() if how == "hash" else None
    sha, size = batch.file_sha256(path)

    with _connect(url) as conn:
        batch.lock(conn, kind, sha, grid_version)
        old = batch.existing(conn, kind, sha, grid_version)
        if old is not None:
            result = _already(
                conn, old, kind, path, report.folder(conn.info.dbname, old["batch_id"]), t0
            )
            conn.rollback()
            return result

        say("read", None)
        marks = {"start": time.perf_counter()}
        source = readers.read(path, encoding, header_row)
        schema = SCHEMAS[kind]
        mapping = map_columns(list(source.frame.columns), schema)
        src_crs, crs_warnings = coords.choose(
            source.crs, crs, declared_is_default=source.crs_is_default, file=str(path)
        )
        found = personal.find(source.frame, mapping, schema)
        texts = personal.free_text(source.frame, mapping, schema, found)
        extra = [
            h
            for h in mapping.extra
            if how != "drop" or h not in {f.column for f in found if f.field is None}
        ]
        rows = Rows(
            schema,
            source.frame,
            mapping,
            src_crs,
            read_context(conn, kind),
            geometry=source.geometry,
        )
        rows.warnings[:0] = [*source.warnings, *mapping.warnings, *crs_warnings]

        marks["read"] = time.perf_counter()
        say("validate", rows.n)
        # pseudonymising, masking and spotting repeated keys need no verdict: they run
        # beside validation (all in arrow, polars or NumPy, which release the GIL)
        with ThreadPoolExecutor(max_workers=2) as pool:
            treating = pool.submit(personal.treat, source.frame, found, texts, how, key)
            repeats = pool.submit(repeating, rows.col(schema.key))
            plan = LOADERS[kind].prepare(rows)
            copies, clashes = repeated_keys(
                plan.key.values,
                rows.verdict.ok,
                lambda idx: _row_hashes(source, idx),
                repeats.result(),
            )
            frame, masked = treating.result()
        rows.verdict.reject(clashes, "duplicate_key", schema.key)
        rows.verdict.reject(copies, "duplicate_row", schema.key)
        loaded_idx = np.flatnonzero(rows.verdict.ok)
        _substitute(plan.columns, mapping, frame, found, masked, how)

        if plan.partition_by:  # before this transaction writes: creating one locks the table
            times = np.asarray(next(c for c in plan.columns if c.name == plan.partition_by).values)
            partitions.ensure(libpq_dsn(url), partitions.months_of(times[loaded_idx]))
            # written in time order: COPY fills one partition after another, and the heap
            # comes out in time order for the BRIN index on occurred_at
            loaded_idx = loaded_idx[np.argsort(times[loaded_idx], kind="stable")]

        version_status = None
        constants: dict[str, object] = {}
        if kind == "grids":
            version_id, version_status, _ = grids.version(conn, grid_version)
            constants["version_id"] = version_id
        batch_id = batch.create(
            conn,
            kind=kind,
            path=path,
            sha=sha,
            size=size,
            source_format=source.format,
            crs=src_crs,
            encoding=source.encoding,
            grid_version=grid_version,
            options={
                "crs": crs,
                "encoding": encoding,
                "personal": how,
                "encoding_source": source.encoding_source,
            },
        )
        constants["batch_id"] = batch_id

        marks["validate"] = time.perf_counter()
        say("copy", len(loaded_idx))
        # one writer per table at a time (readers go on): the bulk/upsert choice stays true
        conn.execute(
            sql.SQL("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE").format(
                sql.Identifier(schema.table)
            )
        )
        if plan.partition_by:  # month tables a killed exchange left behind
            drop_leftovers(conn, schema.table)
        bulk = len(loaded_idx) >= BULK_ROWS and is_empty(conn, schema.table)
        # a file without extra columns leaves attributes to the column's default ('{}') on
        # the bulk ways; an upsert writes them, as a changed file may have dropped some
        attributes = (
            [Column("attributes", "jsonb", _json_lines(frame[extra]))] if extra or not bulk else []
        )
        columns = [
            *plan.columns,
            *attributes,
            *(constant(k, "int8", v, rows.n) for k, v in constants.items()),
        ]
        on_rows = lambda n: say("rows", n)  # noqa: E731
        if bulk and plan.partition_by:
            marks["rebuild"] = exchange_insert(
                conn, libpq_dsn(url), schema.table, columns, loaded_idx, times, batch_id, on_rows
            )
            inserted, updated, write_path = len(loaded_idx), 0, "exchange"
        elif bulk:
            marks["rebuild"] = bulk_insert(conn, schema.table, columns, loaded_idx, on_rows)
            inserted, updated, write_path = len(loaded_idx), 0, "bulk"
        else:
            stage(conn, "staged", schema.table, columns, loaded_idx, on_rows)
            say("upsert", None)
            inserted, updated = upsert(
                conn,
                schema.table,
                "staged",
                [c.name for c in columns],
                plan.conflict,
                unique=plan.key.name if plan.partition_by else None,
            )
            write_path = "upsert"

        marks["write"] = time.perf_counter()
        rejects = _rejects(rows, source, frame)
        _write_rejects(conn, batch_id, rejects)
        reasons = rows.verdict.counts()
        duplicates = reasons.get("duplicate_row", 0)
        counts = {
            "read": rows.n,
            "loaded": len(loaded_idx),
            "duplicates": duplicates,
            "rejected": int((~rows.verdict.ok).sum()) - duplicates,
            "repaired": 0 if rows.repaired is None else int(rows.repaired[loaded_idx].sum()),
        }
        if counts["read"] != counts["loaded"] + counts["rejected"] + counts["duplicates"]:
            raise RuntimeError(
                f"load invariant broken (read = loaded + rejected + duplicates): {counts}"
            )
        if rows.repaired is not None and (
            warning := polygons.repair_warning(rows.repaired, np.asarray(loaded_idx))
        ):
            rows.warnings.append(warning)
        if version_status is not None:
            rows.warnings.append(f"grid version {grid_version!r} is {version_status}")
        personal_cols = [f.field or f.column for f in found]
        batch.finish(conn, batch_id, counts, personal_cols, rows.warnings)
        conn.commit()
        database = conn.info.dbname

    rejects_csv = report.write_rejects(database, batch_id, path, rejects)
    unclassified = report.unclassified(database, batch_id, path, rows.unclassified, rows.verdict.ok)
    result = {
        "status": "loaded",
        "batch_id": batch_id,
        "kind": kind,
        "file": str(path),
        **counts,
        "inserted": inserted,
        "updated": updated,
        "unchanged": counts["loaded"] - inserted - updated,
        "encoding": source.encoding,
        "encoding_source": source.encoding_source,
        "crs": src_crs,
        "format": source.format,
        "personal_columns": personal_cols,
        "header_row": source.header_row,
        "header_rows": source.header_rows,
        "total_rows": source.total_rows,
        "personal_mode": how,
        "personal": [f.report(how) for f in found],
        "masked": [{"column": h, "total": sum(c.values()), **c} for h, c in masked.items()],
        "attributes_columns": extra,
        "reasons": reasons,
        "unclassified": unclassified,
        "warnings": rows.warnings,
        "rejects_csv": str(rejects_csv),
        "report_dir": str(report.folder(database, batch_id)),
        "file_sha256": sha,
        "seconds": round(time.perf_counter() - t0, 3),
        "timings": {
            **{
                k: round(marks[k] - marks[p], 3)
                for p, k in (("start", "read"), ("read", "validate"), ("validate", "write"))
            },
            "of_which_index_rebuild": round(marks.get("rebuild", 0.0), 3),
        },
        "write_path": write_path,
    }
    report.write_json(result)
    return result


__all__ = ["LOADERS", "load", "read_context"]

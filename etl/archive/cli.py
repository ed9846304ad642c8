"""`civicgrid sample --scale province --format parquet`: write the archive, report it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from etl.archive.writer import PROVINCE_ROWS, write
from geo.cli.output import console, report
from geo.errors import CivicgridError


def sample_archive(out: Path, seed: int, rows: int | None, as_json: bool) -> None:
    """Write the partitioned incident archive and print its summary (one JSON object with --json)."""
    started = time.perf_counter()
    try:
        manifest = write(out, rows=rows or PROVINCE_ROWS, seed=seed, jobs=os.cpu_count() or 1)
    except OSError as exc:
        raise CivicgridError(f"{out}: cannot write the archive ({exc.strerror or exc})") from exc
    summary = {
        "out": str(out.resolve()),
        "scale": "province",
        "format": "parquet",
        "seed": seed,
        "rows": manifest["rows"],
        "chunks": manifest["chunks"],
        "partitions": len(manifest["months"]),
        "seconds": round(time.perf_counter() - started, 2),
    }
    report(
        summary,
        as_json,
        lambda s: console.print(
            f"省级警情归档 / province archive → {s['out']}: {s['rows']:,} incidents, "
            f"{s['partitions']} month partitions, {s['seconds']:.1f} s"
        ),
    )

"""`civicgrid aggregate --archive DIR --engine local|dask`: count an archive into incident_counts."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine

from geo.config import settings
from geo.counts.archive import dask_engine, local
from geo.counts.archive.read import partitions
from geo.counts.archive.stage import copy_frame, create_stage, drop_stage, publish
from geo.counts.periods import PERIODS, check
from geo.counts.refresh import STORED_PERIOD, AggregateResult, kept_resolutions
from geo.db.engine import libpq_dsn


def aggregate_archive(
    engine: Engine,
    archive: Path | str,
    how: str = "dask",
    scheduler: str | None = None,
    resolutions: Iterable[int] | None = None,
    periods: Iterable[str] = PERIODS,
) -> dict:
    """Count the archive with the `local` or `dask` engine and publish it as incident_counts.

    Returns the fields of an AggregateResult (mode "full") plus engine, partitions,
    workers and seconds.
    """
    res, _ = check(kept_resolutions(resolutions), periods, settings().h3_res)
    per = [STORED_PERIOD]  # what incident_counts keeps
    n_parts = len(partitions(archive))
    started = time.perf_counter()
    stage = create_stage(engine)
    dsn = libpq_dsn(engine.url.render_as_string(hide_password=False))
    workers = 1
    try:
        if how == "dask":
            with dask_engine.client(scheduler) as client:
                workers = len(client.scheduler_info()["workers"])
                dask_engine.copy_counts(dask_engine.counts(archive, res, per), dsn, stage)
        else:
            local.stream(archive, res, per, lambda part: copy_frame(dsn, stage, part))
        rows, incidents = publish(engine, stage)
    except BaseException:
        drop_stage(engine, stage)
        raise
    result = AggregateResult(
        "full", f"archive {Path(archive).resolve()}", [], incidents, rows, res, per
    )
    return {
        **result.as_dict(),
        "engine": how,
        "partitions": n_parts,
        "workers": workers,
        "seconds": round(time.perf_counter() - started, 2),
    }

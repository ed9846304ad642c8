"""The Dask engine: one task per archive partition, a shuffled sum of weeks, COPY from the workers.

Each partition (a local month folder) is read and counted on a worker
(`geo.counts.cube.partition_counts`); its day and month counts are final, week counts are
summed by key with a hash shuffle, and every output partition is COPYed into the
stage table by the worker that holds it, so no full result ever passes through the
client. Archive paths must be readable by every worker (shared storage on a cluster).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import dask.dataframe as dd
import pandas as pd
from distributed import Client, LocalCluster

from geo.counts.archive.read import partitions, read
from geo.counts.archive.stage import copy_frame
from geo.counts.cube import KEYS, META, partition_counts, sum_counts
from geo.counts.periods import PERIODS
from geo.errors import CivicgridError

#: how long to try reaching a --scheduler
CONNECT_TIMEOUT = "10s"


def _count_files(
    files: tuple[str, ...], resolutions: tuple[int, ...], periods: tuple[str, ...]
) -> pd.DataFrame:
    return partition_counts(read(list(files)), resolutions, periods)


def counts(archive: Path | str, resolutions: Sequence[int], periods: Sequence[str]) -> dd.DataFrame:
    """Lazy counts of the whole archive, one row per key.

    Day and month rows are final per partition and stay where they were counted; only
    week rows (a week may span two month partitions) go through the shuffled sum.
    """
    parts = [tuple(files) for files in partitions(archive)]
    partial = dd.from_map(
        _count_files,
        parts,
        resolutions=tuple(resolutions),
        periods=tuple(periods),
        meta=META,
        enforce_metadata=False,
    )
    is_week = partial["period"] == PERIODS.index("week")
    weeks = (
        partial[is_week]
        .groupby(KEYS, sort=False)["count"]
        .sum(split_out=len(parts))
        .reset_index()
        .map_partitions(sum_counts, meta=META)
    )
    return dd.concat([partial[~is_week], weeks])


def copy_counts(summed: dd.DataFrame, dsn: str, stage: str) -> int:
    """COPY every output partition into the stage table from its worker; returns the rows."""
    rows = summed.map_partitions(
        lambda part: pd.Series([copy_frame(dsn, stage, part)]), meta=(None, "int64")
    )
    return int(rows.sum().compute())


def client(scheduler: str | None) -> Client:
    """A client of the scheduler at `scheduler`, or of a new LocalCluster (one process per core)."""
    if scheduler:
        try:
            return Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError) as exc:
            raise CivicgridError(f"cannot reach the Dask scheduler {scheduler} ({exc})") from exc
    cluster = LocalCluster(
        n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True, dashboard_address=None
    )
    return Client(cluster)

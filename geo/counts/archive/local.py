"""The single-process engine: an archive's partitions one after another in this process.

Day and month counts of a partition are final and handed on at once; only week counts
are kept until the end and summed, so memory holds one partition plus the weeks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from geo.counts.archive.read import partitions, read
from geo.counts.cube import KEYS, META, combine, partition_counts, split_complete


def stream(
    archive: Path | str,
    resolutions: Sequence[int],
    periods: Sequence[str],
    sink: Callable[[pd.DataFrame], object],
) -> None:
    """Pass the archive's counts to `sink` in pieces, each key exactly once."""
    weeks = []
    for files in partitions(archive):
        complete, week = split_complete(partition_counts(read(files), resolutions, periods))
        sink(complete)
        weeks.append(week)
    sink(combine(weeks))


def counts(archive: Path | str, resolutions: Sequence[int], periods: Sequence[str]) -> pd.DataFrame:
    """Counts of the whole archive in one frame, sorted by key."""
    pieces: list[pd.DataFrame] = []
    stream(archive, resolutions, periods, pieces.append)
    whole = pd.concat([META, *pieces], ignore_index=True).astype(META.dtypes.to_dict())
    return whole.sort_values(KEYS, ignore_index=True)

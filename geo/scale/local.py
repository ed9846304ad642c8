"""The single-process engine: an archive's partitions one after another in this process."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from geo.scale.archive import partitions, read
from geo.scale.counts import combine, partition_counts


def counts(archive: Path | str, resolutions: Sequence[int], periods: Sequence[str]) -> pd.DataFrame:
    """Counts of the whole archive (pyarrow + pandas per partition, summed at the end)."""
    return combine(partition_counts(read(files), resolutions, periods)
                   for files in partitions(archive))

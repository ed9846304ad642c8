"""Partitioned (Geo)Parquet incident archives: the province-scale input of `geo.counts.archive`.

`write(out, rows, seed)` draws incidents with the sample city's generator
(`etl.sample.incidents.generate`) chunk by chunk, each chunk from its own derived seed,
and writes them as hive partitions by local month (`month=2024-01/part-00000.parquet`).
Memory stays at one chunk whatever the total; the same seed gives the same files.
"""

from etl.archive.writer import write

__all__ = ["write"]

"""Incident counts from partitioned (Geo)Parquet archives, on one process or a Dask cluster.

The same cell × period × category counts as `geo.counts.refresh` (res-10 cell →
parents, days / ISO weeks / months in UTC+8, geo.localtime), computed per archive partition
(`geo.counts.cube.partition_counts`), combined by summing, and published into `incident_counts`
in one transaction (`stage`). `local.counts` runs partition by partition in this
process; `dask_engine.counts` runs the partitions on a Dask cluster.
"""

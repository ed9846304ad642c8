"""Incident counts per H3 cell × period × category: the one owner of `incident_counts`.

- `periods` — local days, ISO weeks, months and date windows (pure);
- `cube` — counting incidents in memory (pure NumPy/pandas), for rebuilds and archives;
- `refresh` — bringing the stored counts up to date with the incidents (`civicgrid aggregate`,
  and each `civicgrid load incidents` for its own batch);
- `store` — reading counts: per cell for a date range, per period, per category;
- `archive` — counting a partitioned Parquet archive on one process or a Dask cluster.

Hot spots, views, KPIs and the CLI read and refresh counts only through this package.
"""

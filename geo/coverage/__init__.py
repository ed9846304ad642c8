"""Coverage analysis: facility service areas, blind spots, new-site siting, inspections.

Pure cores (GeoDataFrames in, DataFrames out): `facilities`, `blind_spots`, `mclp`,
`inspections`, `zones`. PostGIS reads, the database-level entry points used by the CLI
and the dashboard, and result writing live in `store`.
"""

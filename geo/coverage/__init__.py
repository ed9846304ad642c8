"""Coverage analysis: facility service areas, blind spots, new-site siting, inspections.

Distances are straight lines in the city's metric CRS (EPSG:4549), not street distances.

Pure cores (GeoDataFrames in, DataFrames out):
- `facilities`: `covered`, `nearest_distance`, `coverage_shares` (city/district/town)
- `blind_spots`: `blind_spots` (uncovered cells ranked by incidents)
- `mclp`: `mclp` (exact via spopt + CBC, or greedy with its bound), `coverage_matrix`
- `inspections`: `inspected`, `inspection_shares` (city/grid/town), `overdue`
- `zones`: `assign`, `codes_of` (which polygon holds each point, STRtree)

`cells`: `study_cells`, `area_cells`, `candidate_res`, `incidents_per_cell` (the H3 study area).

`store` reads PostGIS and runs them: `facility_coverage`, `blind_spots`, `new_sites`,
`inspection_coverage`, `overdue`, `read_inputs` + `shares`/`uncovered`/`siting` (read
once, compute many), `save`, `latest_result`, `write_csv`. Grid workload lives in
`geo.grids.workload`.
"""

"""Coverage analysis: facility service areas, blind spots, new-site siting, inspections.

Distances are straight lines in the city's metric CRS (EPSG:4549), not street distances.

Pure cores (GeoDataFrames in, DataFrames out):
- `facilities`: `covered`, `nearest_distance`, `coverage_shares` (city/district/town)
- `blind_spots`: `blind_spots` (uncovered cells ranked by incidents)
- `mclp`: `mclp` (exact by HiGHS, or greedy with its bound), `coverage_matrix`
- `inspections`: `inspected`, `inspection_shares` (city/grid/town), `overdue`
- `zones`: `assign`, `codes_of` (which polygon holds each point, STRtree)

- `analysis`: `CoverageInputs` (layers read once) and the runs over them: `shares`,
  `uncovered`, `siting` (demand = the uncovered incidents as points; method and
  optimality gap reported)
`cells`: `study_cells`, `area_cells`, `candidate_res` (the H3 study area).

`store` does the I/O only: `read_inputs` and the layer readers (incidents per study
cell from `geo.counts`, the points only where distance matters), `data_as_of` (the one "as of" default: the data's latest date),
`save`, `latest_result`, `write_csv`, plus thin read-then-compute entry points
(`facility_coverage`, `blind_spots`, `new_sites`, `inspection_coverage`, `overdue`).
Grid workload lives in `geo.grids.workload`.
"""

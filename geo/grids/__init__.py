"""Grids (网格): topology check, version diff, versions, proposals and filing.

Pure functions (GeoDataFrames in WGS-84 in and out, areas in m² in the metric CRS):
- `check(grids, boundary, tolerance_m2=1.0, whole_towns=False)` — gaps, overlaps,
  invalid geometries, duplicate codes, grids crossing their community/town;
- `diff(old, new)` — unchanged / reshaped / split / merged / new / removed, with area
  and workload before/after;
- `geo.grids.propose.propose(grids, communities, …)` — a redraw of out-of-band communities.

On PostGIS: `versions` (draft → active → filed → retired), `store` (read/write grids,
analysis results), `workflow` (check_version, diff_versions, propose_version,
file_version), `filing` (the 备案 package; a version with open topology problems is
filed only with each accepted for a reason). Workload per grid: `workload`; how grids
are coded and named: `naming`.
The grid editor: `blocks` (units), `edit` (pure edits on a draft), `drafts` (their store).
"""

from geo.grids.check import check
from geo.grids.diff import diff

__all__ = ["check", "diff"]

"""A proposal on the small sample city, generated and loaded by the real ETL: every grid
ends in the household band, or the proposal says why not. (The commands themselves are
run as subprocesses in test_cli.py; here they are called in-process to keep this fast.)"""

from __future__ import annotations

import pytest
import shapely

from etl.load import load
from etl.sample import generate
from geo.grids import check, store, versions
from geo.grids.workflow import grid_workload, propose_version

LOADS = [
    ("boundaries", "boundaries/districts.shp", {}),
    ("boundaries", "boundaries/towns.shp", {}),
    ("boundaries", "boundaries/communities.shp", {}),
    ("grids", "grids/grids_2025.shp", {"grid_version": "2025"}),
    ("incidents", "incidents/incidents.csv", {"crs": "gcj02"}),
    ("rentals", "rentals/rentals.xlsx", {"crs": "bd09"}),
    ("hazards", "hazards/hazards.geojson", {}),
]


@pytest.mark.slow
def test_proposal_on_the_sample_city(clean_db, tmp_path):
    generate(tmp_path, seed=42, scale="small")
    for kind, path, options in LOADS:
        done = load(kind, tmp_path / path, **options)
        assert done["loaded"] > 0, (path, done)
    assert versions.in_force(clean_db).name == "2025"
    source = store.read_grids(clean_db, "2025")

    proposal, draft = propose_version(clean_db, "2025", "2026-draft")
    result = proposal.summary()
    assert result["communities"]["redrawn"] >= 1
    assert draft.status == "draft" and draft.grids == result["grids"]

    # the draft never touched the version in force
    assert versions.in_force(clean_db).name == "2025"
    assert store.read_grids(clean_db, "2025")["grid_code"].tolist() == source["grid_code"].tolist()

    new = grid_workload(clean_db, "2026-draft")
    explained = {c for item in result["unsatisfied"] for c in item["grid_codes"]}
    assert all(item["reason"] for item in result["unsatisfied"])
    lo, hi = result["bands"]["households"]
    for row in new.itertuples():
        in_band = lo <= row.households <= hi
        assert (
            in_band
            or row.grid_code in explained
            or row.grid_code in set(source.loc[source["kind"] == "special", "grid_code"])
        ), row.grid_code
    # households are moved between grids, never lost
    assert new["households"].sum() == source["households"].sum()
    # no sliver parts or holes (overlay dust) in any grid, measured with shapely in metres
    for code, geom in zip(new["grid_code"], new.to_crs("EPSG:4549").geometry, strict=True):
        assert sliver_rings(geom) == [], code
    # redrawing adds no topology problems of its own
    units = store.read_units(clean_db, ("town", "community"))
    before = check(source, units)["problem"].value_counts()
    after = check(new, units)["problem"].value_counts()
    for kind in ("overlap", "gap", "crosses_parent", "invalid"):
        assert after.get(kind, 0) <= before.get(kind, 0), kind


def sliver_rings(geom, tolerance_m2: float = 1.0) -> list[float]:
    """Areas (m², `geom` in metres) of the polygon parts and holes under the tolerance."""
    parts = list(getattr(geom, "geoms", [geom]))
    small = [p.area for p in parts if p.area < tolerance_m2] if len(parts) > 1 else []
    holes = [shapely.Polygon(r).area for p in parts for r in p.interiors]
    return small + [h for h in holes if h < tolerance_m2]

"""A proposal on the small sample city, loaded as a user would: every grid ends in the
household band, or the proposal says why not."""

from __future__ import annotations

import json

import pytest

from geo.grids import check, store, versions
from geo.grids.workflow import grid_workload

LOADS = [
    ("boundaries", "boundaries/districts.shp"),
    ("boundaries", "boundaries/towns.shp"),
    ("boundaries", "boundaries/communities.shp"),
    ("grids", "grids/grids_2025.shp", "--grid-version", "2025"),
    ("incidents", "incidents/incidents.csv", "--crs", "gcj02"),
    ("rentals", "rentals/rentals.xlsx", "--crs", "bd09"),
    ("hazards", "hazards/hazards.geojson"),
]


@pytest.mark.slow
def test_proposal_on_the_sample_city(cli, clean_db, tmp_path):
    made = cli("sample", "--out", str(tmp_path), "--scale", "small", "--json")
    assert made.returncode == 0, made.stderr
    for kind, path, *options in LOADS:
        done = cli("load", kind, str(tmp_path / path), *options, "--json")
        assert done.returncode == 0, f"load {path}: {done.stderr[-500:]}"
    assert versions.in_force(clean_db).name == "2025"
    source = store.read_grids(clean_db, "2025")

    done = cli("grids", "propose", "--from", "2025", "--name", "2026-draft", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["communities"]["redrawn"] >= 1

    # the draft never touched the version in force
    assert versions.in_force(clean_db).name == "2025"
    assert store.read_grids(clean_db, "2025")["grid_code"].tolist() == source["grid_code"].tolist()

    new = grid_workload(clean_db, "2026-draft")
    explained = {c for item in result["unsatisfied"] for c in item["grid_codes"]}
    assert all(item["reason"] for item in result["unsatisfied"])
    lo, hi = result["bands"]["households"]
    for row in new.itertuples():
        in_band = lo <= row.households <= hi
        assert in_band or row.grid_code in explained or row.grid_code in set(
            source.loc[source["kind"] == "专属", "grid_code"]), row.grid_code
    # households are moved between grids, never lost
    assert new["households"].sum() == source["households"].sum()
    # redrawing adds no topology problems of its own
    units = store.read_units(clean_db, ("town", "community"))
    before = check(source, units)["problem"].value_counts()
    after = check(new, units)["problem"].value_counts()
    for kind in ("overlap", "gap", "crosses_parent"):
        assert after.get(kind, 0) <= before.get(kind, 0), kind

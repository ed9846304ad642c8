"""The grid adjustment workflow on PostGIS: check, diff, propose and file a version.

Each step reads what it needs through `store`, calls the pure function, stores its
result (analysis_results kinds 'grid-check', 'grid-diff') or a new draft version, and
returns plain data for the CLI and the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine

from geo.config import settings
from geo.errors import InputError
from geo.grids import filing, store, versions
from geo.grids.check import check
from geo.grids.diff import diff
from geo.grids.propose import Proposal, propose
from geo.grids.workload import workload


@dataclass
class Layers:
    """The point layers a workload needs."""

    incidents: gpd.GeoDataFrame | None
    rentals: gpd.GeoDataFrame | None
    hazards: gpd.GeoDataFrame | None


def read_layers(engine: Engine) -> Layers:
    """Incidents of the last 12 months, rentals and hazards from PostGIS (WGS-84 points)."""
    return Layers(store.read_recent_incidents(engine), store.read_points(engine, "rentals"),
                  store.read_points(engine, "hazards", columns=("risk_level",)))


def grid_workload(engine: Engine, version: str, layers: Layers | None = None,
                  workload_band: tuple[float, float] | None = None) -> gpd.GeoDataFrame:
    """geo.grids.workload of `version`, with the grids' geometry (band: see workload())."""
    grids = store.read_grids(engine, version)
    layers = layers or read_layers(engine)
    table = workload(grids, layers.incidents, layers.rentals, layers.hazards,
                     workload_band=workload_band)
    out = gpd.GeoDataFrame(table, geometry=grids.geometry.to_numpy(), crs=grids.crs)
    out.attrs.update(table.attrs)
    return out


def workload_band(engine: Engine, v: versions.Version, layers: Layers,
                  given: tuple[float, float] | None = None
                  ) -> tuple[tuple[float, float] | None, dict[str, Any]]:
    """The workload band `v` is judged by, and where it comes from.

    In order: the band `given`; the configured one (settings().workload_band); for a
    draft, the band of the version it will replace (the version in force, else its
    parent), so a draft and the grids in force are measured with one ruler; else None
    (workload()'s mean ± 1.5 sd of the version's own grids).
    """
    if given is not None:
        return tuple(map(float, given)), {"source": "given"}
    if settings().workload_band is not None:
        return settings().workload_band, {"source": "configured"}
    if v.status == "draft":
        ref = versions.in_force(engine) or (versions.get(engine, v.parent) if v.parent else None)
        if ref is not None and ref.name != v.name:
            band = grid_workload(engine, ref.name, layers).attrs["workload_band"]
            return band, {"source": "version", "version": ref.name, "status": ref.status}
    return None, {"source": "own"}


def check_version(engine: Engine, version: str, tolerance_m2: float = 1.0,
                  whole_towns: bool = False,
                  band: tuple[float, float] | None = None) -> dict[str, Any]:
    """Topology problems + workload band flags of `version`, stored as 'grid-check'.

    The workload band is chosen by `workload_band` and reported with its source.
    """
    v = versions.get(engine, version)
    grids = store.read_grids(engine, version)
    problems = check(grids, store.read_units(engine, ("town", "community")), tolerance_m2,
                     whole_towns)
    layers = read_layers(engine)
    band, band_source = workload_band(engine, v, layers, band)
    load = grid_workload(engine, version, layers, band)
    flagged = load[load["flagged"]]
    band_rows = gpd.GeoDataFrame({
        "problem": "workload_band",
        "grid_codes": [[c] for c in flagged["grid_code"]],
        "unit_code": flagged["community_code"].to_numpy(),
        "area_m2": flagged.to_crs(settings().metric_crs).area.to_numpy(),
        "detail": [f"households {_num(r.households)} ({r.households_flag}), workload "
                   f"{r.workload:.0f} ({r.workload_flag})" for r in flagged.itertuples()],
    }, geometry=flagged.geometry.to_numpy(), crs=load.crs)
    features = pd.concat([problems, band_rows], ignore_index=True)
    # the names `grids file --accept ID=REASON` takes (band rows do not block a filing)
    features.insert(0, "id", filing.problem_ids(features))
    summary = {
        "version": v.name, "status": v.status, "grids": int(len(grids)),
        # every row of the table counted: topology problems and out-of-band grids
        "problems": {k: int(n) for k, n in features["problem"].value_counts().items()},
        "households_flag": {k: int(n) for k, n in load["households_flag"].value_counts().items()},
        "workload_flag": {k: int(n) for k, n in load["workload_flag"].value_counts().items()},
        "households_band": list(load.attrs["households_band"]),
        "workload_band": list(load.attrs["workload_band"]),
        "workload_band_source": band_source,
    }
    params = {"version": v.name, "tolerance_m2": tolerance_m2, "whole_towns": whole_towns,
              "as_of": load.attrs["as_of"]}
    result_id = store.save_result(engine, "grid-check", params, summary, features)
    return {**summary, "result_id": result_id, "items": _records(features)}


def diff_versions(engine: Engine, old: str, new: str) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Changes from `old` to `new` with workload before/after, stored as 'grid-diff'."""
    layers = read_layers(engine)
    before, after = grid_workload(engine, old, layers), grid_workload(engine, new, layers)
    changes = diff(before, after)
    summary = {"old": old, "new": new, "grids_before": int(len(before)),
               "grids_after": int(len(after)),
               "changes": {k: int(n) for k, n in changes["change"].value_counts().items()}}
    result_id = store.save_result(engine, "grid-diff", {"old": old, "new": new}, summary, changes)
    return changes, {**summary, "result_id": result_id}


def propose_version(engine: Engine, source: str, name: str, *, seed: int = 0,
                    note: str | None = None) -> tuple[Proposal, versions.Version]:
    """Propose new grids from `source` and save them as the draft version `name`."""
    src = versions.get(engine, source)
    if any(v.name == name for v in versions.list_versions(engine)):  # fail before the work
        raise InputError(f"grid version {name!r} already exists", field="name")
    grids = store.read_grids(engine, source)
    communities = store.read_units(engine, ("community",))
    layers = read_layers(engine)
    used = store.grid_codes(engine)
    proposal = propose(grids, communities, incidents=layers.incidents, rentals=layers.rentals,
                       hazards=layers.hazards, used_codes=used, seed=seed)
    summary = proposal.summary()
    params = {"source": src.name, "seed": seed, "bands": summary["bands"],
              "communities": summary["communities"], "unsatisfied": len(proposal.unsatisfied)}
    with engine.begin() as c:
        vid = versions.create(c, name, parent=src.name, params=params,
                              note=note or f"proposed from {src.name}")
        store.write_grids(c, vid, proposal.grids)
    return proposal, versions.get(engine, name)


#: problems listed in the refusal line before "…and N more"
SHOWN_PROBLEMS = 5


def file_version(engine: Engine, version: str, out: Path, *,
                 accept: dict[str, str] | None = None,
                 accept_all: str | None = None) -> dict[str, Any]:
    """Write the filing package of `version` into `out`, mark it filed, audit it.

    Refused (InputError, nothing written) while a topology problem of the version is
    open: each must be fixed or accepted with a reason — by its id in `accept`
    ({problem id: reason}, ids as filing.problem_ids names them) or all at once with
    `accept_all`. The accepted problems and reasons go into the package and the audit.
    """
    versions.refuse_filing(versions.get(engine, version))
    prev = versions.previous(engine, version)
    grids = store.read_grids(engine, version)
    boundary = store.read_units(engine, ("district", "town", "community"))
    problems = check(grids, boundary)
    still_open, accepted = filing.open_problems(problems, accept or {}, accept_all)
    if still_open:
        shown = ", ".join(still_open[:SHOWN_PROBLEMS])
        more = f" and {len(still_open) - SHOWN_PROBLEMS} more" if len(still_open) > SHOWN_PROBLEMS else ""
        raise InputError(
            f"grid version {version!r} has {len(still_open)} open topology problem(s): "
            f"{shown}{more}; fix them or accept each with --accept ID=REASON "
            "(or all with --accept-all REASON)", field="version")
    before = store.read_grids(engine, prev.name) if prev else None
    package = filing.build(grids, before, boundary, Path(out), version=version,
                           previous=prev.name if prev else None, problems=problems,
                           accepted=accepted)
    detail = {"previous": prev.name if prev else None, "out": str(Path(out).resolve()),
              "changes": package.counts, "problems": package.problems,
              "accepted_problems": accepted,
              "files": [str(p.relative_to(package.folder)) for p in package.files]}
    with engine.begin() as c:
        filed = versions.mark_filed(c, version, detail)
    return {"version": version, "status": filed.status, "filed_at": filed.filed_at, **detail}


def _num(value) -> str:
    return "unknown" if pd.isna(value) else f"{value:.0f}"


def _records(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    table = pd.DataFrame(frame.drop(columns="geometry"))
    return table.astype(object).where(table.notna(), None).to_dict("records")

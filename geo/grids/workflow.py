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
from geo.db.points import latest_incident
from geo.departments import canonical
from geo.errors import InputError
from geo.grids import filing, store, versions
from geo.grids.check import check
from geo.grids.diff import diff
from geo.grids.propose import Proposal, propose
from geo.grids.workload import workload
from geo.items import store as item_store


@dataclass
class Inputs:
    """What a workload needs: the item list in use, its revision (None: the default list
    of data/), the point layers it counts and the date the incident window ends."""

    items: pd.DataFrame
    revision: int | None
    layers: dict[str, gpd.GeoDataFrame | None]
    as_of: pd.Timestamp | None


def read_inputs(
    engine: Engine, as_of: pd.Timestamp | None = None, revision: int | None = None
) -> Inputs:
    """The item list in use (or `revision`) and the layers of the 12 months up to `as_of`
    (default: the latest incident)."""
    used, items = item_store.in_use(engine, revision)
    end = as_of if as_of is not None else latest_incident(engine)
    return Inputs(items, used, item_store.read_layers(engine, end), end)


def grid_workload(
    engine: Engine,
    version: str,
    inputs: Inputs | None = None,
    workload_band: tuple[float, float] | None = None,
) -> gpd.GeoDataFrame:
    """geo.grids.workload of `version` (hours a month from the item list in use), with the
    grids' geometry; attrs also name the version and the list revision."""
    grids = store.read_grids(engine, version)
    inputs = inputs or read_inputs(engine)
    table = workload(
        grids, inputs.items, inputs.layers, as_of=inputs.as_of, workload_band=workload_band
    )
    out = gpd.GeoDataFrame(table, geometry=grids.geometry.to_numpy(), crs=grids.crs)
    out.attrs.update(table.attrs, version=version, items_revision=inputs.revision)
    return out


def explain_version(
    engine: Engine,
    version: str | None = None,
    revision: int | None = None,
    band: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Hours a month per grid of `version` (default: in force) from the item list (or its
    `revision`), each grid explained item by item and flagged against `band` (hours a
    month; default mean ± 1.5 sd); stored as 'grid-items-workload' naming the revision."""
    v = versions.get(engine, version) if version else versions.in_force(engine)
    if v is None:
        raise InputError("no grid version is in force; name one", field="version")
    inputs = read_inputs(engine, revision=revision)
    table = grid_workload(engine, v.name, inputs, band)
    rows = [
        {
            "grid_code": r.grid_code,
            "hours": round(float(r.workload), 2),
            "flag": r.workload_flag,
            "items": r.by_item,
        }
        for r in table.itertuples()
    ]
    parts = pd.DataFrame([i for r in rows for i in r["items"]], columns=["code", "name", "hours"])
    total = parts.groupby(["code", "name"], sort=False)["hours"].sum().reset_index()
    summary = {
        "version": v.name,
        "items_revision": inputs.revision,
        "grids": len(rows),
        "hours_total": round(float(table["workload"].sum()), 1),
        "hours_mean": round(float(table["workload"].mean()), 2) if rows else None,
        "band": [round(x, 2) for x in table.attrs["workload_band"]],
        "band_set": band is not None,
        "flags": {k: int(n) for k, n in table["workload_flag"].value_counts().items()},
        "by_item": [
            {"code": t.code, "name": t.name, "hours": round(float(t.hours), 1)}
            for t in total.itertuples()
        ],
    }
    result_id = store.save_result(
        engine,
        "grid-items-workload",
        {
            "version": v.name,
            "items_revision": inputs.revision,
            "band": list(band) if band else None,
        },
        summary,
    )
    return {**summary, "result_id": result_id, "per_grid": rows}


def workload_band(
    engine: Engine, v: versions.Version, inputs: Inputs, given: tuple[float, float] | None = None
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
            band = grid_workload(engine, ref.name, inputs).attrs["workload_band"]
            return band, {"source": "version", "version": ref.name, "status": ref.status}
    return None, {"source": "own"}


def check_version(
    engine: Engine,
    version: str,
    tolerance_m2: float = 1.0,
    whole_towns: bool = False,
    band: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Topology problems + workload band flags of `version`, stored as 'grid-check'.

    The workload band is chosen by `workload_band` and reported with its source.
    """
    v = versions.get(engine, version)
    grids = store.read_grids(engine, version)
    problems = check(
        grids, store.read_units(engine, ("town", "community")), tolerance_m2, whole_towns
    )
    inputs = read_inputs(engine)
    band, band_source = workload_band(engine, v, inputs, band)
    load = grid_workload(engine, version, inputs, band)
    flagged = load[load["flagged"]]
    band_rows = gpd.GeoDataFrame(
        {
            "problem": "workload_band",
            "grid_codes": [[c] for c in flagged["grid_code"]],
            "unit_code": flagged["community_code"].to_numpy(),
            "area_m2": flagged.to_crs(settings().metric_crs).area.to_numpy(),
            "detail": [
                f"households {_num(r.households)} ({r.households_flag}), workload "
                f"{r.workload:.1f} h/month ({r.workload_flag})"
                for r in flagged.itertuples()
            ],
        },
        geometry=flagged.geometry.to_numpy(),
        crs=load.crs,
    )
    features = pd.concat([problems, band_rows], ignore_index=True)
    # the names `grids file --accept ID=REASON` takes (band rows do not block a filing)
    features.insert(0, "id", filing.problem_ids(features))
    summary = {
        "version": v.name,
        "status": v.status,
        "grids": int(len(grids)),
        # every row of the table counted: topology problems and out-of-band grids
        "problems": {k: int(n) for k, n in features["problem"].value_counts().items()},
        "households_flag": {k: int(n) for k, n in load["households_flag"].value_counts().items()},
        "workload_flag": {k: int(n) for k, n in load["workload_flag"].value_counts().items()},
        "households_band": list(load.attrs["households_band"]),
        "workload_band": list(load.attrs["workload_band"]),
        "workload_band_source": band_source,
        "items_revision": load.attrs["items_revision"],
    }
    params = {
        "version": v.name,
        "tolerance_m2": tolerance_m2,
        "whole_towns": whole_towns,
        "as_of": load.attrs["as_of"],
    }
    result_id = store.save_result(engine, "grid-check", params, summary, features)
    return {**summary, "result_id": result_id, "items": _records(features)}


def diff_versions(engine: Engine, old: str, new: str) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Changes from `old` to `new` with workload before/after, stored as 'grid-diff'."""
    inputs = read_inputs(engine)
    before, after = grid_workload(engine, old, inputs), grid_workload(engine, new, inputs)
    changes = diff(before, after)
    summary = {
        "old": old,
        "new": new,
        "grids_before": int(len(before)),
        "grids_after": int(len(after)),
        "changes": {k: int(n) for k, n in changes["change"].value_counts().items()},
    }
    result_id = store.save_result(engine, "grid-diff", {"old": old, "new": new}, summary, changes)
    return changes, {**summary, "result_id": result_id}


def propose_version(
    engine: Engine,
    source: str,
    name: str,
    *,
    seed: int = 0,
    note: str | None = None,
    boundary: str | None = None,
) -> tuple[Proposal, versions.Version]:
    """Propose new grids from `source` and save them as the draft version `name`;
    `boundary`: a department whose loaded units no redrawn grid may cross."""
    src = versions.get(engine, source)
    if any(v.name == name for v in versions.list_versions(engine)):  # fail before the work
        raise InputError(f"grid version {name!r} already exists", field="name")
    grids = store.read_grids(engine, source)
    communities = store.read_units(engine, ("community",))
    areas = None
    if boundary is not None:
        department = canonical(boundary)
        areas = store.read_jurisdictions(engine, department)
        if not len(areas):
            raise InputError(
                f"no units of department {boundary!r} are loaded "
                "(civicgrid load jurisdictions FILE)",
                field="boundary",
            )
        boundary = department
    inputs = read_inputs(engine)
    used = store.grid_codes(engine)
    proposal = propose(
        grids,
        communities,
        inputs.items,
        inputs.layers,
        as_of=inputs.as_of,
        used_codes=used,
        seed=seed,
        boundary=areas,
    )
    summary = proposal.summary()
    params = {
        "source": src.name,
        "seed": seed,
        "bands": summary["bands"],
        "boundary": boundary,
        "communities": summary["communities"],
        "unsatisfied": len(proposal.unsatisfied),
    }
    with engine.begin() as c:
        vid = versions.create(
            c, name, parent=src.name, params=params, note=note or f"proposed from {src.name}"
        )
        store.write_grids(c, vid, proposal.grids)
    return proposal, versions.get(engine, name)


#: problems listed in the refusal line before "…and N more"
SHOWN_PROBLEMS = 5


def file_version(
    engine: Engine,
    version: str,
    out: Path,
    *,
    accept: dict[str, str] | None = None,
    accept_all: str | None = None,
) -> dict[str, Any]:
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
        more = (
            f" and {len(still_open) - SHOWN_PROBLEMS} more"
            if len(still_open) > SHOWN_PROBLEMS
            else ""
        )
        raise InputError(
            f"grid version {version!r} has {len(still_open)} open topology problem(s): "
            f"{shown}{more}; fix them or accept each with --accept ID=REASON "
            "(or all with --accept-all REASON)",
            field="version",
        )
    before = store.read_grids(engine, prev.name) if prev else None
    package = filing.build(
        grids,
        before,
        boundary,
        Path(out),
        version=version,
        previous=prev.name if prev else None,
        problems=problems,
        accepted=accepted,
    )
    detail = {
        "previous": prev.name if prev else None,
        "out": str(Path(out).resolve()),
        "changes": package.counts,
        "problems": package.problems,
        "accepted_problems": accepted,
        "files": [str(p.relative_to(package.folder)) for p in package.files],
    }
    with engine.begin() as c:
        filed = versions.mark_filed(c, version, detail)
    return {"version": version, "status": filed.status, "filed_at": filed.filed_at, **detail}


def _num(value) -> str:
    return "unknown" if pd.isna(value) else f"{value:.0f}"


def _records(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    table = pd.DataFrame(frame.drop(columns="geometry"))
    return table.astype(object).where(table.notna(), None).to_dict("records")

"""Drafts of the grid editor in PostGIS: start, open, and save edits with a revision.

A draft is a grid version (status 'draft') plus its units (`grid_units`) and its edit
log (`grid_edits`). `start` copies a version's grids exactly (the version in force by
default) and cuts its units; `save` runs one `geo.grids.edit` operation and writes, in
ONE transaction, the units that moved, the grids it touched (dissolved from their
units, so check and diff run on the draft as on any version), the log row with the next
revision and an audit row naming the user. A save based on a revision that is no longer
the draft's is refused (`StaleDraft`) and changes nothing: the other planner's edit
stays, and the refused one can be made again on the fresh state.
"""

from __future__ import annotations

import threading
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, bindparam, func, select, text

from geo import audit
from geo.db.copy import Column, copy_rows
from geo.db.tables import grid_edits, grid_unit_neighbours, grid_units
from geo.departments import canonical
from geo.errors import InputError
from geo.grids import blocks, edit, store, versions
from geo.grids import units as unit_geometry
from geo.grids.geometry import WGS84, polygonal, to_metric
from geo.grids.workflow import read_inputs
from geo.grids.workload import workload
from geo.items.workload import grid_hours
from geo.jsonable import jsonable
from geo.zones import assign

_cache: dict[tuple, edit.Draft] = {}
_lock = threading.Lock()


class StaleDraft(InputError):
    """A save based on a revision the draft has moved past."""


def start(
    engine: Engine,
    name: str,
    *,
    source: str | None = None,
    note: str | None = None,
    user: str | None = None,
    res: int | None = None,
    boundary: str | None = None,
) -> edit.Draft:
    """A new draft `name`: a copy of `source` (default: the version in force) with its
    units cut, ready to edit. The workload band is the source's (mean ± 1.5 sd).
    `boundary`: a department whose units no edit may make a grid cross."""
    if source is None:
        current = versions.in_force(engine)
        if current is None:
            raise InputError(
                "no grid version is in force; name the version to copy", field="source"
            )
        source = current.name
    src = versions.get(engine, source)
    if any(v.name == name for v in versions.list_versions(engine)):
        raise InputError(f"grid version {name!r} already exists", field="name")
    if boundary is not None:
        boundary = canonical(boundary)
        if not len(store.read_jurisdictions(engine, boundary)):
            raise InputError(f"no units of department {boundary!r} are loaded", field="boundary")
    grids = store.read_grids(engine, src.name)
    communities = store.read_units(engine, ("community",))
    inputs = read_inputs(engine)
    load = workload(grids, inputs.items, inputs.layers, as_of=inputs.as_of)
    cut = blocks.build_units(
        grids, communities, inputs.items, inputs.layers, res=res, as_of=inputs.as_of
    )
    params = {
        "editor": {
            "source": src.name,
            "res": cut.attrs["res"],
            "households_band": list(load.attrs["households_band"]),
            "workload_band": list(load.attrs["workload_band"]),
            "as_of": load.attrs["as_of"],
            "items_revision": inputs.revision,
            "grid_hours": grid_hours(inputs.items),
            "boundary": boundary,
        }
    }
    with engine.begin() as c:
        vid = versions.create(
            c, name, parent=src.name, note=note or f"edited from {src.name}", params=params
        )
        c.execute(
            text(
                "INSERT INTO grids (version_id, grid_code, name, community_code, town_code, "
                "district_code, kind, households, population, attributes, geom, batch_id) "
                "SELECT :vid, grid_code, name, community_code, town_code, district_code, kind, "
                "households, population, attributes, geom, batch_id FROM grids WHERE version_id = :src"
            ),
            {"vid": vid, "src": src.id},
        )
        stored = _as_stored(cut)
        _write_units(c, vid, stored)
        _write_neighbours(c, vid, unit_geometry.adjacency(to_metric(stored)))
        audit.record(
            c,
            "grids.draft",
            {
                "version": name,
                "source": src.name,
                "note": note,
                "units": int(len(cut)),
                "res": cut.attrs["res"],
            },
            username=user,
        )
    return open_draft(engine, name)


def open_draft(engine: Engine | Connection, name: str) -> edit.Draft:
    """The draft `name` at its latest revision (kept in memory between saves). A draft
    kept at an earlier revision — another process of the server saved the edits since —
    is brought up to date from the edit log rather than read again (seconds for a city)."""
    if isinstance(engine, Engine):
        with engine.connect() as c:
            return open_draft(c, name)
    v = versions.get(engine, name)
    revision = _revision(engine, v.id)
    key = _key(engine, v.id, v.created_at)
    with _lock:
        kept = _cache.get(key)
    if kept is not None and kept.revision == revision:
        return kept
    draft = _caught_up(engine, v.id, kept, revision) if kept is not None else None
    if draft is None:
        draft = _read(engine, v, revision)
    with _lock:
        _cache[key] = draft
    return draft


def save(
    engine: Engine, version: str, op: str, revision: int, *, user: str | None = None, **params: Any
) -> edit.Draft:
    """Run edit operation `op` (move, merge, split, rename, undo, redo) with `params` on
    draft `version`, if `revision` is still its revision; one transaction, audited."""
    if op not in edit.OPS:
        raise InputError(f"unknown edit {op!r} (known: {', '.join(edit.OPS)})", field="op")
    with engine.begin() as c:
        row = c.execute(
            text("SELECT id, status, created_at FROM grid_versions WHERE name = :n FOR UPDATE"),
            {"n": version},
        ).first()
        if row is None:
            versions.get(c, version)  # raises naming the known versions
        if row.status != "draft":
            raise InputError(
                f"grid version {version!r} is {row.status}: only a draft can be edited",
                field="version",
            )
        current = _revision(c, row.id)
        if int(revision) != current:
            raise StaleDraft(
                f"draft {version!r} was changed by someone else (revision {current}, your edit was "
                f"based on {revision}); nothing was saved — reload the draft and make the edit "
                "again",
                field="revision",
            )
        before = open_draft(c, version)
        after = edit.OPS[op](before, **params)
        change = after.last
        _write_change(c, row.id, after, change)
        c.execute(
            grid_edits.insert().values(
                version_id=row.id,
                revision=after.revision,
                op=op,
                params=jsonable(params),
                change=change.as_dict(),
                username=user or audit.current_user(),
            )
        )
        audit.record(
            c,
            "grids.edit",
            {
                "version": version,
                "revision": after.revision,
                "op": change.op,
                "grids": sorted(change.touched()),
                "units": len(change.units),
            },
            username=user,
        )
        key = _key(c, row.id, row.created_at)
    with _lock:
        _cache[key] = after
    return after


def log(engine: Engine, name: str) -> pd.DataFrame:
    """The edits of draft `name`: revision, op, username, at, params."""
    v = versions.get(engine, name)
    with engine.connect() as c:
        rows = c.execute(
            select(
                grid_edits.c.revision,
                grid_edits.c.op,
                grid_edits.c.username,
                grid_edits.c.at,
                grid_edits.c.params,
            )
            .where(grid_edits.c.version_id == v.id)
            .order_by(grid_edits.c.revision)
        ).all()
    return pd.DataFrame(
        [dict(r._mapping) for r in rows], columns=["revision", "op", "username", "at", "params"]
    )


def _key(conn: Connection, version_id: int, created_at) -> tuple:
    """The cache key of a draft: its database, id and creation time (a version dropped
    and made again, even with the same id, is another draft)."""
    return conn.engine.url.render_as_string(hide_password=True), version_id, created_at


def _revision(conn: Connection, version_id: int) -> int:
    return int(
        conn.execute(
            select(func.coalesce(func.max(grid_edits.c.revision), 0)).where(
                grid_edits.c.version_id == version_id
            )
        ).scalar_one()
    )


def _read(conn: Connection, v: versions.Version, revision: int) -> edit.Draft:
    cols = ", ".join(c.name for c in grid_units.columns if c.name not in ("version_id", "geom"))
    table = pd.read_sql(
        text(
            f"SELECT {cols}, ST_AsBinary(geom) AS wkb FROM grid_units WHERE version_id = :v "
            "ORDER BY unit_id"
        ),
        conn,
        params={"v": v.id},
    )
    units = gpd.GeoDataFrame(
        table.drop(columns="wkb"),
        geometry=shapely.from_wkb(table["wkb"].to_numpy()),
        crs=WGS84,
    )
    if not len(units):
        raise InputError(
            f"grid version {v.name!r} has no editor units: start a draft from it "
            "(geo.grids.drafts.start)",
            field="version",
        )
    grids = pd.read_sql(
        text(
            "SELECT grid_code, name, community_code, town_code, district_code, "
            "kind FROM grids WHERE version_id = :v"
        ),
        conn,
        params={"v": v.id},
    )
    names = dict(
        conn.execute(text("SELECT code, name FROM admin_units WHERE level = 'community'")).all()
    )
    editor = v.params.get("editor", {})
    draft = edit.Draft.start(
        units,
        grids,
        households_band=tuple(editor["households_band"]),
        workload_band=tuple(editor["workload_band"]),
        grid_hours=editor.get("grid_hours", 0.0),
        barrier=_barrier(conn, units, editor.get("boundary")),
        neighbours=_read_neighbours(conn, v.id, len(units)),
        used_codes=set(conn.execute(text("SELECT DISTINCT grid_code FROM grids")).scalars()),
        community_names=names,
    )
    entries = conn.execute(
        select(grid_edits.c.op, grid_edits.c.change)
        .where(grid_edits.c.version_id == v.id)
        .order_by(grid_edits.c.revision)
    ).all()
    changes = [edit.Change.from_dict(e.change) for e in entries]
    return edit.replay(draft, [e.op for e in entries], changes)


def _caught_up(
    conn: Connection, version_id: int, kept: edit.Draft, revision: int
) -> edit.Draft | None:
    """`kept` with the logged edits after its revision applied, or None when the log
    does not lead from it to `revision` (a draft kept from a later state)."""
    if kept.revision > revision:
        return None
    entries = conn.execute(
        select(grid_edits.c.revision, grid_edits.c.op, grid_edits.c.change)
        .where(grid_edits.c.version_id == version_id, grid_edits.c.revision > kept.revision)
        .order_by(grid_edits.c.revision)
    ).all()
    if [e.revision for e in entries] != list(range(kept.revision + 1, revision + 1)):
        return None
    for e in entries:
        kept = edit.logged(kept, e.op, edit.Change.from_dict(e.change))
    return kept


def _as_stored(cut: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A new draft's units as they are stored, one MultiPolygon each (polygon parts
    only): the shapes written and those the stored adjacency is computed from, so it
    equals what reading the units back and computing it would give."""
    shapes = gpd.GeoSeries(polygonal(cut.geometry.to_numpy()), index=cut.index, crs=cut.crs)
    return cut.set_geometry(shapes)


def _write_neighbours(conn: Connection, version_id: int, neighbours: list[set[int]]) -> None:
    """The units' adjacency in one binary COPY, each pair once (unit_id < neighbour_id)."""
    unit = np.repeat(np.arange(len(neighbours)), [len(n) for n in neighbours])
    other = np.fromiter((b for n in neighbours for b in n), dtype=np.int64, count=len(unit))
    once = unit < other
    columns = [
        Column("version_id", "int8", np.full(int(once.sum()), version_id, dtype=np.int64)),
        Column("unit_id", "int4", unit[once]),
        Column("neighbour_id", "int4", other[once]),
    ]
    copy_rows(
        conn.connection.driver_connection,
        "grid_unit_neighbours",
        columns,
        np.arange(int(once.sum())),
    )


def _read_neighbours(conn: Connection, version_id: int, n: int) -> list[set[int]] | None:
    """The stored adjacency of a draft's `n` units (None for a draft started before it
    was stored: then it is computed from the units)."""
    units, others = conn.execute(
        select(
            func.array_agg(grid_unit_neighbours.c.unit_id),
            func.array_agg(grid_unit_neighbours.c.neighbour_id),
        ).where(grid_unit_neighbours.c.version_id == version_id)
    ).one()
    if not units:
        return None
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for a, b in zip(units, others, strict=True):
        neighbours[a].add(b)
        neighbours[b].add(a)
    return neighbours


def _barrier(conn: Connection, units: gpd.GeoDataFrame, department: str | None):
    """Per unit, the code of the `department` unit holding its representative point (None
    outside all), or None when the draft keeps no department boundary."""
    if not department:
        return None
    areas = store.read_jurisdictions(conn.engine, department)
    where = assign(units.geometry.representative_point(), areas.geometry)
    codes = areas["code"].astype(str).to_numpy()
    return [codes[i] if i >= 0 else None for i in where]


#: grid_units columns and their COPY types (geo.db.copy), geometry last
_UNIT_TYPES = {
    "version_id": "int8",
    "unit_id": "int4",
    "cell": "int8",
    "community_code": "text",
    "town_code": "text",
    "district_code": "text",
    "grid_code": "text",
    "households": "int4",
    "population": "int4",
    "workload": "float8",
    "area_m2": "float8",
    "geom": "geometry",
}


def _write_units(conn: Connection, version_id: int, cut: gpd.GeoDataFrame) -> None:
    """The units of a new draft (`_as_stored`) in one binary COPY (WGS-84 EWKB)."""
    if not len(cut):
        return
    geoms = shapely.set_srid(cut.geometry.to_numpy(), 4326)
    values = {
        "version_id": np.full(len(cut), version_id, dtype=np.int64),
        **{c: cut[c] for c in _UNIT_TYPES if c not in ("version_id", "geom")},
        "geom": shapely.to_wkb(geoms, include_srid=True),
    }
    for column in ("community_code", "town_code", "district_code", "grid_code"):
        values[column] = cut[column].astype(object).where(cut[column].notna(), None)
    columns = [Column(c, t, values[c]) for c, t in _UNIT_TYPES.items()]
    copy_rows(conn.connection.driver_connection, "grid_units", columns, np.arange(len(cut)))


def _write_change(
    conn: Connection, version_id: int, draft: edit.Draft, change: edit.Change
) -> None:
    """The units that moved and the touched grids, rewritten from the units."""
    if change.units:
        conn.execute(
            text("UPDATE grid_units SET grid_code = :g WHERE version_id = :v AND unit_id = :u"),
            [{"v": version_id, "u": u, "g": after} for u, (_, after) in change.units.items()],
        )
    touched = sorted(change.touched())
    conn.execute(
        text("DELETE FROM grids WHERE version_id = :v AND grid_code IN :codes").bindparams(
            bindparam("codes", expanding=True)
        ),
        {"v": version_id, "codes": touched},
    )
    store.write_grids(conn, version_id, edit.shapes(draft, touched))

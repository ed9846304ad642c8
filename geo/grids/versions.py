"""Grid versions in PostGIS: draft → active → filed → retired.

Rules: at most one version is in force (status 'active', or 'filed' after its filing);
activating a version retires the one in force; a draft is only ever written by the
command that creates it and never touches the version in force.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from geo import audit
from geo.db.tables import grid_versions, grid_versions_in_force, grids
from geo.errors import InputError

#: the statuses of the version in force; SQL reads the view grid_versions_in_force (and
#: grids_in_force, gis.grids_in_force), which migration 0004 defines by the same rule
IN_FORCE = ("active", "filed")


@dataclass(frozen=True)
class Version:
    """One row of grid_versions, with its grid count."""

    id: int
    name: str
    status: str
    parent: str | None
    note: str | None
    params: dict[str, Any]
    created_at: datetime | None
    activated_at: datetime | None
    filed_at: datetime | None
    retired_at: datetime | None
    grids: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _query():
    parent = grid_versions.alias("parent")
    count = select(func.count()).where(grids.c.version_id == grid_versions.c.id).scalar_subquery()
    return select(grid_versions, parent.c.name.label("parent"), count.label("grids")).outerjoin(
        parent, parent.c.id == grid_versions.c.parent_id
    )


def _version(row) -> Version:
    m = row._mapping
    return Version(
        m["id"],
        m["name"],
        m["status"],
        m["parent"],
        m["note"],
        dict(m["params"]),
        m["created_at"],
        m["activated_at"],
        m["filed_at"],
        m["retired_at"],
        m["grids"],
    )


def list_versions(conn: Connection | Engine) -> list[Version]:
    """All versions, oldest first."""
    with _connect(conn) as c:
        return [_version(r) for r in c.execute(_query().order_by(grid_versions.c.id))]


def get(conn: Connection | Engine, name: str) -> Version:
    """The version called `name`; InputError naming the known ones when absent."""
    with _connect(conn) as c:
        row = c.execute(_query().where(grid_versions.c.name == name)).first()
        if row is None:
            known = c.execute(select(grid_versions.c.name).order_by(grid_versions.c.id)).scalars()
            raise InputError(f"no grid version {name!r} (known: {', '.join(known) or 'none'})")
        return _version(row)


def in_force(conn: Connection | Engine) -> Version | None:
    """The version in force (active, or filed after activation), if any."""
    with _connect(conn) as c:
        row = c.execute(
            _query()
            .where(grid_versions.c.id.in_(select(grid_versions_in_force.c.id)))
            .order_by(grid_versions.c.activated_at.desc().nulls_last())
        ).first()
        return _version(row) if row else None


def create(
    conn: Connection,
    name: str,
    *,
    parent: str | None = None,
    note: str | None = None,
    params: dict[str, Any] | None = None,
) -> int:
    """Insert a new draft version; InputError if the name is taken."""
    if conn.execute(select(grid_versions.c.id).where(grid_versions.c.name == name)).first():
        raise InputError(f"grid version {name!r} already exists", field="name")
    parent_id = get(conn, parent).id if parent else None
    return conn.execute(
        insert(grid_versions)
        .values(name=name, status="draft", parent_id=parent_id, note=note, params=params or {})
        .returning(grid_versions.c.id)
    ).scalar_one()


def activate(engine: Engine, name: str) -> Version:
    """Put `name` in force; the version in force before is retired (one transaction)."""
    with engine.begin() as c:
        v = get(c, name)
        if v.status in IN_FORCE:
            return v
        if v.status == "retired":
            raise InputError(
                f"grid version {name!r} is retired and cannot be re-activated", field="version"
            )
        if v.grids == 0:
            raise InputError(f"grid version {name!r} has no grids", field="version")
        before = in_force(c)
        now = func.now()
        c.execute(
            update(grid_versions)
            .where(grid_versions.c.status.in_(IN_FORCE))
            .values(status="retired", retired_at=now)
        )
        c.execute(
            update(grid_versions)
            .where(grid_versions.c.id == v.id)
            .values(status="active", activated_at=now)
        )
        audit.record(
            c, "grids.activate", {"version": name, "retired": before.name if before else None}
        )
        return get(c, name)


def retire(engine: Engine, name: str) -> Version:
    """Retire `name` (a draft is abandoned; the version in force leaves none in force)."""
    with engine.begin() as c:
        v = get(c, name)
        if v.status != "retired":
            c.execute(
                update(grid_versions)
                .where(grid_versions.c.id == v.id)
                .values(status="retired", retired_at=func.now())
            )
            audit.record(c, "grids.retire", {"version": name, "was": v.status})
        return get(c, name)


def mark_filed(conn: Connection, name: str, detail: dict[str, Any]) -> Version:
    """Record the filing of `name` (must be active: draft → active → filed, once)."""
    v = get(conn, name)
    refuse_filing(v)
    # only an active row turns filed: of two filings racing, the second finds it filed
    done = conn.execute(
        update(grid_versions)
        .where(grid_versions.c.id == v.id, grid_versions.c.status == "active")
        .values(status="filed", filed_at=func.now())
    )
    if done.rowcount != 1:
        refuse_filing(get(conn, name))
    audit.record(conn, "grids.file", {"version": name, **detail})
    return get(conn, name)


def refuse_filing(v: Version) -> None:
    """InputError unless `v` may be filed now: in force (activated) and not filed yet.

    A version is filed once: a second filing would rewrite `filed_at` and the audit
    trail of what the grid agency received.
    """
    if v.status == "filed":
        when = f" at {v.filed_at:%Y-%m-%d %H:%M:%S %Z}" if v.filed_at else ""
        raise InputError(
            f"grid version {v.name!r} was already filed{when}; a version is filed once",
            field="version",
        )
    if v.status not in IN_FORCE:
        raise InputError(
            f"grid version {v.name!r} is {v.status}: only the version in force "
            "(activated) can be filed",
            field="version",
        )


def previous(conn: Connection | Engine, name: str) -> Version | None:
    """The version `name` replaces: the last one activated before it, else its parent."""
    v = get(conn, name)
    with _connect(conn) as c:
        q = _query().where(grid_versions.c.id != v.id, grid_versions.c.activated_at.is_not(None))
        if v.activated_at is not None:
            q = q.where(grid_versions.c.activated_at < v.activated_at)
        row = c.execute(q.order_by(grid_versions.c.activated_at.desc())).first()
    if row is not None:
        return _version(row)
    return get(conn, v.parent) if v.parent else None


class _connect:
    """Use a Connection as is, or open one from an Engine for the block."""

    def __init__(self, conn: Connection | Engine) -> None:
        self.conn, self.own = conn, isinstance(conn, Engine)

    def __enter__(self) -> Connection:
        if self.own:
            self.conn = self.conn.connect()
        return self.conn

    def __exit__(self, *exc) -> None:
        if self.own:
            self.conn.close()

"""Grids (网格) of one named version → grids, upserted by (version, grid_code).

The version is created on first load: 'active' when no version is in force yet (none
active or filed: the view grid_versions_in_force), else 'draft' (activating is `civicgrid
grids`' business). Loading into a filed or retired version is refused. Town and district codes are derived from the community code when
the file leaves them out; a community code naming no loaded community is rejected as
unknown_parent (checked only when communities are loaded).
"""

from __future__ import annotations

import psycopg

from etl.loaders import polygons
from etl.loaders.plan import Plan
from etl.loaders.rows import Rows
from geo.errors import InputError


def prepare(rows: Rows) -> Plan:
    """Validate grid rows and lay out their grids columns (version_id added by `version`)."""
    key = rows.key()
    polygons.shape(rows)
    community = rows.text("community_code")
    town = rows.text("town_code")
    district = rows.text("district_code")
    town.values = town.values.fillna(community.values.str[:9])
    district.values = district.values.fillna(town.values.str[:6])
    if rows.context.has_communities:
        known = {c for c, level in rows.context.admin_codes.items() if level == "community"}
        unknown = community.values.notna() & ~community.values.isin(known).fillna(False)
        rows.verdict.reject(unknown.to_numpy(dtype=bool), "unknown_parent", "community_code")
    columns = [
        key,
        rows.text("name"),
        community,
        town,
        district,
        rows.text("kind"),
        rows.integer("households"),
        rows.integer("population"),
        polygons.geometry_column(rows),
    ]
    return Plan("grids", columns, ["version_id", "grid_code"], key)


def version(conn: psycopg.Connection, name: str) -> tuple[int, str, bool]:
    """(id, status, created) of grid version `name`, creating it when it does not exist."""
    row = conn.execute(
        "SELECT id, status FROM grid_versions WHERE name = %s FOR UPDATE", (name,)
    ).fetchone()
    if row is not None:
        if row[1] in ("filed", "retired"):
            raise InputError(f"grid version {name!r} is {row[1]}; load into a new version")
        return row[0], row[1], False
    conn.execute("LOCK TABLE grid_versions IN SHARE ROW EXCLUSIVE MODE")
    active = conn.execute("SELECT 1 FROM grid_versions_in_force").fetchone()
    status = "draft" if active else "active"
    new_id = conn.execute(
        """INSERT INTO grid_versions (name, status, note, activated_at)
           VALUES (%s, %s, 'loaded by civicgrid load',
                   CASE WHEN %s = 'active' THEN now() END) RETURNING id""",
        (name, status, status),
    ).fetchone()[0]
    return new_id, status, True

"""geo/db/tables.py describes the schema the migrations build: Alembic's autogenerate
comparison of the metadata with a database migrated to head finds no difference.

Left out: PostGIS's own objects (spatial_ref_sys, the tiger and topology schemas),
the month partitions of `incidents` (made at load, not in the metadata), Alembic's
version table, and the owner's bookkeeping of migration 0006 (the audit chain's head, the
bulk loads and stage plans in progress), kept out of the metadata on purpose so that no
"empty every table" ever resets them.
"""

from __future__ import annotations

import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import Column, Index, Integer, MetaData

from geo.db import migrate
from geo.db.tables import metadata

PARTITION = re.compile(r"^incidents_(\d{4}_\d{2}|default)$")
POSTGIS = {"spatial_ref_sys", "alembic_version"}
OWNER_BOOKKEEPING = {"audit_chain", "civicgrid_bulk_pending", "civicgrid_stage_plans"}


def include_object(obj, name, type_, reflected, compare_to):
    table = obj if type_ == "table" else getattr(obj, "table", None)
    table_name = getattr(table, "name", name)
    if table_name in POSTGIS | OWNER_BOOKKEEPING or PARTITION.match(str(table_name) or ""):
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def include_name(name, type_, parent_names):
    """Only the public schema: PostGIS's tiger and topology schemas are not ours."""
    if type_ == "schema":
        return name in (None, "public")
    return True


def differences(engine, target: MetaData) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "include_object": include_object,
                "include_name": include_name,
                "compare_type": True,
            },
        )
        return compare_metadata(context, target)


def test_tables_match_the_migration_head(engine, db_url):
    assert migrate.current(db_url) == migrate.head()
    diff = differences(engine, metadata)
    assert diff == [], "\n".join(map(str, diff))


def test_the_comparison_sees_a_column_an_index_and_a_type_that_differ(engine):
    changed = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    grids = changed.tables["grids"]
    grids.append_column(Column("bogus", Integer))
    grids.c.name.type = Integer()
    Index("ix_bogus", grids.c.households)
    kinds = {d[0] if isinstance(d, tuple) else d[0][0] for d in differences(engine, changed)}
    assert kinds == {"add_column", "add_index", "modify_type"}

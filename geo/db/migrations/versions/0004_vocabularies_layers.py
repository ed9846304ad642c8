"""vocabularies as data; the version in force as a view; layers for GIS clients

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 21:50:00

Vocabularies. `vocab_terms` holds every code list (incident categories in two levels,
hazard categories, facility and key-site kinds, risk levels), seeded from the CSV files
under `data/vocab/`; `vocab_keys` is every spelling (code, name, alias; lower-cased)
with the term it means and that term's top level. Coded columns keep the raw text they
were loaded from (`*_raw`), so a value unknown at load ('未分类') is reclassified when
`civicgrid vocab import` adds it. The closed CHECK on facilities.kind goes, and a
hazard's risk level may be unknown (NULL, its text kept).

The version in force. `grid_versions_in_force` holds the one rule (status active or
filed) in SQL; `grids_in_force` are its grids.

GIS clients. GDAL's PostgreSQL driver (and so QGIS) lists tables and views from
`geometry_columns` with relkind r, v, m, f: the partitioned `incidents` (relkind p) is
left out and its month partitions are listed instead. The schema `gis` holds one view
per layer a client should see — `incidents` (every incident), `grids_in_force`,
`hotspot_cells` (hexagons of stored hotspot runs) — each with a bigint key `ogc_fid` (the column GDAL takes as the FID of a view) and a
typed geometry (SRID 4326) so geometry_columns reports type and CRS;
`PG:"dbname=… schemas=gis"` lists exactly these. hotspot_cells gain a key and their
hexagon (written by geo.hotspots.store; filled here for stored runs).
"""

import csv

import sqlalchemy as sa
from alembic import op

from geo.config import vocab_dir

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: vocabulary name → file under data/vocab/
VOCAB_FILES = {
    "incident_category": "incident_categories.csv",
    "hazard_category": "hazard_categories.csv",
    "facility_kind": "facility_kinds.csv",
    "key_site_kind": "key_site_kinds.csv",
    "risk_level": "risk_levels.csv",
}

_KEYS_VIEW = """
CREATE VIEW vocab_keys AS
SELECT DISTINCT ON (t.vocab, lower(btrim(k.key)))
       t.vocab, lower(btrim(k.key)) AS key, t.code, t.name,
       coalesce(p.code, t.code) AS top_code, coalesce(p.name, t.name) AS top_name
FROM vocab_terms t
LEFT JOIN vocab_terms p ON p.vocab = t.vocab AND p.code = t.parent
CROSS JOIN LATERAL unnest(ARRAY[t.code, t.name] || t.aliases) AS k(key)
WHERE btrim(k.key) <> ''
ORDER BY t.vocab, lower(btrim(k.key)), (k.key = t.code) DESC, (k.key = t.name) DESC,
         (t.parent IS NOT NULL) DESC, t.code
"""


def _seed() -> None:
    rows = []
    for vocab, name in VOCAB_FILES.items():
        with (vocab_dir() / name).open(encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                aliases = [a.strip() for a in (r.get("aliases") or "").split("|") if a.strip()]
                rows.append(
                    {
                        "vocab": vocab,
                        "code": r["code"].strip(),
                        "name": r["name"].strip(),
                        "parent": (r.get("parent") or "").strip() or None,
                        "aliases": aliases,
                    }
                )
    op.get_bind().execute(
        sa.text(
            "INSERT INTO vocab_terms (vocab, code, name, parent, aliases, source) "
            "VALUES (:vocab, :code, :name, :parent, :aliases, 'default')"
        ),
        rows,
    )


def _hexagons() -> None:
    """The hexagon of each stored hotspot cell (runs stored before this revision)."""
    import numpy as np
    import shapely

    from geo.hexes import boundaries

    conn = op.get_bind()
    cells = np.array(
        conn.execute(sa.text("SELECT DISTINCT cell FROM hotspot_cells")).scalars().all(),
        dtype=np.int64,
    )
    if not len(cells):
        return
    wkb = shapely.to_wkb(boundaries(cells.astype(np.uint64)))
    conn.execute(
        sa.text(
            "UPDATE hotspot_cells h SET geom = ST_GeomFromWKB(t.wkb, 4326) "
            "FROM unnest(CAST(:cells AS int8[]), CAST(:wkb AS bytea[])) AS t(cell, wkb) "
            "WHERE h.cell = t.cell"
        ),
        {"cells": cells.tolist(), "wkb": list(wkb)},
    )


def upgrade() -> None:
    op.execute("""
        CREATE TABLE vocab_terms (
            vocab text NOT NULL,
            code text NOT NULL,
            name text NOT NULL,
            parent text,
            aliases text[] NOT NULL DEFAULT '{}',
            source text NOT NULL DEFAULT 'import',
            imported_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_vocab_terms PRIMARY KEY (vocab, code),
            CONSTRAINT fk_vocab_terms_parent FOREIGN KEY (vocab, parent)
                REFERENCES vocab_terms (vocab, code)
        )""")
    op.execute(_KEYS_VIEW)
    _seed()

    op.execute("ALTER TABLE incidents ADD COLUMN category_raw text, ADD COLUMN category_code text")
    op.execute(
        "ALTER TABLE hazards ADD COLUMN category_raw text, ADD COLUMN risk_level_raw text, "
        "ALTER COLUMN risk_level DROP NOT NULL"
    )
    op.execute(
        "ALTER TABLE facilities DROP CONSTRAINT IF EXISTS ck_facilities_kind, "
        "ADD COLUMN kind_raw text"
    )
    op.execute("ALTER TABLE key_sites ADD COLUMN kind_raw text")

    op.execute(
        "CREATE VIEW grid_versions_in_force AS "
        "SELECT * FROM grid_versions WHERE status IN ('active', 'filed')"
    )
    op.execute(
        "CREATE VIEW grids_in_force AS SELECT g.* FROM grids g "
        "JOIN grid_versions_in_force v ON v.id = g.version_id"
    )

    op.execute(
        "ALTER TABLE hotspot_cells ADD COLUMN id bigint GENERATED BY DEFAULT AS IDENTITY, "
        "ADD COLUMN geom geometry(Polygon, 4326)"
    )
    op.execute("CREATE UNIQUE INDEX uq_hotspot_cells_id ON hotspot_cells (id)")
    _hexagons()

    op.execute("CREATE SCHEMA IF NOT EXISTS gis")
    op.execute("""
        CREATE VIEW gis.incidents AS
        SELECT i.id AS ogc_fid, i.source_key, i.occurred_at, i.category, i.category_code,
               i.category_raw, i.subcategory, i.disposition, i.address, i.h3, i.batch_id,
               CAST(i.geom AS geometry(Point, 4326)) AS geom
        FROM public.incidents i""")
    op.execute("""
        CREATE VIEW gis.grids_in_force AS
        SELECT g.id AS ogc_fid, v.name AS version, v.status, g.grid_code, g.name,
               g.community_code, g.town_code, g.district_code, g.kind, g.households,
               g.population, CAST(g.geom AS geometry(MultiPolygon, 4326)) AS geom
        FROM public.grids g JOIN public.grid_versions_in_force v ON v.id = g.version_id""")
    op.execute("""
        CREATE VIEW gis.hotspot_cells AS
        SELECT c.id AS ogc_fid, c.run_id, r.kind AS run_kind, r.created_at AS run_at,
               CAST(c.cell AS text) AS cell, c.value, c.gi_z AS z, c.p, c.p_fdr, c.bin,
               c.category AS pattern, CAST(c.geom AS geometry(Polygon, 4326)) AS geom
        FROM public.hotspot_cells c JOIN public.hotspot_runs r ON r.id = c.run_id""")
    for view, what in (
        ("incidents", "警情 / every incident (all months)"),
        ("grids_in_force", "现行网格 / grids of the version in force"),
        ("hotspot_cells", "热点单元 / hexagons of stored hotspot runs"),
    ):
        op.execute(f"COMMENT ON VIEW gis.{view} IS '{what}'")


def downgrade() -> None:
    op.execute("DROP SCHEMA gis CASCADE")
    op.execute("DROP INDEX uq_hotspot_cells_id")
    op.execute("ALTER TABLE hotspot_cells DROP COLUMN id, DROP COLUMN geom")
    op.execute("DROP VIEW grids_in_force")
    op.execute("DROP VIEW grid_versions_in_force")
    op.execute("ALTER TABLE key_sites DROP COLUMN kind_raw")
    op.execute("ALTER TABLE facilities DROP COLUMN kind_raw")
    op.execute("ALTER TABLE hazards DROP COLUMN category_raw, DROP COLUMN risk_level_raw")
    op.execute("ALTER TABLE incidents DROP COLUMN category_raw, DROP COLUMN category_code")
    op.execute("DROP VIEW vocab_keys")
    op.execute("DROP TABLE vocab_terms")

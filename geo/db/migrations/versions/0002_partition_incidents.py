"""incidents partitioned by month; leaner, C-collated incident indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 23:25:00

`incidents` becomes a table range-partitioned on occurred_at, one partition per calendar
month in China Standard Time (UTC+8, no daylight saving) plus `incidents_default`, so
queries over a time range read only their months and an archive of many years stays
cheap to index and to prune. Existing rows are moved into month partitions created for
the months they fall in.

A unique constraint on a partitioned table must contain the partition key, so the
primary key becomes (id, occurred_at) and the source-key constraint (source_key,
occurred_at); the loader keeps source_key unique on its own (it writes under a table
lock and moves a row whose time changed, see geo.db.copy.upsert).

Indexes: source_key and category are compared byte-wise (COLLATE "C", which sorts
Unicode text by code point, as C.UTF-8 does, but lets PostgreSQL use abbreviated keys,
so the unique and category indexes build about twice as fast); batch_id, which grows
with insertion order, gets a BRIN index instead of a B-tree; and the B-tree on
(occurred_at, category) goes: a time range now reads only its months, where the BRIN
index (rows are written in time order) or the primary key (id, occurred_at) serves it —
the dashboard's period counts take 7.5 ms without it against 8.5 ms with it on the
1M-incident city sample.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (
    "id, source_key, occurred_at, category, subcategory, disposition, address, reporter, "
    "reporter_phone, h3, attributes, geom, batch_id"
)


def _table(partitioned: bool) -> str:
    """CREATE TABLE incidents, partitioned (0002) or as 0001 made it."""
    collate = ' COLLATE "C"' if partitioned else ""
    time_key = ", occurred_at" if partitioned else ""
    return f"""
CREATE TABLE incidents (
    id bigint NOT NULL DEFAULT nextval('incidents_id_seq'::regclass),
    source_key text{collate} NOT NULL,
    occurred_at timestamptz NOT NULL,
    category text{collate} NOT NULL,
    subcategory text,
    disposition text,
    address text,
    reporter text,
    reporter_phone text,
    h3 bigint NOT NULL,
    attributes jsonb NOT NULL DEFAULT '{{}}',
    geom geometry(POINT, 4326) NOT NULL,
    batch_id bigint,
    CONSTRAINT pk_incidents PRIMARY KEY (id{time_key}),
    CONSTRAINT uq_incidents_source_key UNIQUE (source_key{time_key}),
    CONSTRAINT fk_incidents_batch_id_load_batches FOREIGN KEY (batch_id)
        REFERENCES load_batches (id) ON DELETE RESTRICT
){" PARTITION BY RANGE (occurred_at)" if partitioned else ""}
"""


INDEXES = (
    "CREATE INDEX ix_incidents_geom ON incidents USING gist (geom)",
    "CREATE INDEX ix_incidents_h3 ON incidents (h3)",
    "CREATE INDEX ix_incidents_category ON incidents (category)",
    "CREATE INDEX ix_incidents_batch_id ON incidents USING brin (batch_id)",
    "CREATE INDEX ix_incidents_occurred_brin ON incidents USING brin (occurred_at)",
)

PLAIN_INDEXES = (
    "CREATE INDEX ix_incidents_geom ON incidents USING gist (geom)",
    "CREATE INDEX ix_incidents_h3 ON incidents (h3)",
    "CREATE INDEX ix_incidents_batch_id ON incidents (batch_id)",
    "CREATE INDEX ix_incidents_category ON incidents (category)",
    "CREATE INDEX ix_incidents_occurred_brin ON incidents USING brin (occurred_at)",
    "CREATE INDEX ix_incidents_occurred_category ON incidents (occurred_at, category)",
)

# one partition per month present in the old table (months in UTC+8), named incidents_YYYY_MM
MONTH_PARTITIONS = """
DO $$
DECLARE m date;
BEGIN
    FOR m IN SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'Asia/Shanghai')::date
             FROM incidents_old LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF incidents FOR VALUES FROM (%L) TO (%L)',
            'incidents_' || to_char(m, 'YYYY_MM'),
            to_char(m, 'YYYY-MM-DD') || ' 00:00:00+08',
            to_char(m + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+08');
    END LOOP;
END $$
"""


def _swap(indexes: tuple[str, ...], partitioned: bool) -> None:
    """Rename the current table away, create the new one, move the rows, drop the old."""
    op.execute("ALTER SEQUENCE incidents_id_seq OWNED BY NONE")
    op.execute("ALTER TABLE incidents RENAME TO incidents_old")
    for name in ("pk_incidents", "uq_incidents_source_key"):
        op.execute(f"ALTER TABLE incidents_old RENAME CONSTRAINT {name} TO {name}_old")
    op.execute("ALTER TABLE incidents_old DROP CONSTRAINT fk_incidents_batch_id_load_batches")
    op.execute("""
        DO $$
        DECLARE ix text;
        BEGIN
            FOR ix IN SELECT indexname FROM pg_indexes
                      WHERE tablename = 'incidents_old' AND indexname LIKE 'ix_incidents_%' LOOP
                EXECUTE format('DROP INDEX %I', ix);
            END LOOP;
        END $$""")
    op.execute(_table(partitioned))
    if partitioned:
        op.execute(MONTH_PARTITIONS)
        op.execute("CREATE TABLE incidents_default PARTITION OF incidents DEFAULT")
    op.execute(f"INSERT INTO incidents ({COLUMNS}) SELECT {COLUMNS} FROM incidents_old")
    for statement in indexes:
        op.execute(statement)
    op.execute("DROP TABLE incidents_old")
    op.execute("ALTER SEQUENCE incidents_id_seq OWNED BY incidents.id")
    op.execute("ANALYZE incidents")


def upgrade() -> None:
    _swap(INDEXES, partitioned=True)


def downgrade() -> None:
    _swap(PLAIN_INDEXES, partitioned=False)

"""The PostGIS schema as SQLAlchemy Core tables (the Alembic migrations create them).

Geometries are stored in EPSG:4326. Every loaded row points at the load batch that
brought it; layers fed from outside carry a `source_key` (the key in the source file)
that makes re-loads idempotent and changed files upsert.
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    column,
    func,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

SRID = 4326


def _geom(kind: str) -> Geometry:
    # spatial_index=False: the GiST indexes are declared explicitly below so that
    # migrations and metadata name them the same way.
    return Geometry(kind, srid=SRID, spatial_index=False)


def _batch_fk() -> Column:
    return Column(
        "batch_id", BigInteger, ForeignKey("load_batches.id", ondelete="RESTRICT"), index=True
    )


def _created() -> Column:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


load_batches = Table(
    "load_batches",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("file_name", Text, nullable=False),
    Column("file_sha256", Text, nullable=False),
    Column("file_size", BigInteger, nullable=False),
    Column("source_format", Text),
    Column("source_crs", Text),
    Column("encoding", Text),
    Column("grid_version", Text),
    Column("read", Integer, nullable=False, server_default="0"),
    Column("loaded", Integer, nullable=False, server_default="0"),
    Column("rejected", Integer, nullable=False, server_default="0"),
    Column("duplicates", Integer, nullable=False, server_default="0"),
    Column("repaired", Integer, nullable=False, server_default="0"),
    Column("personal_columns", JSONB, nullable=False, server_default="[]"),
    Column("warnings", JSONB, nullable=False, server_default="[]"),
    Column("options", JSONB, nullable=False, server_default="{}"),
    Column("started_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True)),
    # one batch per (kind, file content, target grid version): the same file twice is a no-op
    UniqueConstraint(
        "kind",
        "file_sha256",
        "grid_version",
        name="uq_load_batches_file",
        postgresql_nulls_not_distinct=True,
    ),
)

#: code lists (geo.vocab): incident categories in two levels (parent = the 大类 code),
#: hazard categories, facility and key-site kinds, risk levels; seeded from data/vocab/
vocab_terms = Table(
    "vocab_terms",
    metadata,
    Column("vocab", Text, primary_key=True),
    Column("code", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("parent", Text),
    Column("aliases", ARRAY(Text), nullable=False, server_default="{}"),
    Column("source", Text, nullable=False, server_default="import"),
    Column("imported_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ForeignKeyConstraint(
        ["vocab", "parent"], ["vocab_terms.vocab", "vocab_terms.code"], name="fk_vocab_terms_parent"
    ),
)

load_rejects = Table(
    "load_rejects",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column(
        "batch_id",
        BigInteger,
        ForeignKey("load_batches.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("row_number", Integer, nullable=False),
    Column("field", Text),
    Column("reason", Text, nullable=False),
    Column("raw", JSONB, nullable=False, server_default="{}"),
)

admin_units = Table(
    "admin_units",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("level", Text, nullable=False),
    Column("code", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("parent_code", Text, index=True),
    Column("households", Integer),
    Column("population", Integer),
    Column("attributes", JSONB, nullable=False, server_default="{}"),
    Column("geom", _geom("MULTIPOLYGON"), nullable=False),
    _batch_fk(),
    CheckConstraint("level IN ('city','district','town','community')", name="level"),
    Index("ix_admin_units_geom", "geom", postgresql_using="gist"),
    Index("ix_admin_units_level", "level"),
)

grid_versions = Table(
    "grid_versions",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("status", Text, nullable=False, server_default="draft"),
    Column("parent_id", BigInteger, ForeignKey("grid_versions.id")),
    Column("note", Text),
    Column("params", JSONB, nullable=False, server_default="{}"),
    _created(),
    Column("activated_at", DateTime(timezone=True)),
    Column("filed_at", DateTime(timezone=True)),
    Column("retired_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('draft','active','filed','retired')", name="status"),
    # at most one version in force (active or filed) at a time: migration 0007
    Index(
        "uq_grid_versions_in_force",
        text("(true)"),
        unique=True,
        postgresql_where=text("status IN ('active', 'filed')"),
    ),
)

#: the versions in force (a view, migration 0004: status active or filed — the one rule,
#: geo.grids.versions.IN_FORCE); read it, never compare a status by hand
grid_versions_in_force = table(
    "grid_versions_in_force", column("id"), column("name"), column("status"), column("activated_at")
)

grids = Table(
    "grids",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column(
        "version_id", BigInteger, ForeignKey("grid_versions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("grid_code", Text, nullable=False),
    Column("name", Text),
    Column("community_code", Text, index=True),
    Column("town_code", Text, index=True),
    Column("district_code", Text),
    Column("kind", Text),
    Column("households", Integer),
    Column("population", Integer),
    Column("attributes", JSONB, nullable=False, server_default="{}"),
    Column("geom", _geom("MULTIPOLYGON"), nullable=False),
    _batch_fk(),
    UniqueConstraint("version_id", "grid_code", name="uq_grids_version_code"),
    Index("ix_grids_geom", "geom", postgresql_using="gist"),
)


jurisdictions = Table(
    "jurisdictions",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("department", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("name", Text),
    Column("attributes", JSONB, nullable=False, server_default="{}"),
    Column("geom", _geom("MULTIPOLYGON"), nullable=False),
    _batch_fk(),
    UniqueConstraint("department", "code", name="uq_jurisdictions_department"),
    Index("ix_jurisdictions_geom", "geom", postgresql_using="gist"),
)


service_item_lists = Table(
    "service_item_lists",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("revision", Integer, nullable=False, unique=True),
    Column("source", Text),
    Column("sha256", Text, nullable=False),
    Column("note", Text),
    Column("username", Text),
    _created(),
)

service_items = Table(
    "service_items",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column(
        "list_id",
        BigInteger,
        ForeignKey("service_item_lists.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("department", Text),
    Column("layer", Text, nullable=False),
    Column("selector", Text),
    Column("frequency", Text, nullable=False),
    Column("per_year", Float, nullable=False),
    Column("minutes", Float, nullable=False),
    Column("note", Text),
    UniqueConstraint("list_id", "code", name="uq_service_items_list_code"),
)


consultations = Table(
    "consultations",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column(
        "version_id", BigInteger, ForeignKey("grid_versions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("against", Text),
    Column("unit_code", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("unit_name", Text),
    Column("sheet", Text),
    Column("asked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("opinion", Text),
    Column("note", Text),
    Column("answered_on", Date),
    Column("recorded_by", Text),
    Column("recorded_at", DateTime(timezone=True)),
    CheckConstraint("opinion IN ('agree','agree-with-changes','object')", name="opinion"),
    UniqueConstraint("version_id", "unit_code", name="uq_consultations_version_unit"),
)


def _point_layer(name: str, *columns: Column) -> Table:
    """A point layer with a source key, free attributes, GiST index and batch."""
    return Table(
        name,
        metadata,
        Column("id", BigInteger, primary_key=True),
        Column("source_key", Text, nullable=False, unique=True),
        *columns,
        Column("attributes", JSONB, nullable=False, server_default="{}"),
        Column("geom", _geom("POINT"), nullable=False),
        _batch_fk(),
        Index(f"ix_{name}_geom", "geom", postgresql_using="gist"),
    )


hazards = _point_layer(
    "hazards",
    Column("name", Text, nullable=False),
    Column("category", Text, nullable=False, index=True),  # the code (未分类 when unknown)
    Column("category_raw", Text),  # the text as loaded (vocabularies: geo.vocab)
    Column("risk_level", SmallInteger),  # NULL when the file's level is not in the vocabulary
    Column("risk_level_raw", Text),
    Column("address", Text),
    Column("unit_code", Text),
    Column("last_inspected_at", Date),
    CheckConstraint("risk_level BETWEEN 1 AND 4", name="risk_level"),
)

rentals = _point_layer(
    "rentals",
    Column("address", Text, nullable=False),
    Column("rooms", Integer),
    Column("tenants", Integer),
    Column("landlord", Text),
    Column("landlord_phone", Text),
    Column("landlord_id_no", Text),
    Column("last_inspected_at", Date),
)

#: month-partitioned on occurred_at (UTC+8 months, see geo.db.partitions); a unique key
#: on a partitioned table must hold the partition key, so source_key is unique with
#: occurred_at here and on its own by the loader (geo.db.copy.upsert moves changed times)
incidents = Table(
    "incidents",
    metadata,
    Column(
        "id",
        BigInteger,
        primary_key=True,
        server_default=text("nextval('incidents_id_seq'::regclass)"),
    ),
    Column("source_key", Text(collation="C"), nullable=False),
    Column("occurred_at", DateTime(timezone=True), primary_key=True),
    # the top level of the category (大类 name; 未分类 when unknown): incident_counts keys on it
    Column("category", Text(collation="C"), nullable=False, index=True),
    Column("category_code", Text),  # the finest code found (细类, else 大类); NULL when unknown
    Column("category_raw", Text),  # 警情类别 as loaded
    Column("subcategory", Text),
    Column("disposition", Text),
    Column("address", Text),
    Column("reporter", Text),
    Column("reporter_phone", Text),
    Column("h3", BigInteger, nullable=False),
    Column("attributes", JSONB, nullable=False, server_default="{}"),
    Column("geom", _geom("POINT"), nullable=False),
    Column("batch_id", BigInteger, ForeignKey("load_batches.id", ondelete="RESTRICT")),
    UniqueConstraint("source_key", "occurred_at", name="uq_incidents_source_key"),
    Index("ix_incidents_geom", "geom", postgresql_using="gist"),
    Index("ix_incidents_batch_id", "batch_id", postgresql_using="brin"),
    # a cell's series (the hotspots page's detail) reads its incidents by cell (0008)
    Index("ix_incidents_h3", "h3"),
    postgresql_partition_by="RANGE (occurred_at)",
)
Index("ix_incidents_occurred_brin", incidents.c.occurred_at, postgresql_using="brin")

facilities = _point_layer(
    "facilities",
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False, index=True),  # the code (未分类 when unknown)
    Column("kind_raw", Text),
    Column("address", Text),
)

key_sites = _point_layer(
    "key_sites",
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False, index=True),
    Column("kind_raw", Text),
    Column("address", Text),
)

#: month counts per cell and category at coarse resolutions (geo.counts.refresh); the key
#: leads with (res, month) so a date range reads adjacent rows
incident_counts = Table(
    "incident_counts",
    metadata,
    Column("res", SmallInteger, primary_key=True),
    Column("month", Date, primary_key=True),  # first local day of the month
    Column("cell", BigInteger, primary_key=True),
    Column("category", Text(collation="C"), primary_key=True),
    Column("count", Integer, nullable=False),
)

aggregate_state = Table(
    "aggregate_state",
    metadata,
    Column(
        "batch_id", BigInteger, ForeignKey("load_batches.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("aggregated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

hotspot_runs = Table(
    "hotspot_runs",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("kind", Text, nullable=False),  # gi_star | emerging
    Column("params", JSONB, nullable=False),
    Column("batch_ids", JSONB, nullable=False, server_default="[]"),
    Column("summary", JSONB, nullable=False, server_default="{}"),
    _created(),
)

hotspot_cells = Table(
    "hotspot_cells",
    metadata,
    Column(
        "run_id", BigInteger, ForeignKey("hotspot_runs.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("cell", BigInteger, primary_key=True),
    Column("value", Float),
    Column("gi_z", Float),
    Column("p", Float),
    Column("p_fdr", Float),
    Column("bin", SmallInteger),
    Column("category", Text),
    Column("trend_z", Float),
    Column("trend_p", Float),
    Column("id", BigInteger, Identity()),  # the key GIS clients see
    Column("geom", Geometry("POLYGON", srid=SRID, spatial_index=False)),  # the hexagon
    Index("uq_hotspot_cells_id", "id", unique=True),
)

analysis_results = Table(
    "analysis_results",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column(
        "kind", Text, nullable=False, index=True
    ),  # coverage-grids, coverage-facilities, grid-diff…
    Column("params", JSONB, nullable=False, server_default="{}"),
    Column("summary", JSONB, nullable=False, server_default="{}"),
    _created(),
)

analysis_features = Table(
    "analysis_features",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column(
        "result_id",
        BigInteger,
        ForeignKey("analysis_results.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("properties", JSONB, nullable=False, server_default="{}"),
    Column("geom", Geometry("GEOMETRY", srid=SRID, spatial_index=False)),
    Index("ix_analysis_features_geom", "geom", postgresql_using="gist"),
)

export_log = Table(
    "export_log",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("layer", Text, nullable=False),
    Column("version", Text),
    Column("filters", JSONB, nullable=False, server_default="{}"),
    Column("format", Text, nullable=False),
    Column("encoding", Text),
    Column("crs", Text),
    Column("rows", Integer, nullable=False),
    Column("files", JSONB, nullable=False, server_default="{}"),
    Column("path", Text),
    Column("username", Text),
    _created(),
)

users = Table(
    "users",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("username", Text, nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default="true"),
    # one more at sign-out, password change or deactivation: older sessions end (0009)
    Column("session_epoch", Integer, nullable=False, server_default="0"),
    _created(),
    CheckConstraint("role IN ('leader','analyst','planner','auditor','admin')", name="role"),
)

#: failed sign-ins counted by the dashboard's throttle, shared by every worker process;
#: `key` names the limit and who it counts, `at` is seconds since the epoch (0009)
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("key", Text, nullable=False),
    Column("at", Float, nullable=False),
    Index("ix_sign_in_failures_key_at", "key", "at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("username", Text),
    Column("action", Text, nullable=False),
    Column("detail", JSONB, nullable=False, server_default="{}"),
    # the hash chain (geo.audit_chain): filled by the trigger of migration 0006, which also
    # numbers the rows and keeps the chain's head in `audit_chain` — a table deliberately
    # left out of this metadata, like `civicgrid_bulk_pending`, so that emptying "every
    # civicgrid table" (tests) never resets the chain
    Column("prev_hash", Text, nullable=False),
    Column("hash", Text, nullable=False),
)

# the grid editor (migration 0011): a draft's building blocks and its edit log
grid_units = Table(
    "grid_units",
    metadata,
    Column(
        "version_id",
        BigInteger,
        ForeignKey("grid_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("unit_id", Integer, primary_key=True),
    Column("cell", BigInteger),
    Column("community_code", Text),
    Column("town_code", Text),
    Column("district_code", Text),
    Column("grid_code", Text),
    Column("households", Integer, nullable=False),
    Column("population", Integer, nullable=False),
    Column("workload", Float, nullable=False),
    Column("area_m2", Float, nullable=False),
    Column("geom", _geom("MULTIPOLYGON"), nullable=False),
)

#: the pairs of a draft's units that share an edge, each once (unit_id < neighbour_id)
grid_unit_neighbours = Table(
    "grid_unit_neighbours",
    metadata,
    Column(
        "version_id",
        BigInteger,
        ForeignKey("grid_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("unit_id", Integer, primary_key=True),
    Column("neighbour_id", Integer, primary_key=True),
)

grid_edits = Table(
    "grid_edits",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column(
        "version_id", BigInteger, ForeignKey("grid_versions.id", ondelete="CASCADE"), nullable=False
    ),
    Column("revision", Integer, nullable=False),
    Column("op", Text, nullable=False),
    Column("params", JSONB, nullable=False, server_default="{}"),
    Column("change", JSONB, nullable=False, server_default="{}"),
    Column("username", Text),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("version_id", "revision", name="uq_grid_edits_version_revision"),
)

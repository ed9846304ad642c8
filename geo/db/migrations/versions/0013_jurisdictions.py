"""jurisdictions: departments' service areas (派出所辖区, 警务区, 城管片区 …);
service_item_lists / service_items: the grid service-item list (网格服务管理事项清单);
consultations: the units heard on a draft and their opinions (征求意见)

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-06 22:40:00

Polygons of a department's units, loaded as KIND `jurisdictions`, keyed by
(department, code). `civicgrid grids align` compares grid versions with them.
The service-item list is versioned: each import that changes it is a new revision
(service_item_lists) holding all its items (service_items); workload results name the
revision they used.
(Written against 0003 per the brief; chained to 0009, the head on this branch, so that
the branch migrates to one head — re-chain on merge.)
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jurisdictions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("department", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["load_batches.id"],
            ondelete="RESTRICT",
            name=op.f("fk_jurisdictions_batch_id_load_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jurisdictions")),
        sa.UniqueConstraint("department", "code", name=op.f("uq_jurisdictions_department")),
    )
    op.create_index(op.f("ix_jurisdictions_batch_id"), "jurisdictions", ["batch_id"])
    op.create_index("ix_jurisdictions_geom", "jurisdictions", ["geom"], postgresql_using="gist")
    op.create_table(
        "service_item_lists",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_item_lists")),
        sa.UniqueConstraint("revision", name=op.f("uq_service_item_lists_revision")),
    )
    op.create_table(
        "service_items",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("list_id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("layer", sa.Text(), nullable=False),
        sa.Column("selector", sa.Text(), nullable=True),
        sa.Column("frequency", sa.Text(), nullable=False),
        sa.Column("per_year", sa.Float(), nullable=False),
        sa.Column("minutes", sa.Float(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["service_item_lists.id"],
            ondelete="CASCADE",
            name=op.f("fk_service_items_list_id_service_item_lists"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_items")),
        sa.UniqueConstraint("list_id", "code", name="uq_service_items_list_code"),
    )
    op.create_table(
        "consultations",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("version_id", sa.BigInteger(), nullable=False),
        sa.Column("against", sa.Text(), nullable=True),
        sa.Column("unit_code", sa.Text(), nullable=False),
        sa.Column("level", sa.Text(), nullable=False),
        sa.Column("unit_name", sa.Text(), nullable=True),
        sa.Column("sheet", sa.Text(), nullable=True),
        sa.Column(
            "asked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "opinion IN ('agree','agree-with-changes','object')",
            name=op.f("ck_consultations_opinion"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["grid_versions.id"],
            ondelete="CASCADE",
            name=op.f("fk_consultations_version_id_grid_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
        sa.UniqueConstraint("version_id", "unit_code", name="uq_consultations_version_unit"),
    )


def downgrade() -> None:
    op.drop_table("consultations")
    op.drop_table("service_items")
    op.drop_table("service_item_lists")
    op.drop_table("jurisdictions")

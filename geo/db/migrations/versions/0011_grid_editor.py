"""grid editor: a draft's building blocks (grid_units) and its edit log (grid_edits)

Revision ID: 0011
Revises: 0003
Create Date: 2026-12-06 22:30:00

A draft opened in the grid editor is cut into small units (H3 cells clipped to the
communities and to the grids) that carry households, population and workload and say
which grid they belong to. Every edit is one row of grid_edits with the draft's next
revision number: (version_id, revision) is unique, so two planners saving from the
same revision cannot both win; the one who comes second is told to reload.
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_geospatial_table(
        "grid_units",
        sa.Column("version_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("cell", sa.BigInteger(), nullable=True),
        sa.Column("community_code", sa.Text(), nullable=True),
        sa.Column("town_code", sa.Text(), nullable=True),
        sa.Column("district_code", sa.Text(), nullable=True),
        sa.Column("grid_code", sa.Text(), nullable=True),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("workload", sa.Float(), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["grid_versions.id"],
            name=op.f("fk_grid_units_version_id_grid_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "unit_id", name=op.f("pk_grid_units")),
    )
    op.create_table(
        "grid_edits",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("version_id", sa.BigInteger(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("op", sa.Text(), nullable=False),
        sa.Column(
            "params", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column(
            "change", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["grid_versions.id"],
            name=op.f("fk_grid_edits_version_id_grid_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_edits")),
        sa.UniqueConstraint("version_id", "revision", name="uq_grid_edits_version_revision"),
    )


def downgrade() -> None:
    op.drop_table("grid_edits")
    op.drop_geospatial_table("grid_units")

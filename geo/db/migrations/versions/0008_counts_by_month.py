"""incident_counts keeps month counts at coarse resolutions only

Revision ID: 0008
Revises: 0003
Create Date: 2026-12-06 22:00:00

The counts stored every H3 resolution 7–10 × day/week/month × category: on the city
sample 8.3 M rows and 1,102 MB with indexes, 2.4× the 468 MB of the incidents they were
counted from, and 35–88 s to rebuild. At the fine levels almost every combination held
one incident. The table now keeps month counts per cell and category at the coarse
resolutions (res 7–9 by default: 1.3 M rows); days, weeks and the incidents' own
resolution are counted from the month-partitioned incidents by time range
(`geo.counts.store`). Key (res, month, cell, category), category byte-wise as in
`incidents`; no second index. The counts are derived data: the table is recreated
empty and `aggregate_state` emptied, so the next `civicgrid aggregate` (or load of
incidents) rebuilds them.

The B-tree on incidents.h3 that 0003 dropped comes back: a cell's weekly series (the
hotspots page's detail panel) is now read from the incidents of its res-10 children,
2.3 s over every month without it against 9 ms from the former cube (city sample).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("incident_counts")
    op.execute("DELETE FROM aggregate_state")
    op.create_table(
        "incident_counts",
        sa.Column("res", sa.SmallInteger(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("cell", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.Text(collation="C"), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "res", "month", "cell", "category", name=op.f("pk_incident_counts")
        ),
    )
    op.execute("CREATE INDEX ix_incidents_h3 ON incidents (h3)")  # and on each partition


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_incidents_h3")
    op.drop_table("incident_counts")
    op.execute("DELETE FROM aggregate_state")
    op.create_table(
        "incident_counts",
        sa.Column("res", sa.SmallInteger(), nullable=False),
        sa.Column("cell", sa.BigInteger(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "res", "cell", "period", "period_start", "category", name=op.f("pk_incident_counts")
        ),
    )
    op.create_index(
        "ix_incident_counts_lookup", "incident_counts", ["res", "period", "period_start"]
    )

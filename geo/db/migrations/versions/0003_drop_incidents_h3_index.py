"""incidents: no B-tree on h3, which no query reads

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 03:50:00

The H3 cell of each incident is read by the aggregate (`civicgrid aggregate`), which
joins a batch's incidents to its cell map by hash over whole partitions, and by the
readers of whole tables; nothing looks incidents up by cell. The index cost every bulk
load 0.62 CPU-s of the server per 1,000,000 rows (a sixth of all index building) and
every upsert an index insertion per row. EXPLAIN of the aggregate's queries on the
1M-incident benchmark reads no index on h3 for a whole load; a batch of a few rows is
found by the BRIN index on batch_id.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_incidents_h3")  # and each partition's with it


def downgrade() -> None:
    op.execute("CREATE INDEX ix_incidents_h3 ON incidents (h3)")

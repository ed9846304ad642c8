"""grid_versions: at most one version in force (active or filed), not just one active

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-06 21:40:00

"In force" is status 'active' or 'filed' (a filed version stays in force until the next
one is activated, which retires it). The old partial unique index on status allowed one
'active' next to one 'filed' — two versions in force. A unique index on a constant over
the rows in force allows one such row in all. A database that already holds several
versions in force keeps the most recently activated one and retires the others, so the
index can be built.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

IN_FORCE = "status IN ('active', 'filed')"


def upgrade() -> None:
    op.execute(f"""
        UPDATE grid_versions SET status = 'retired', retired_at = now()
        WHERE {IN_FORCE} AND id <> (
            SELECT id FROM grid_versions WHERE {IN_FORCE}
            ORDER BY activated_at DESC NULLS LAST, id DESC LIMIT 1)""")
    op.drop_index(
        "uq_grid_versions_active", table_name="grid_versions", postgresql_where="status = 'active'"
    )
    op.execute(
        f"CREATE UNIQUE INDEX uq_grid_versions_in_force ON grid_versions ((true)) WHERE {IN_FORCE}"
    )


def downgrade() -> None:
    op.execute("DROP INDEX uq_grid_versions_in_force")
    op.create_index(
        "uq_grid_versions_active",
        "grid_versions",
        ["status"],
        unique=True,
        postgresql_where="status = 'active'",
    )

"""users: a session epoch that ends every session of a user when it moves on; the
failed sign-ins the dashboard's throttle counts

Revision ID: 0009
Revises: 0003
Create Date: 2026-12-06 21:40:00

A dashboard session (a signed cookie) names its user and the user's session epoch at
sign-in. Every request compares it with the epoch stored here; signing out, changing the
password or deactivating the account adds one, so every cookie issued before — on this
browser or any other, copied or not — stops working at once.

`sign_in_failures` keeps the failed sign-ins the throttle counts in moving windows
(dashboards.throttle), so every worker process of `civicgrid serve` sees the same
counts; rows older than a day are deleted as new ones come.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_table(
        "sign_in_failures",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )
    op.create_index("ix_sign_in_failures_key_at", "sign_in_failures", ["key", "at"])


def downgrade() -> None:
    op.drop_table("sign_in_failures")
    op.drop_column("users", "session_epoch")

"""users: a session epoch that ends every session of a user when it moves on

Revision ID: 0009
Revises: 0003
Create Date: 2026-12-06 21:40:00

A dashboard session (a signed cookie) names its user and the user's session epoch at
sign-in. Every request compares it with the epoch stored here; signing out, changing the
password or deactivating the account adds one, so every cookie issued before — on this
browser or any other, copied or not — stops working at once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("users", "session_epoch")

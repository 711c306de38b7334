"""What a step was before its latest change (so that Undo puts it back, with its day).

Revision ID: 0014b
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0014b"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("step_states") as table:
        table.add_column(sa.Column("before_state", sa.String(16), nullable=True))
        table.add_column(sa.Column("before_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("step_states") as table:
        table.drop_column("before_at")
        table.drop_column("before_state")

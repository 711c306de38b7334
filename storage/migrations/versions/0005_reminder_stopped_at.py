"""When a reminder last stopped (blocked, gone, quiet, paused), so late news of a chat's
presence cannot undo a stop that came after it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reminders", sa.Column("stopped_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminders") as table:
        table.drop_column("stopped_at")

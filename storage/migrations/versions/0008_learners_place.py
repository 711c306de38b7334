"""The learner's place: a roadmap is started by its first step change, not by opening it, and a
chat remembers the step card it last opened or changed.

A roadmap only opened, with no step ever marked, was only looked at: it is no longer started.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_roadmaps") as table:
        table.alter_column("started_at", existing_type=UtcDateTime(), nullable=True)
    op.execute(
        "UPDATE chat_roadmaps SET started_at = NULL WHERE NOT EXISTS (SELECT 1 FROM step_states "
        "WHERE step_states.chat_id = chat_roadmaps.chat_id AND step_states.roadmap_id = chat_roadmaps.roadmap_id)"
    )
    op.add_column("chats", sa.Column("current_roadmap_id", sa.String(64), nullable=True))
    op.add_column("chats", sa.Column("current_step_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chats") as table:
        table.drop_column("current_step_id")
        table.drop_column("current_roadmap_id")
    op.execute("UPDATE chat_roadmaps SET started_at = last_activity_at WHERE started_at IS NULL")
    with op.batch_alter_table("chat_roadmaps") as table:
        table.alter_column("started_at", existing_type=UtcDateTime(), nullable=False)

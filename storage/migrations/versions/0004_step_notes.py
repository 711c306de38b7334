"""Notes a chat keeps on its steps.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "step_notes",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("roadmap_id", sa.String(length=64), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id", "roadmap_id"],
            ["chat_roadmaps.chat_id", "chat_roadmaps.roadmap_id"],
            name=op.f("fk_step_notes_chat_id_roadmap_id_chat_roadmaps"),
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "roadmap_id", "step_id", name=op.f("pk_step_notes")),
    )


def downgrade() -> None:
    op.drop_table("step_notes")

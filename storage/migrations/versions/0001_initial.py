"""Chats, the roadmaps they started, and step states.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chats",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chats")),
    )
    op.create_table(
        "chat_roadmaps",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("roadmap_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("last_activity_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_chat_roadmaps_chat_id_chats"),
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "roadmap_id", name=op.f("pk_chat_roadmaps")),
    )
    op.create_table(
        "step_states",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("roadmap_id", sa.String(length=64), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("state IN ('done', 'skipped')", name=op.f("ck_step_states_known_state")),
        sa.ForeignKeyConstraint(
            ["chat_id", "roadmap_id"],
            ["chat_roadmaps.chat_id", "chat_roadmaps.roadmap_id"],
            name=op.f("fk_step_states_chat_id_roadmap_id_chat_roadmaps"),
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "roadmap_id", "step_id", name=op.f("pk_step_states")),
    )


def downgrade() -> None:
    op.drop_table("step_states")
    op.drop_table("chat_roadmaps")
    op.drop_table("chats")

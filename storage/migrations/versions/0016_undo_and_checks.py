"""What a step was before its latest change (so that Undo puts it back, with its day), and the
"done when" checks a chat ticked, by check id.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("step_states") as table:
        table.add_column(sa.Column("before_state", sa.String(16), nullable=True))
        table.add_column(sa.Column("before_at", UtcDateTime(), nullable=True))
    op.create_table(
        "check_ticks",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("roadmap_id", sa.String(length=64), nullable=False),
        sa.Column("step_id", sa.String(length=64), nullable=False),
        sa.Column("check_id", sa.String(length=64), nullable=False),
        sa.Column("ticked_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chat_id", "roadmap_id"],
            ["chat_roadmaps.chat_id", "chat_roadmaps.roadmap_id"],
            name=op.f("fk_check_ticks_chat_id_roadmap_id_chat_roadmaps"),
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", "roadmap_id", "step_id", "check_id", name=op.f("pk_check_ticks")),
    )


def downgrade() -> None:
    op.drop_table("check_ticks")
    with op.batch_alter_table("step_states") as table:
        table.drop_column("before_at")
        table.drop_column("before_state")

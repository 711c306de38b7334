"""When a chat got its one welcome nudge (a chat that opened a step card and changed nothing hears
from the bot once, a few days later), and the index the nudge pass finds such chats by.

The chats that are here already are taken as welcomed: they came before the welcome existed.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

PENDING = sa.text("welcomed_at IS NULL AND current_roadmap_id IS NOT NULL")


def upgrade() -> None:
    op.add_column("chats", sa.Column("welcomed_at", UtcDateTime(), nullable=True))
    op.execute("UPDATE chats SET welcomed_at = created_at")
    op.create_index(
        "ix_chats_welcome_pending",
        "chats",
        ["created_at"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_chats_welcome_pending", table_name="chats")
    with op.batch_alter_table("chats") as table:
        table.drop_column("welcomed_at")

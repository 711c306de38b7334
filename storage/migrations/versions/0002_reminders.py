"""Weekly reminders: one row per chat, the due time indexed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=True),
        sa.Column("unanswered", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", UtcDateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('active', 'paused', 'idle', 'blocked', 'gone')", name=op.f("ck_reminders_known_status")
        ),
        sa.CheckConstraint("(status = 'active') = (due_at IS NOT NULL)", name=op.f("ck_reminders_due_when_active")),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_reminders_weekday_range")),
        sa.CheckConstraint("hour BETWEEN 0 AND 23", name=op.f("ck_reminders_hour_range")),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_reminders_chat_id_chats"),
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_reminders")),
    )
    op.create_index("ix_reminders_due_at_chat_id", "reminders", ["due_at", "chat_id"])


def downgrade() -> None:
    op.drop_index("ix_reminders_due_at_chat_id", table_name="reminders")
    op.drop_table("reminders")

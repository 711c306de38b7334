"""Announcements: the operator's message, one row per recipient with its own state, and whether a
chat wants announcements at all.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chats") as batch:
        batch.add_column(sa.Column("announcements", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo", sa.String(256), nullable=True),
        sa.Column("roadmap_id", sa.String(64), nullable=True),
        sa.Column("audience", sa.String(80), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("reported_at", UtcDateTime(), nullable=True),
        sa.Column("paced_until", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'sending', 'done', 'cancelled')", name=op.f("ck_announcements_known_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_index("ix_announcements_status", "announcements", ["status"])
    op.create_table(
        "announcement_recipients",
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("not_before", UtcDateTime(), nullable=True),
        sa.Column("claimed_at", UtcDateTime(), nullable=True),
        sa.Column("done_at", UtcDateTime(), nullable=True),
        sa.Column("sent_to", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["announcement_id"],
            ["announcements.id"],
            name=op.f("fk_announcement_recipients_announcement_id_announcements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("announcement_id", "chat_id", name=op.f("pk_announcement_recipients")),
    )
    op.create_index(
        "ix_announcement_recipients_announcement_id_state_chat_id",
        "announcement_recipients",
        ["announcement_id", "state", "chat_id"],
    )
    op.create_index("ix_announcement_recipients_chat_id", "announcement_recipients", ["chat_id"])


def downgrade() -> None:
    op.drop_table("announcement_recipients")
    op.drop_index("ix_announcements_status", table_name="announcements")
    op.drop_table("announcements")
    with op.batch_alter_table("chats") as batch:
        batch.drop_column("announcements")

"""The facts the operator's numbers are made of: each day a chat did anything (`chat_days`), and
what happened (`facts`: step changes, nudges sent and tapped, reminders stopped or snoozed,
blocks). Back-filled from what the existing rows know: a chat's first day (chats.created_at) and
each current mark as a step change from "not started" on the day it was made.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_days",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("first_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "day", name=op.f("pk_chat_days")),
    )
    op.create_index("ix_chat_days_day", "chat_days", ["day"])
    op.create_table(
        "facts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("roadmap_id", sa.String(64), nullable=True),
        sa.Column("step_id", sa.String(64), nullable=True),
        sa.Column("old_state", sa.String(16), nullable=True),
        sa.Column("new_state", sa.String(16), nullable=True),
        sa.Column("source", sa.String(16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facts")),
    )
    op.create_index("ix_facts_at", "facts", ["at"])
    op.create_index("ix_facts_chat_id_at", "facts", ["chat_id", "at"])
    op.execute(
        "INSERT INTO chat_days (chat_id, day, first_at) "
        "SELECT id, CAST(created_at AT TIME ZONE 'UTC' AS DATE), created_at FROM chats"
        if op.get_bind().dialect.name == "postgresql"
        else "INSERT INTO chat_days (chat_id, day, first_at) SELECT id, date(created_at), created_at FROM chats"
    )
    op.execute(
        "INSERT INTO facts (chat_id, at, kind, roadmap_id, step_id, old_state, new_state, source) "
        "SELECT chat_id, changed_at, 'step', roadmap_id, step_id, 'todo', state, 'backfill' FROM step_states"
    )


def downgrade() -> None:
    op.drop_table("facts")
    op.drop_table("chat_days")

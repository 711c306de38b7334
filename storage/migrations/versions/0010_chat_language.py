"""The language a chat is spoken to in: the one it chose (/language), or for a private chat the
one its person's Telegram app uses, kept so that a nudge, which comes with no update, speaks it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chats", sa.Column("language", sa.String(8), nullable=True))
    op.add_column("chats", sa.Column("language_chosen", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("chats") as table:
        table.drop_column("language_chosen")
        table.drop_column("language")

"""The time zone a chat told the bot (typed, a shared location, the page's browser zone), kept
even before it has a reminder, so that its first reminder starts in it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chats", sa.Column("timezone", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chats") as table:
        table.drop_column("timezone")

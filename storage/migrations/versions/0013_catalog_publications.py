"""The operator's published catalogs (`roadmap-bot roadmaps publish`): the newest row is what every
instance serves; one with no version withdraws them. And when /progress told a chat that a roadmap
it started is no longer offered (`chat_roadmaps.absence_told_at`: it is told once).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_publications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.String(64), nullable=True),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("files", sa.Text(), nullable=True),
        sa.Column("published_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_publications")),
    )
    op.add_column("chat_roadmaps", sa.Column("absence_told_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_roadmaps") as table:
        table.drop_column("absence_told_at")
    op.drop_table("catalog_publications")

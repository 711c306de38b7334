"""A third step state: working on it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

KNOWN = "ck_step_states_known_state"


def upgrade() -> None:
    with op.batch_alter_table("step_states") as table:
        table.drop_constraint(op.f(KNOWN), type_="check")
        table.create_check_constraint(op.f(KNOWN), "state IN ('working', 'done', 'skipped')")


def downgrade() -> None:
    op.execute("DELETE FROM step_states WHERE state = 'working'")
    with op.batch_alter_table("step_states") as table:
        table.drop_constraint(op.f(KNOWN), type_="check")
        table.create_check_constraint(op.f(KNOWN), "state IN ('done', 'skipped')")

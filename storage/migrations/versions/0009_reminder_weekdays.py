"""Reminders on one or more weekdays: a bit a day (Monday 1, Tuesday 2, ... Sunday 64).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DAY_RANGE = "ck_reminders_weekday_range"
DAYS_RANGE = "ck_reminders_weekdays_range"


def upgrade() -> None:
    op.add_column("reminders", sa.Column("weekdays", sa.SmallInteger(), nullable=True))
    op.execute("UPDATE reminders SET weekdays = 1 << weekday")
    with op.batch_alter_table("reminders") as table:
        table.alter_column("weekdays", existing_type=sa.SmallInteger(), nullable=False)
        table.drop_constraint(op.f(DAY_RANGE), type_="check")
        table.drop_column("weekday")
        table.create_check_constraint(op.f(DAYS_RANGE), "weekdays BETWEEN 1 AND 127")


def downgrade() -> None:
    op.add_column("reminders", sa.Column("weekday", sa.SmallInteger(), nullable=True))
    # The first day of the set: Monday if it has Monday, and so on.
    op.execute(
        "UPDATE reminders SET weekday = CASE WHEN weekdays & 1 != 0 THEN 0 WHEN weekdays & 2 != 0 THEN 1 "
        "WHEN weekdays & 4 != 0 THEN 2 WHEN weekdays & 8 != 0 THEN 3 WHEN weekdays & 16 != 0 THEN 4 "
        "WHEN weekdays & 32 != 0 THEN 5 ELSE 6 END"
    )
    with op.batch_alter_table("reminders") as table:
        table.alter_column("weekday", existing_type=sa.SmallInteger(), nullable=False)
        table.drop_constraint(op.f(DAYS_RANGE), type_="check")
        table.drop_column("weekdays")
        table.create_check_constraint(op.f(DAY_RANGE), "weekday BETWEEN 0 AND 6")

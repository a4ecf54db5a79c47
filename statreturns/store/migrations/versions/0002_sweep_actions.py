"""What the deadline sweep did, at most once a day for each return, period and action.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sweepaction",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("day", sa.Date, nullable=False, index=True),
        sa.Column("authority", sa.String, nullable=False),
        sa.Column("return_id", sa.String, nullable=False),
        sa.Column("period", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("detail", sa.String, nullable=False),
        sa.Column("flow_run_id", sa.String),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("day", "authority", "return_id", "period", "action"),
    )


def downgrade() -> None:
    op.drop_table("sweepaction")

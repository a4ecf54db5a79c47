"""Who made, explained, approved and submitted a version and from where; refusals kept.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WHERE = {"run": ("made_from",), "explanation": ("made_from",),
         "decision": ("email", "made_from", "four_eyes"), "submission": ("made_from",)}


def upgrade() -> None:
    for table, columns in WHERE.items():
        with op.batch_alter_table(table) as altered:
            for column in columns:
                altered.add_column(sa.Column(column, sa.String, nullable=False,
                                             server_default=""))
    op.create_table(
        "refusal",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("who", sa.String, nullable=False),
        sa.Column("made_from", sa.String, nullable=False),
        sa.Column("authority", sa.String, nullable=False),
        sa.Column("return_id", sa.String, nullable=False),
        sa.Column("period", sa.String, nullable=False),
        sa.Column("version", sa.Integer),
        sa.Column("reason", sa.String, nullable=False),
        sa.Index("ix_refusal_lookup", "authority", "return_id", "period"),
    )


def downgrade() -> None:
    op.drop_table("refusal")
    for table, columns in WHERE.items():
        with op.batch_alter_table(table) as altered:
            for column in columns:
                altered.drop_column(column)

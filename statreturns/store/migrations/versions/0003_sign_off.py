"""Versions that know what they were made from, what changed, explanations of queries,
sign-off decisions and submissions.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run") as run:
        run.add_column(sa.Column("rules_fingerprint", sa.String))
        run.add_column(sa.Column("code_version", sa.String))
        run.add_column(sa.Column("same_as_version", sa.Integer))
    with op.batch_alter_table("qualityresult") as result:
        result.add_column(sa.Column("rows_key", sa.String, nullable=False, server_default=""))
    op.create_table(
        "change",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id"), nullable=False, index=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("table", sa.String, nullable=False),
        sa.Column("row", sa.String, nullable=False),
        sa.Column("column", sa.String, nullable=False),
        sa.Column("old", sa.String, nullable=False),
        sa.Column("new", sa.String, nullable=False),
    )
    op.create_table(
        "explanation",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("authority", sa.String, nullable=False),
        sa.Column("return_id", sa.String, nullable=False),
        sa.Column("period", sa.String, nullable=False),
        sa.Column("code", sa.String, nullable=False),
        sa.Column("rows_key", sa.String, nullable=False),
        sa.Column("text", sa.String, nullable=False),
        sa.Column("author", sa.String, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Index("ix_explanation_lookup", "authority", "return_id", "period", "code"),
    )
    op.create_table(
        "decision",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id"), nullable=False, index=True),
        sa.Column("decision", sa.String, nullable=False),
        sa.Column("approver", sa.String, nullable=False),
        sa.Column("comment", sa.String, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "submission",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id"), nullable=False, unique=True),
        sa.Column("outbox", sa.String, nullable=False),
        sa.Column("destination", sa.String, nullable=False),
        sa.Column("package_sha256", sa.String, nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in ("submission", "decision", "explanation", "change"):
        op.drop_table(table)
    with op.batch_alter_table("qualityresult") as result:
        result.drop_column("rows_key")
    with op.batch_alter_table("run") as run:
        for column in ("same_as_version", "code_version", "rules_fingerprint"):
            run.drop_column(column)

"""Runs, their sources, data-quality results and outputs.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("authority", sa.String, nullable=False, index=True),
        sa.Column("return_id", sa.String, nullable=False, index=True),
        sa.Column("period", sa.String, nullable=False, index=True),
        sa.Column("version", sa.Integer),
        sa.Column("trigger", sa.String, nullable=False),
        sa.Column("reason", sa.String, nullable=False),
        sa.Column("flow_run_id", sa.String),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("verdict", sa.String),
        sa.Column("message", sa.String, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("input_fingerprint", sa.String),
        sa.Column("outputs_dir", sa.String),
        sa.UniqueConstraint("authority", "return_id", "period", "version"),
    )
    op.create_table(
        "sourcefile",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id"), nullable=False, index=True),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("path", sa.String, nullable=False),
        sa.Column("sha256", sa.String),
        sa.Column("rows", sa.Integer),
        sa.Column("archive_path", sa.String),
        sa.Column("notes", sa.String, nullable=False),
    )
    op.create_table(
        "qualityresult",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id"), nullable=False, index=True),
        sa.Column("suite", sa.String, nullable=False),
        sa.Column("code", sa.String, nullable=False),
        sa.Column("expectation_type", sa.String, nullable=False),
        sa.Column("column", sa.String),
        sa.Column("severity", sa.String, nullable=False),
        sa.Column("success", sa.Boolean, nullable=False),
        sa.Column("unexpected_count", sa.Integer, nullable=False),
        sa.Column("sample", sa.String, nullable=False),
        sa.Column("location", sa.String, nullable=False),
        sa.Column("message", sa.String, nullable=False),
    )
    op.create_table(
        "outputfile",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id"), nullable=False, index=True),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("path", sa.String, nullable=False),
        sa.Column("sha256", sa.String, nullable=False),
        sa.Column("bytes", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in ("outputfile", "qualityresult", "sourcefile", "run"):
        op.drop_table(table)

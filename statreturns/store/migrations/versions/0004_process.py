"""Which process runs a run, so that one whose process died can be found and marked crashed.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run") as run:
        run.add_column(sa.Column("process", sa.String))
        run.create_index("ix_run_process", ["process"])


def downgrade() -> None:
    with op.batch_alter_table("run") as run:
        run.drop_index("ix_run_process")
        run.drop_column("process")

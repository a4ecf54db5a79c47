"""A version made before its period ended, and a version that replaces a signed-off one.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run") as run:
        run.add_column(sa.Column("provisional", sa.Boolean, nullable=False,
                                 server_default=sa.false()))
        run.add_column(sa.Column("resubmits", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("run") as run:
        run.drop_column("resubmits")
        run.drop_column("provisional")

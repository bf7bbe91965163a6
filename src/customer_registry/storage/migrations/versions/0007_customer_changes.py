"""customer_changes: every customer's history of changes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_changes",
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("surface", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_customer_changes")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("customer_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_changes_customer_id_change_id"),
            ["customer_id", "change_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_customer_changes_changed_at"), ["changed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_changes_changed_at"))
        batch_op.drop_index(batch_op.f("ix_customer_changes_customer_id_change_id"))
    op.drop_table("customer_changes")

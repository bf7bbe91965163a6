"""customers: an index on (entity_id, name, customer_id) for lists by name

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table(
        "customers", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customers_entity_id_name_customer_id"),
            ["entity_id", "name", "customer_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table(
        "customers", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_entity_id_name_customer_id"))

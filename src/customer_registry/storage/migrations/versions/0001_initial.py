"""initial schema: entities, users, tokens, customers

Revision ID: 0001
Revises:
Create Date: 2026-11-23 12:25:45.889518
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "entities",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("bboxx_company_flag", sa.Boolean(), nullable=False),
        sa.Column("tariff", sa.String(length=255), nullable=True),
        sa.Column("financier", sa.Boolean(), nullable=True),
        sa.Column("geic", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_entities")),
        sa.UniqueConstraint("geic", name=op.f("uq_entities_geic")),
        sa.UniqueConstraint("name", name=op.f("uq_entities_name")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "login_failures",
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_login_failures")),
    )
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("external_id", sa.BigInteger(), nullable=True),
        sa.Column("code", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.entity_id"],
            name=op.f("fk_customers_entity_id_entities"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customers")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customers_entity_id_code"), ["entity_id", "code"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_customers_entity_id_external_id"),
            ["entity_id", "external_id"],
            unique=True,
        )
        batch_op.create_index(batch_op.f("ix_customers_name"), ["name"], unique=False)

    op.create_table(
        "users",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("permissions", sa.String(length=16), nullable=False),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.entity_id"],
            name=op.f("fk_users_entity_id_entities"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "customer_entity_linker",
        sa.Column("customer_entity_linker_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("date_added", sa.DateTime(), nullable=True),
        sa.Column("date_removed", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_customer_entity_linker_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.entity_id"],
            name=op.f("fk_customer_entity_linker_entity_id_entities"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "customer_entity_linker_id", name=op.f("pk_customer_entity_linker")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("customer_entity_linker", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_entity_linker_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_entity_linker_entity_id"), ["entity_id"], unique=False
        )

    op.create_table(
        "tokens",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=False),
        sa.Column("idle_seconds", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.user_id"], name=op.f("fk_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tokens_token_hash")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tokens_user_id"), ["user_id"], unique=False)

    # Entity 1, the default entity: the first administrator belongs to it. Inserted without
    # an explicit id so that PostgreSQL's sequence stays in step (the table is empty: id 1).
    entities = sa.table(
        "entities",
        sa.column("name", sa.String()),
        sa.column("bboxx_company_flag", sa.Boolean()),
        sa.column("created_at", sa.DateTime()),
        sa.column("created_by", sa.String()),
    )
    op.bulk_insert(
        entities,
        [
            {
                "name": "default",
                "bboxx_company_flag": False,
                "created_at": datetime.now(UTC).replace(tzinfo=None),
                "created_by": "migration",
            }
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tokens_user_id"))

    op.drop_table("tokens")
    with op.batch_alter_table("customer_entity_linker", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_entity_linker_entity_id"))
        batch_op.drop_index(batch_op.f("ix_customer_entity_linker_customer_id"))

    op.drop_table("customer_entity_linker")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_entity_id"))

    op.drop_table("users")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_name"))
        batch_op.drop_index(batch_op.f("ix_customers_entity_id_external_id"))
        batch_op.drop_index(batch_op.f("ix_customers_entity_id_code"))

    op.drop_table("customers")
    op.drop_table("login_failures")
    op.drop_table("entities")

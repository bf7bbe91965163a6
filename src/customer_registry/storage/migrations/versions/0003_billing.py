"""billing: commercial details, brands, contacts, account counters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:36:01.669813
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_counters",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.entity_id"],
            name=op.f("fk_account_counters_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_account_counters")),
    )
    op.create_table(
        "brands",
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.entity_id"],
            name=op.f("fk_brands_entity_id_entities"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("brand_id", name=op.f("pk_brands")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("brands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_brands_entity_id"), ["entity_id"], unique=False)

    # Brand 1, shared by every entity: the default of every customer (id 1: the table is new).
    brands = sa.table(
        "brands",
        sa.column("name", sa.String()),
        sa.column("created_at", sa.DateTime()),
        sa.column("created_by", sa.String()),
    )
    op.bulk_insert(
        brands,
        [
            {
                "name": "default",
                "created_at": datetime.now(UTC).replace(tzinfo=None),
                "created_by": "migration",
            }
        ],
    )

    op.create_table(
        "contacts",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=True),
        sa.Column("last_name", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("mobile", sa.String(length=50), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_contacts_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_contacts")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_customer_id"), ["customer_id"], unique=False)

    # SQLite rebuilds the table here: keep AUTOINCREMENT, so customer ids are never reused.
    with op.batch_alter_table(
        "customers", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("secondary_code", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("brand_id", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
        batch_op.add_column(sa.Column("representative_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("trading_name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("registration_number", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("tax_registration_number", sa.String(length=255), nullable=True)
        )
        batch_op.add_column(sa.Column("company_type", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("capital", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("address_line1", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("address_line2", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("postal_code", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("city", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("country", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("website", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("email", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("mobile", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("fax", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("comment", sa.String(length=2000), nullable=True))
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("is_reseller", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("reseller_level", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("charge_vat", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "apply_vat_auto_reverse", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("on_call_duty", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("vip", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_customers_entity_id_secondary_code"),
            ["entity_id", "secondary_code"],
            unique=True,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_representative_id_users"),
            "users",
            ["representative_id"],
            ["user_id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_brand_id_brands"),
            "brands",
            ["brand_id"],
            ["brand_id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    # SQLite rebuilds the table here: keep AUTOINCREMENT, so customer ids are never reused.
    with op.batch_alter_table(
        "customers", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_customers_brand_id_brands"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_customers_representative_id_users"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_customers_entity_id_secondary_code"))
        batch_op.drop_column("vip")
        batch_op.drop_column("on_call_duty")
        batch_op.drop_column("apply_vat_auto_reverse")
        batch_op.drop_column("charge_vat")
        batch_op.drop_column("reseller_level")
        batch_op.drop_column("is_reseller")
        batch_op.drop_column("active")
        batch_op.drop_column("comment")
        batch_op.drop_column("fax")
        batch_op.drop_column("mobile")
        batch_op.drop_column("phone")
        batch_op.drop_column("email")
        batch_op.drop_column("website")
        batch_op.drop_column("country")
        batch_op.drop_column("city")
        batch_op.drop_column("postal_code")
        batch_op.drop_column("address_line2")
        batch_op.drop_column("address_line1")
        batch_op.drop_column("capital")
        batch_op.drop_column("company_type")
        batch_op.drop_column("tax_registration_number")
        batch_op.drop_column("registration_number")
        batch_op.drop_column("trading_name")
        batch_op.drop_column("representative_id")
        batch_op.drop_column("brand_id")
        batch_op.drop_column("secondary_code")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_customer_id"))

    op.drop_table("contacts")
    with op.batch_alter_table("brands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brands_entity_id"))

    op.drop_table("brands")
    op.drop_table("account_counters")

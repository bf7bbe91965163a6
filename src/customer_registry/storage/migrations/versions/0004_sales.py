"""sales: catalogues, customer sales details, payment types

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:23:39.254807
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "currencies",
        sa.Column("currency_id", sa.Integer(), nullable=False),
        sa.Column("exchange_rate", sa.Float(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.entity_id"],
            name=op.f("fk_currencies_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("currency_id", name=op.f("pk_currencies")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("currencies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_currencies_entity_id_reference"), ["entity_id", "reference"], unique=True
        )
        batch_op.create_index(
            "uq_currencies_default",
            ["entity_id"],
            unique=True,
            postgresql_where=sa.text("is_default"),
            sqlite_where=sa.text("is_default"),
        )

    op.create_table(
        "customer_categories",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.entity_id"],
            name=op.f("fk_customer_categories_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["customer_categories.category_id"],
            name=op.f("fk_customer_categories_parent_id_customer_categories"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("category_id", name=op.f("pk_customer_categories")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("customer_categories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_categories_entity_id_reference"),
            ["entity_id", "reference"],
            unique=True,
        )
        batch_op.create_index(
            batch_op.f("ix_customer_categories_parent_id"), ["parent_id"], unique=False
        )
        batch_op.create_index(
            "uq_customer_categories_root",
            ["entity_id"],
            unique=True,
            postgresql_where=sa.text("parent_id IS NULL"),
            sqlite_where=sa.text("parent_id IS NULL"),
        )

    op.create_table(
        "customer_segmentations",
        sa.Column("segmentation_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.entity_id"],
            name=op.f("fk_customer_segmentations_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("segmentation_id", name=op.f("pk_customer_segmentations")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("customer_segmentations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_segmentations_entity_id_reference"),
            ["entity_id", "reference"],
            unique=True,
        )

    op.create_table(
        "organization_settings",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("geographical_locations", sa.Boolean(), nullable=False),
        sa.Column("region_level", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.entity_id"],
            name=op.f("fk_organization_settings_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity_id", name=op.f("pk_organization_settings")),
    )
    op.create_table(
        "payment_types",
        sa.Column("payment_type_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.entity_id"],
            name=op.f("fk_payment_types_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("payment_type_id", name=op.f("pk_payment_types")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("payment_types", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_types_entity_id_reference"),
            ["entity_id", "reference"],
            unique=True,
        )

    op.create_table(
        "regions",
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.entity_id"],
            name=op.f("fk_regions_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["regions.region_id"],
            name=op.f("fk_regions_parent_id_regions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("region_id", name=op.f("pk_regions")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_regions_entity_id_reference"), ["entity_id", "reference"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_regions_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "customer_payment_types",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("payment_type_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_customer_payment_types_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["payment_type_id"],
            ["payment_types.payment_type_id"],
            name=op.f("fk_customer_payment_types_payment_type_id_payment_types"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "customer_id", "payment_type_id", name=op.f("pk_customer_payment_types")
        ),
    )
    with op.batch_alter_table("customer_payment_types", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_payment_types_payment_type_id"),
            ["payment_type_id"],
            unique=False,
        )

    # As in 0003: SQLite's batch copy must keep ids never reused.
    with op.batch_alter_table(
        "customers", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("category_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("segmentation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("region_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("currency_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("parent_customer_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("bill_with_parent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("creator_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("barcode", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("billing_lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("billing_lng", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("is_same_address", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("shipping_country", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("shipping_city", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("shipping_postal_code", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("shipping_address", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("shipping_lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("shipping_lng", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("credit_limit", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("due_date_config_number", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("due_date_config_type", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("customer_risk", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("customer_risk_color", sa.String(length=7), nullable=True))
        batch_op.add_column(
            sa.Column("on_hold", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("on_hold_reason", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("logo", sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f("ix_customers_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_currency_id"), ["currency_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_customers_parent_customer_id"), ["parent_customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_customers_region_id"), ["region_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_customers_segmentation_id"), ["segmentation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_creator_id_users"),
            "users",
            ["creator_id"],
            ["user_id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_segmentation_id_customer_segmentations"),
            "customer_segmentations",
            ["segmentation_id"],
            ["segmentation_id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_currency_id_currencies"),
            "currencies",
            ["currency_id"],
            ["currency_id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_category_id_customer_categories"),
            "customer_categories",
            ["category_id"],
            ["category_id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_region_id_regions"),
            "regions",
            ["region_id"],
            ["region_id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_parent_customer_id_customers"),
            "customers",
            ["parent_customer_id"],
            ["customer_id"],
            ondelete="RESTRICT",
        )

    # Every entity's root category: the tree's root always exists.
    op.execute(
        "INSERT INTO customer_categories (entity_id, reference, name, created_at, created_by) "
        "SELECT entity_id, 'root', 'Root', CURRENT_TIMESTAMP, 'migration' FROM entities"
    )


def downgrade() -> None:
    with op.batch_alter_table(
        "customers", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_customers_parent_customer_id_customers"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_customers_region_id_regions"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_customers_category_id_customer_categories"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_customers_currency_id_currencies"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_customers_segmentation_id_customer_segmentations"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_customers_creator_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_customers_segmentation_id"))
        batch_op.drop_index(batch_op.f("ix_customers_region_id"))
        batch_op.drop_index(batch_op.f("ix_customers_parent_customer_id"))
        batch_op.drop_index(batch_op.f("ix_customers_currency_id"))
        batch_op.drop_index(batch_op.f("ix_customers_category_id"))
        batch_op.drop_column("logo")
        batch_op.drop_column("on_hold_reason")
        batch_op.drop_column("on_hold")
        batch_op.drop_column("customer_risk_color")
        batch_op.drop_column("customer_risk")
        batch_op.drop_column("due_date_config_type")
        batch_op.drop_column("due_date_config_number")
        batch_op.drop_column("credit_limit")
        batch_op.drop_column("shipping_lng")
        batch_op.drop_column("shipping_lat")
        batch_op.drop_column("shipping_address")
        batch_op.drop_column("shipping_postal_code")
        batch_op.drop_column("shipping_city")
        batch_op.drop_column("shipping_country")
        batch_op.drop_column("is_same_address")
        batch_op.drop_column("billing_lng")
        batch_op.drop_column("billing_lat")
        batch_op.drop_column("barcode")
        batch_op.drop_column("creator_id")
        batch_op.drop_column("bill_with_parent")
        batch_op.drop_column("parent_customer_id")
        batch_op.drop_column("currency_id")
        batch_op.drop_column("region_id")
        batch_op.drop_column("segmentation_id")
        batch_op.drop_column("category_id")

    with op.batch_alter_table("customer_payment_types", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_payment_types_payment_type_id"))

    op.drop_table("customer_payment_types")
    with op.batch_alter_table("regions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_regions_parent_id"))
        batch_op.drop_index(batch_op.f("ix_regions_entity_id_reference"))

    op.drop_table("regions")
    with op.batch_alter_table("payment_types", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_types_entity_id_reference"))

    op.drop_table("payment_types")
    op.drop_table("organization_settings")
    with op.batch_alter_table("customer_segmentations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_segmentations_entity_id_reference"))

    op.drop_table("customer_segmentations")
    with op.batch_alter_table("customer_categories", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_customer_categories_root",
            postgresql_where=sa.text("parent_id IS NULL"),
            sqlite_where=sa.text("parent_id IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_customer_categories_parent_id"))
        batch_op.drop_index(batch_op.f("ix_customer_categories_entity_id_reference"))

    op.drop_table("customer_categories")
    with op.batch_alter_table("currencies", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_currencies_default",
            postgresql_where=sa.text("is_default"),
            sqlite_where=sa.text("is_default"),
        )
        batch_op.drop_index(batch_op.f("ix_currencies_entity_id_reference"))

    op.drop_table("currencies")

"""products, product entity links, customer product history; one current entity per customer

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:57:02.298218
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customer_entity_linker", schema=None) as batch_op:
        batch_op.create_index(
            "uq_customer_entity_linker_current_customer",
            ["customer_id"],
            unique=True,
            postgresql_where=sa.text("date_removed IS NULL"),
            sqlite_where=sa.text("date_removed IS NULL"),
        )
    op.create_table(
        "products",
        sa.Column("product_imei", sa.String(length=15), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("analysis_timestamp", sa.DateTime(), nullable=True),
        sa.Column("current_enable_flag", sa.Boolean(), nullable=False),
        sa.Column("desired_enable_flag", sa.Boolean(), nullable=False),
        sa.Column("disable_date", sa.DateTime(), nullable=True),
        sa.Column("device_key", sa.String(length=24), nullable=True),
        sa.Column("hub_id", sa.BigInteger(), nullable=True),
        sa.Column("imsi", sa.String(length=15), nullable=True),
        sa.Column("iccid", sa.String(length=32), nullable=True),
        sa.Column("latest_connection_id", sa.BigInteger(), nullable=True),
        sa.Column("latest_connection_location_id", sa.BigInteger(), nullable=True),
        sa.Column("latest_state_id", sa.BigInteger(), nullable=True),
        sa.Column("latest_enable_history_id", sa.BigInteger(), nullable=True),
        sa.Column("product_type_id", sa.BigInteger(), nullable=True),
        sa.Column("serial_number", sa.String(length=255), nullable=True),
        sa.Column("shop_id", sa.BigInteger(), nullable=True),
        sa.Column("software_lock", sa.BigInteger(), nullable=True),
        sa.Column("rtc_network_name", sa.String(length=255), nullable=True),
        sa.Column("ip_address", sa.String(length=15), nullable=True),
        sa.Column("latest_rtc_connection_history_id", sa.BigInteger(), nullable=True),
        sa.Column("latest_rtc_mo_status_report_time", sa.DateTime(), nullable=True),
        sa.Column("latest_rtc_mt_status_update_time", sa.DateTime(), nullable=True),
        sa.Column("rtc_enabled_flag", sa.Boolean(), nullable=False),
        sa.Column("dcm_enabled_flag", sa.Boolean(), nullable=False),
        sa.Column("assembler", sa.String(length=255), nullable=True),
        sa.Column("gps_lat", sa.Float(), nullable=True),
        sa.Column("gps_lon", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.entity_id"],
            name=op.f("fk_products_entity_id_entities"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("product_imei", name=op.f("pk_products")),
        sa.UniqueConstraint("device_key", name=op.f("uq_products_device_key")),
        sa.UniqueConstraint("iccid", name=op.f("uq_products_iccid")),
        sa.UniqueConstraint("imsi", name=op.f("uq_products_imsi")),
        sa.UniqueConstraint("serial_number", name=op.f("uq_products_serial_number")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_products_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "customer_product_history",
        sa.Column("customer_product_history_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product_imei", sa.String(length=15), nullable=False),
        sa.Column("date_added", sa.DateTime(), nullable=True),
        sa.Column("date_removed", sa.DateTime(), nullable=True),
        sa.Column("removal_reason", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_customer_product_history_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_imei"],
            ["products.product_imei"],
            name=op.f("fk_customer_product_history_product_imei_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "customer_product_history_id", name=op.f("pk_customer_product_history")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("customer_product_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_product_history_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_product_history_product_imei"), ["product_imei"], unique=False
        )
        batch_op.create_index(
            "uq_customer_product_history_current_customer",
            ["customer_id"],
            unique=True,
            postgresql_where=sa.text("date_removed IS NULL"),
            sqlite_where=sa.text("date_removed IS NULL"),
        )
        batch_op.create_index(
            "uq_customer_product_history_current_product",
            ["product_imei"],
            unique=True,
            postgresql_where=sa.text("date_removed IS NULL"),
            sqlite_where=sa.text("date_removed IS NULL"),
        )

    op.create_table(
        "product_entity_linker",
        sa.Column("product_entity_linker_id", sa.Integer(), nullable=False),
        sa.Column("product_imei", sa.String(length=15), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("date_added", sa.DateTime(), nullable=True),
        sa.Column("date_removed", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.entity_id"],
            name=op.f("fk_product_entity_linker_entity_id_entities"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_imei"],
            ["products.product_imei"],
            name=op.f("fk_product_entity_linker_product_imei_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_entity_linker_id", name=op.f("pk_product_entity_linker")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("product_entity_linker", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_entity_linker_entity_id"), ["entity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_product_entity_linker_product_imei"), ["product_imei"], unique=False
        )
        batch_op.create_index(
            "uq_product_entity_linker_current_product",
            ["product_imei"],
            unique=True,
            postgresql_where=sa.text("date_removed IS NULL"),
            sqlite_where=sa.text("date_removed IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("product_entity_linker", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_product_entity_linker_current_product",
            postgresql_where=sa.text("date_removed IS NULL"),
            sqlite_where=sa.text("date_removed IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_product_entity_linker_product_imei"))
        batch_op.drop_index(batch_op.f("ix_product_entity_linker_entity_id"))

    op.drop_table("product_entity_linker")
    with op.batch_alter_table("customer_product_history", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_customer_product_history_current_product",
            postgresql_where=sa.text("date_removed IS NULL"),
            sqlite_where=sa.text("date_removed IS NULL"),
        )
        batch_op.drop_index(
            "uq_customer_product_history_current_customer",
            postgresql_where=sa.text("date_removed IS NULL"),
            sqlite_where=sa.text("date_removed IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_customer_product_history_product_imei"))
        batch_op.drop_index(batch_op.f("ix_customer_product_history_customer_id"))

    op.drop_table("customer_product_history")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_entity_id"))

    op.drop_table("products")
    with op.batch_alter_table("customer_entity_linker", schema=None) as batch_op:
        batch_op.drop_index("uq_customer_entity_linker_current_customer")

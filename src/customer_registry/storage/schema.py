"""The database schema (SQLAlchemy Core). Migrations in `migrations/` must build exactly this.

Portable between SQLite and PostgreSQL: no dialect-only column types. Constraint and index
names follow one convention, because unique violations are mapped to field errors by name.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import msgspec
import sqlalchemy as sa

from customer_registry.core.customer_details import DEFAULT_BRAND_ID as DEFAULT_BRAND_ID
from customer_registry.core.customer_details import CustomerDetails
from customer_registry.core.fields import INT32
from customer_registry.core.product_attributes import ProductAttributes

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

DEFAULT_ENTITY_ID = 1

# The current rows of a history (date_removed IS NULL): partial unique indexes keep one per
# product / customer, so no race can give a product two customers, or a customer two entities.
_CURRENT = sa.text("date_removed IS NULL")


def _audit_columns() -> list[sa.Column[object]]:
    """created_at/created_by/modified_at/modified_by: set by the system on every row."""
    return [
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=True),
        sa.Column("modified_at", sa.DateTime(), nullable=True),
        sa.Column("modified_by", sa.String(255), nullable=True),
    ]


# A record field's type -> its column's type (a text's length is the field's `max_length`).
_COLUMN_TYPES: dict[type[msgspec.inspect.Type], Callable[[], sa.types.TypeEngine[Any]]] = {
    msgspec.inspect.BoolType: sa.Boolean,
    msgspec.inspect.IntType: sa.Integer,
    msgspec.inspect.FloatType: sa.Float,
    msgspec.inspect.DateTimeType: sa.DateTime,
}


def detail_columns(
    record: type[msgspec.Struct], *, server_defaults: bool = True
) -> list[sa.Column[Any]]:
    """A column per field of `record`, in its order: NOT NULL unless the field takes None, with
    the field's default as the server default (a create that leaves it out gets it) unless
    `server_defaults` is false (then the core gives a new row the field's default)."""
    info = msgspec.inspect.type_info(record)
    assert isinstance(info, msgspec.inspect.StructType)
    return [_column(field, server_defaults) for field in info.fields]


def _column(field: msgspec.inspect.Field, server_defaults: bool) -> sa.Column[Any]:
    kind, nullable = field.type, False
    if isinstance(kind, msgspec.inspect.UnionType):
        (kind,) = (t for t in kind.types if not isinstance(t, msgspec.inspect.NoneType))
        nullable = True
    column_type: sa.types.TypeEngine[Any]
    if isinstance(kind, msgspec.inspect.StrType) and kind.max_length is not None:
        column_type = sa.String(kind.max_length)
    elif isinstance(kind, msgspec.inspect.IntType) and (kind.le or 0) > INT32[1]:
        column_type = sa.BigInteger()  # an integer bounded past 32 bits
    elif type(kind) in _COLUMN_TYPES:
        column_type = _COLUMN_TYPES[type(kind)]()
    else:
        raise TypeError(f"{field.name}: no column type for {kind!r}")
    if nullable or not server_defaults:
        return sa.Column(field.name, column_type, nullable=nullable)
    return sa.Column(field.name, column_type, nullable=False, server_default=_literal(field))


def _literal(field: msgspec.inspect.Field) -> sa.ColumnElement[Any] | sa.TextClause:
    value = field.default
    if value is True:
        return sa.true()
    if value is False:
        return sa.false()
    if isinstance(value, int):
        return sa.text(str(value))
    raise TypeError(f"{field.name}: a NOT NULL field needs a boolean or integer default")


entities = sa.Table(
    "entities",
    metadata,
    sa.Column("entity_id", sa.Integer(), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("bboxx_company_flag", sa.Boolean(), nullable=False),
    sa.Column("tariff", sa.String(255), nullable=True),
    sa.Column("financier", sa.Boolean(), nullable=True),
    sa.Column("geic", sa.String(255), nullable=True),
    *_audit_columns(),
    sa.UniqueConstraint("name"),
    sa.UniqueConstraint("geic"),
    sqlite_autoincrement=True,  # ids are never reused, on SQLite too
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", sa.Integer(), primary_key=True),
    sa.Column("username", sa.String(255), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column(
        "entity_id",
        sa.Integer(),
        sa.ForeignKey("entities.entity_id", ondelete="RESTRICT"),
        nullable=False,
    ),
    sa.Column("permissions", sa.String(16), nullable=False),
    sa.Column("visibility", sa.String(16), nullable=False),
    sa.Column("display_name", sa.String(255), nullable=True),
    sa.Column("disabled", sa.Boolean(), nullable=False),
    *_audit_columns(),
    sa.UniqueConstraint("username"),
    sa.Index(None, "entity_id"),
    sqlite_autoincrement=True,
)

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("token_id", sa.Integer(), primary_key=True),
    # SHA-256 of the token: a copy of the database gives no usable token.
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column(
        "user_id",
        sa.Integer(),
        sa.ForeignKey("users.user_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("last_used_at", sa.DateTime(), nullable=False),
    # Sliding expiry: the token dies after this many seconds without use (NULL: no sliding).
    sa.Column("idle_seconds", sa.Integer(), nullable=True),
    # Absolute expiry (NULL: none). API keys from the command line use this or nothing.
    sa.Column("expires_at", sa.DateTime(), nullable=True),
    sa.UniqueConstraint("token_hash"),
    sa.Index(None, "user_id"),
    sqlite_autoincrement=True,
)

login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("username", sa.String(255), primary_key=True),
    sa.Column("failures", sa.Integer(), nullable=False),
    sa.Column("window_started_at", sa.DateTime(), nullable=False),
)

# A customer's history: each create, update and delete of the customer or of what belongs to
# it (contacts, entity links, products held), written in the same transaction as the change.
# No foreign key: a customer's history outlives it (its deletion is the last entry).
customer_changes = sa.Table(
    "customer_changes",
    metadata,
    sa.Column("change_id", sa.Integer(), primary_key=True),
    sa.Column("customer_id", sa.Integer(), nullable=False),
    # The customer's entity when the change was made: who may read the entry.
    sa.Column("entity_id", sa.Integer(), nullable=False),
    sa.Column("changed_at", sa.DateTime(), nullable=False),
    sa.Column("user_id", sa.Integer(), nullable=True),  # None: the command line
    sa.Column("username", sa.String(255), nullable=False),
    sa.Column("surface", sa.String(16), nullable=False),  # partner, sales, billing, cli, import
    sa.Column("action", sa.String(32), nullable=False),  # e.g. customer.updated
    sa.Column("subject", sa.String(64), nullable=True),  # a contact's or link's id, an IMEI
    # JSON: {field: [old, new]}, in the registry's own field names.
    sa.Column("changes", sa.Text(), nullable=False),
    # JSON: the customer's fields after a customer's create or update, before its delete (the
    # record a webhook's event carries); None for what belongs to it (contacts, links…).
    sa.Column("state", sa.Text(), nullable=True),
    sa.Index(None, "customer_id", "change_id"),
    sa.Index(None, "changed_at"),  # pruned by age
    sqlite_autoincrement=True,
)

# Receivers of customers' changes (`core.webhooks`): each gets the entries of the history
# (`customer_changes`, the outbox) whose action it subscribes to, in order, from `position`
# (the last entry it was given or gave up on). Its signing secret is not stored: it is
# derived from the service's secret key and `salt`.
webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("webhook_id", sa.Integer(), primary_key=True),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("events", sa.String(512), nullable=False),  # comma-separated actions
    sa.Column(
        "entity_id",
        sa.Integer(),
        sa.ForeignKey("entities.entity_id", ondelete="CASCADE"),
        nullable=True,  # None: every entity's changes
    ),
    sa.Column("salt", sa.String(32), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("position", sa.Integer(), nullable=False),
    # One dispatcher at a time delivers a webhook's events: the one holding its lease.
    sa.Column("lease_owner", sa.String(64), nullable=True),
    sa.Column("leased_until", sa.DateTime(), nullable=True),
    sqlite_autoincrement=True,
)

# Each attempt's outcome, per webhook and history entry (its event).
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column(
        "webhook_id",
        sa.Integer(),
        sa.ForeignKey("webhooks.webhook_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("change_id", sa.Integer(), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # pending, delivered, failed
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("last_status", sa.Integer(), nullable=True),  # the receiver's HTTP status
    sa.Column("last_error", sa.String(255), nullable=True),
    sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
)

# An import started from the console: its file (kept under the imports directory until the
# import has run), what its dry run and its run found, and how far the running one is. Any
# worker shows it: the one running it writes its progress here.
import_jobs = sa.Table(
    "import_jobs",
    metadata,
    sa.Column("import_id", sa.Integer(), primary_key=True),
    sa.Column(
        "user_id",
        sa.Integer(),
        sa.ForeignKey("users.user_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "entity_id",
        sa.Integer(),
        sa.ForeignKey("entities.entity_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("file_name", sa.String(255), nullable=False),  # as uploaded, to show
    sa.Column("stored_name", sa.String(64), nullable=False),  # in the imports directory
    sa.Column("on_conflict", sa.String(8), nullable=False),
    sa.Column("plan", sa.Text(), nullable=False),  # how the file is read, its naming
    sa.Column("dry_run", sa.Boolean(), nullable=False),  # what `state` and the counts are of
    sa.Column("state", sa.String(16), nullable=False),  # running, done, failed
    sa.Column("rows_total", sa.Integer(), nullable=True),  # about; None: unknown
    sa.Column("created", sa.Integer(), nullable=False),
    sa.Column("updated", sa.Integer(), nullable=False),
    sa.Column("unchanged", sa.Integer(), nullable=False),
    sa.Column("refused", sa.Integer(), nullable=False),
    sa.Column("refusals", sa.Text(), nullable=True),  # the error report (CSV), once done
    sa.Column("problem", sa.Text(), nullable=True),  # why it failed as a whole
    sa.Column("started_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.Index(None, "user_id"),
    sqlite_autoincrement=True,
)

# The answer a create gave under a client's Idempotency-Key, replayed to a retry of the same
# request (`apis/idempotency.py`). A row is written in the create's own transaction, so one is
# visible to others only with its answer: status, headers and body are null only while that
# transaction runs.
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column(
        "user_id",
        sa.Integer(),
        sa.ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("idempotency_key", sa.String(255), primary_key=True),
    # SHA-256 of the request (method, path, query, media type, body): a key sent again with
    # another request is refused, not answered with the first one's answer.
    sa.Column("request_digest", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("status", sa.Integer(), nullable=True),
    sa.Column("headers", sa.Text(), nullable=True),  # JSON: [[name, value], ...]
    sa.Column("body", sa.LargeBinary(), nullable=True),
    sa.Index(None, "created_at"),  # expired keys are deleted by age
)

brands = sa.Table(
    "brands",
    metadata,
    sa.Column("brand_id", sa.Integer(), primary_key=True),
    # NULL: shared by every entity (the default brand 1); otherwise the entity's own.
    sa.Column(
        "entity_id",
        sa.Integer(),
        sa.ForeignKey("entities.entity_id", ondelete="RESTRICT"),
        nullable=True,
    ),
    sa.Column("name", sa.String(255), nullable=False),
    *_audit_columns(),
    sa.Index(None, "entity_id"),
    sqlite_autoincrement=True,
)

# --- sales catalogues: per entity, each object with a `reference` unique in its entity -------
# They go with their entity (an entity can only be deleted once it has no customers).


def _catalogue_columns() -> list[sa.Column[Any] | sa.Index]:
    return [
        sa.Column(
            "entity_id",
            sa.Integer(),
            sa.ForeignKey("entities.entity_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        *_audit_columns(),
        sa.Index(None, "entity_id", "reference", unique=True),
    ]


customer_categories = sa.Table(
    "customer_categories",
    metadata,
    sa.Column("category_id", sa.Integer(), primary_key=True),
    sa.Column(
        "parent_id",
        sa.Integer(),
        sa.ForeignKey("customer_categories.category_id", ondelete="RESTRICT"),
        nullable=True,
    ),
    *_catalogue_columns(),
    sa.Index(None, "parent_id"),
    # The root (no parent): exactly one per entity.
    sa.Index(
        "uq_customer_categories_root",
        "entity_id",
        unique=True,
        postgresql_where=sa.text("parent_id IS NULL"),
        sqlite_where=sa.text("parent_id IS NULL"),
    ),
    sqlite_autoincrement=True,
)

customer_segmentations = sa.Table(
    "customer_segmentations",
    metadata,
    sa.Column("segmentation_id", sa.Integer(), primary_key=True),
    *_catalogue_columns(),
    sqlite_autoincrement=True,
)

payment_types = sa.Table(
    "payment_types",
    metadata,
    sa.Column("payment_type_id", sa.Integer(), primary_key=True),
    *_catalogue_columns(),
    sqlite_autoincrement=True,
)

regions = sa.Table(
    "regions",
    metadata,
    sa.Column("region_id", sa.Integer(), primary_key=True),
    sa.Column(
        "parent_id",
        sa.Integer(),
        sa.ForeignKey("regions.region_id", ondelete="RESTRICT"),
        nullable=True,
    ),
    # 1 is the widest (a country); each sub-level is one more.
    sa.Column("level", sa.Integer(), nullable=False),
    *_catalogue_columns(),
    sa.Index(None, "parent_id"),
    sqlite_autoincrement=True,
)

# The currencies an entity has configured; `reference` is the ISO 4217 code.
currencies = sa.Table(
    "currencies",
    metadata,
    sa.Column("currency_id", sa.Integer(), primary_key=True),
    sa.Column("exchange_rate", sa.Float(), nullable=False),
    sa.Column("is_default", sa.Boolean(), nullable=False),
    *_catalogue_columns(),
    sa.Index(
        "uq_currencies_default",
        "entity_id",
        unique=True,
        postgresql_where=sa.text("is_default"),
        sqlite_where=sa.text("is_default"),
    ),
    sqlite_autoincrement=True,
)

# Per-entity settings of the sales API: whether regions apply, and from which level.
organization_settings = sa.Table(
    "organization_settings",
    metadata,
    sa.Column(
        "entity_id",
        sa.Integer(),
        sa.ForeignKey("entities.entity_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("geographical_locations", sa.Boolean(), nullable=False),
    sa.Column("region_level", sa.Integer(), nullable=True),
)

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("customer_id", sa.Integer(), primary_key=True),
    sa.Column(
        "entity_id",
        sa.Integer(),
        sa.ForeignKey("entities.entity_id", ondelete="RESTRICT"),
        nullable=False,
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("external_id", sa.BigInteger(), nullable=True),
    sa.Column("code", sa.String(100), nullable=True),
    *detail_columns(CustomerDetails),
    *_audit_columns(),
    # The details that name another table's row. A customer with sub-customers cannot be
    # deleted (they would lose their parent); a user's removal leaves the link empty.
    sa.ForeignKeyConstraint(["brand_id"], ["brands.brand_id"], ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["representative_id"], ["users.user_id"], ondelete="SET NULL"),
    sa.ForeignKeyConstraint(
        ["category_id"], ["customer_categories.category_id"], ondelete="RESTRICT"
    ),
    sa.ForeignKeyConstraint(
        ["segmentation_id"], ["customer_segmentations.segmentation_id"], ondelete="RESTRICT"
    ),
    sa.ForeignKeyConstraint(["region_id"], ["regions.region_id"], ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["currency_id"], ["currencies.currency_id"], ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["parent_customer_id"], ["customers.customer_id"], ondelete="RESTRICT"),
    sa.ForeignKeyConstraint(["creator_id"], ["users.user_id"], ondelete="SET NULL"),
    # Identifiers partners use are unique within an entity (NULLs never collide).
    sa.Index(None, "entity_id", "external_id", unique=True),
    sa.Index(None, "entity_id", "code", unique=True),
    sa.Index(None, "entity_id", "secondary_code", unique=True),
    sa.Index(None, "name"),
    # An entity's customers by name: lists filtered or sorted by name, and their counts.
    sa.Index(None, "entity_id", "name", "customer_id"),
    sa.Index(None, "category_id"),
    sa.Index(None, "segmentation_id"),
    sa.Index(None, "region_id"),
    sa.Index(None, "currency_id"),
    sa.Index(None, "parent_customer_id"),
    sqlite_autoincrement=True,
)

# What the console's search looks in: a customer's name, identifiers, phones and e-mail, as
# one text. On PostgreSQL a trigram index (pg_trgm, migration 0010) is built on exactly this
# expression, so a search for text inside it reads the index, not the table; on SQLite a
# full-text table holds it (below).
SEARCHED_COLUMNS = ("name", "code", "secondary_code", "email", "phone", "mobile")


# Its constants are written into the SQL (literal_column): as parameters, the expression would
# no longer be the index's.
def _joined(text: sa.ColumnElement[Any], more: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    return text.op("||")(sa.literal_column("' '")).op("||")(more)


SEARCH_TEXT: sa.ColumnElement[Any] = functools.reduce(
    _joined,
    [sa.func.coalesce(customers.c[name], sa.literal_column("''")) for name in SEARCHED_COLUMNS],
)
SEARCH_INDEX = "ix_customers_search_text"

# On SQLite the same text is held in a full-text table (FTS5, trigram tokenizer, migration
# 0011), one row per customer (its rowid the customer's id), which triggers on customers keep
# in step. It holds no copy of the text (contentless): only the index a search reads.
SEARCH_TABLE = "customers_search"
customers_search = sa.table(
    SEARCH_TABLE, sa.column("rowid", sa.Integer()), sa.column("search_text", sa.Text())
)
# The tables FTS5 keeps behind it (a contentless table without column sizes has these three).
_SEARCH_TABLES = {SEARCH_TABLE, *(f"{SEARCH_TABLE}_{part}" for part in ("data", "idx", "config"))}


def declared(name: str | None, kind: str, reflected: bool) -> bool:
    """What a comparison of the database with this schema looks at (Alembic's
    `include_object`): everything but the search's own structures, which no table declaration
    can say, each on one dialect only: the trigram index migration 0010 makes where PostgreSQL
    has pg_trgm (an expression with an operator class), and SQLite's full-text table and the
    tables behind it (a virtual table, migration 0011)."""
    if not reflected:
        return True
    if kind == "index":
        return name != SEARCH_INDEX
    return not (kind == "table" and name in _SEARCH_TABLES)


customer_entity_linker = sa.Table(
    "customer_entity_linker",
    metadata,
    sa.Column("customer_entity_linker_id", sa.Integer(), primary_key=True),
    sa.Column(
        "customer_id",
        sa.Integer(),
        sa.ForeignKey("customers.customer_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "entity_id",
        sa.Integer(),
        sa.ForeignKey("entities.entity_id", ondelete="RESTRICT"),
        nullable=False,
    ),
    sa.Column("date_added", sa.DateTime(), nullable=True),
    sa.Column("date_removed", sa.DateTime(), nullable=True),
    *_audit_columns(),
    sa.Index(None, "customer_id"),
    sa.Index(None, "entity_id"),
    sa.Index(
        "uq_customer_entity_linker_current_customer",
        "customer_id",
        unique=True,
        postgresql_where=_CURRENT,
        sqlite_where=_CURRENT,
    ),
    sqlite_autoincrement=True,
)


products = sa.Table(
    "products",
    metadata,
    sa.Column("product_imei", sa.String(15), primary_key=True),
    # The entity of the product's current product_entity_linker row, kept in step by the core:
    # visibility is one indexed comparison instead of a join on every query.
    sa.Column(
        "entity_id",
        sa.Integer(),
        sa.ForeignKey("entities.entity_id", ondelete="RESTRICT"),
        nullable=True,
    ),
    # The device fields of `_products.md`; the core gives a new product the flags' defaults
    # (the table was made without server defaults for them).
    *detail_columns(ProductAttributes, server_defaults=False),
    *_audit_columns(),
    sa.Index(None, "entity_id"),
    sa.UniqueConstraint("device_key"),
    sa.UniqueConstraint("imsi"),
    sa.UniqueConstraint("iccid"),
    sa.UniqueConstraint("serial_number"),
)

product_entity_linker = sa.Table(
    "product_entity_linker",
    metadata,
    sa.Column("product_entity_linker_id", sa.Integer(), primary_key=True),
    sa.Column(
        "product_imei",
        sa.String(15),
        sa.ForeignKey("products.product_imei", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "entity_id",
        sa.Integer(),
        sa.ForeignKey("entities.entity_id", ondelete="RESTRICT"),
        nullable=False,
    ),
    sa.Column("date_added", sa.DateTime(), nullable=True),
    sa.Column("date_removed", sa.DateTime(), nullable=True),
    *_audit_columns(),
    sa.Index(None, "product_imei"),
    sa.Index(None, "entity_id"),
    sa.Index(
        "uq_product_entity_linker_current_product",
        "product_imei",
        unique=True,
        postgresql_where=_CURRENT,
        sqlite_where=_CURRENT,
    ),
    sqlite_autoincrement=True,
)

customer_product_history = sa.Table(
    "customer_product_history",
    metadata,
    sa.Column("customer_product_history_id", sa.Integer(), primary_key=True),
    sa.Column(
        "customer_id",
        sa.Integer(),
        sa.ForeignKey("customers.customer_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "product_imei",
        sa.String(15),
        sa.ForeignKey("products.product_imei", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("date_added", sa.DateTime(), nullable=True),
    sa.Column("date_removed", sa.DateTime(), nullable=True),
    sa.Column("removal_reason", sa.String(255), nullable=True),
    *_audit_columns(),
    sa.Index(None, "customer_id"),
    sa.Index(None, "product_imei"),
    sa.Index(
        "uq_customer_product_history_current_product",
        "product_imei",
        unique=True,
        postgresql_where=_CURRENT,
        sqlite_where=_CURRENT,
    ),
    sa.Index(
        "uq_customer_product_history_current_customer",
        "customer_id",
        unique=True,
        postgresql_where=_CURRENT,
        sqlite_where=_CURRENT,
    ),
    sqlite_autoincrement=True,
)

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("contact_id", sa.Integer(), primary_key=True),
    sa.Column(
        "customer_id",
        sa.Integer(),
        sa.ForeignKey("customers.customer_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("first_name", sa.String(255), nullable=True),
    sa.Column("last_name", sa.String(255), nullable=True),
    sa.Column("phone", sa.String(50), nullable=True),
    sa.Column("mobile", sa.String(50), nullable=True),
    sa.Column("email", sa.String(255), nullable=True),
    *_audit_columns(),
    sa.Index(None, "customer_id"),
    sqlite_autoincrement=True,
)

# The last generated customer account number (CL0001, …) per entity: one row to lock, so
# concurrent creates never compute the same account.
account_counters = sa.Table(
    "account_counters",
    metadata,
    sa.Column(
        "entity_id",
        sa.Integer(),
        sa.ForeignKey("entities.entity_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("last_number", sa.Integer(), nullable=False),
)

customer_payment_types = sa.Table(
    "customer_payment_types",
    metadata,
    sa.Column(
        "customer_id",
        sa.Integer(),
        sa.ForeignKey("customers.customer_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # A payment type in use cannot be deleted.
    sa.Column(
        "payment_type_id",
        sa.Integer(),
        sa.ForeignKey("payment_types.payment_type_id", ondelete="RESTRICT"),
        primary_key=True,
    ),
    sa.Index(None, "payment_type_id"),
)

"""A genuine Flask-Restless 0.17.0 app serving the partner API's resources, for the
differential test (`test_oracle_differential.py`). It runs in its own virtual environment
(Flask 1.1, SQLAlchemy 1.3: see `oracle/__init__.py`), never in the project's.

The models carry the partner API's own table and column names and its relations
(`customers` -> `customer_entity_linker`, `customer_product_history`; history -> `customer`,
`product`; entities and products -> `product_entity_linker`), so the same `q` means the same
thing to both. Rows are loaded by the test through `POST /_load` (same ids, values and
timestamps as in our database).

Usage: python app.py PORT DATABASE_URL [SCHEMA]
"""

import inspect
import sys
from datetime import datetime

# Flask-Restless 0.17 counts an operator's arguments with `inspect.getargspec`, which
# Python 3.11 no longer has; `getfullargspec` answers the same `.args`.
inspect.getargspec = inspect.getfullargspec  # type: ignore[attr-defined]

import flask  # noqa: E402
import flask_restless  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402

PORT, URL = int(sys.argv[1]), sys.argv[2]
SCHEMA = sys.argv[3] if len(sys.argv) > 3 else None

app = flask.Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = URL
app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
if SCHEMA:
    # Each statement names the schema of its tables (SQLAlchemy's schema translation), rather
    # than a search_path given at connect: PgBouncer, which the suite may reach PostgreSQL
    # through, refuses that startup option, and would not keep a SET of it.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "execution_options": {"schema_translate_map": {None: SCHEMA}}
    }
db = SQLAlchemy(app)


def _audit():
    return {
        "created_at": db.Column(db.DateTime, nullable=False),
        "created_by": db.Column(db.String(255)),
        "modified_at": db.Column(db.DateTime),
        "modified_by": db.Column(db.String(255)),
    }


class Entity(db.Model):
    __tablename__ = "entities"
    entity_id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(255), nullable=False)
    bboxx_company_flag = db.Column(db.Boolean, nullable=False)
    tariff = db.Column(db.String(255))
    financier = db.Column(db.Boolean)
    geic = db.Column(db.String(255))
    locals().update(_audit())
    product_entity_linker = db.relationship("ProductEntityLinker")


class Customer(db.Model):
    __tablename__ = "customers"
    customer_id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(255), nullable=False)
    external_customer_id = db.Column(db.BigInteger)
    external_customer_code = db.Column(db.String(100))
    locals().update(_audit())
    customer_entity_linker = db.relationship("CustomerEntityLinker")
    customer_product_history = db.relationship("CustomerProductHistory")


class CustomerEntityLinker(db.Model):
    __tablename__ = "customer_entity_linker"
    customer_entity_linker_id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.customer_id"), nullable=False)
    entity_id = db.Column(db.Integer, db.ForeignKey("entities.entity_id"), nullable=False)
    date_added = db.Column(db.DateTime)
    date_removed = db.Column(db.DateTime)
    locals().update(_audit())


_BIGINTS = [
    "hub_id",
    "latest_connection_id",
    "latest_connection_location_id",
    "latest_state_id",
    "latest_enable_history_id",
    "product_type_id",
    "shop_id",
    "software_lock",
    "latest_rtc_connection_history_id",
]
_TIMES = [
    "analysis_timestamp",
    "disable_date",
    "latest_rtc_mo_status_report_time",
    "latest_rtc_mt_status_update_time",
]
_FLAGS = ["current_enable_flag", "desired_enable_flag", "rtc_enabled_flag", "dcm_enabled_flag"]
_TEXTS = {
    "device_key": 24,
    "imsi": 15,
    "iccid": 32,
    "serial_number": 255,
    "rtc_network_name": 255,
    "ip_address": 15,
    "assembler": 255,
}


def _product_columns():
    columns = {"product_imei": db.Column(db.String(15), primary_key=True)}
    columns.update({name: db.Column(db.BigInteger) for name in _BIGINTS})
    columns.update({name: db.Column(db.DateTime) for name in _TIMES})
    columns.update({name: db.Column(db.Boolean, nullable=False) for name in _FLAGS})
    columns.update({name: db.Column(db.String(size)) for name, size in _TEXTS.items()})
    columns.update({name: db.Column(db.Float) for name in ("gps_lat", "gps_lon")})
    columns["entity_id"] = db.Column(db.Integer)
    return columns


class Product(db.Model):
    __tablename__ = "products"
    locals().update(_product_columns())
    locals().update(_audit())
    product_entity_linker = db.relationship("ProductEntityLinker")
    customer_product_history = db.relationship("CustomerProductHistory")


class ProductEntityLinker(db.Model):
    __tablename__ = "product_entity_linker"
    product_entity_linker_id = db.Column(db.Integer, primary_key=True)
    product_imei = db.Column(db.String(15), db.ForeignKey("products.product_imei"), nullable=False)
    entity_id = db.Column(db.Integer, db.ForeignKey("entities.entity_id"), nullable=False)
    date_added = db.Column(db.DateTime)
    date_removed = db.Column(db.DateTime)
    locals().update(_audit())


class CustomerProductHistory(db.Model):
    __tablename__ = "customer_product_history"
    customer_product_history_id = db.Column(db.Integer, primary_key=True)
    customer_id = db.Column(db.Integer, db.ForeignKey("customers.customer_id"), nullable=False)
    product_imei = db.Column(db.String(15), db.ForeignKey("products.product_imei"), nullable=False)
    date_added = db.Column(db.DateTime)
    date_removed = db.Column(db.DateTime)
    removal_reason = db.Column(db.String(255))
    locals().update(_audit())
    customer = db.relationship("Customer")
    product = db.relationship("Product")


MODELS = {
    "entities": Entity,
    "customers": Customer,
    "customer_entity_linker": CustomerEntityLinker,
    "products": Product,
    "product_entity_linker": ProductEntityLinker,
    "customer_product_history": CustomerProductHistory,
}


def _tie_break(model):
    """SQL leaves rows with equal sort keys in no defined order, and so does Flask-Restless
    (it orders by the primary key only when no order is asked). The partner API breaks ties by
    the primary key; so does the oracle, or the comparison of ids would be noise. Nothing
    else about the query changes: a bad `order_by` stays as bad as it was."""
    key = sa.inspect(model).primary_key[0].name

    def preprocessor(search_params=None, **_):
        order = search_params.get("order_by") if isinstance(search_params, dict) else None
        if isinstance(order, list) and order:
            order.append({"field": key, "direction": "asc"})

    return preprocessor


manager = flask_restless.APIManager(app, flask_sqlalchemy_db=db)
for name, model in MODELS.items():
    manager.create_api(
        model,
        methods=["GET"],
        url_prefix="/v1",
        collection_name=name,
        results_per_page=10,
        max_results_per_page=100,
        # Related rows are not shown (the partner API does not embed them either).
        exclude_columns=[r.key for r in sa.inspect(model).relationships],
        preprocessors={"GET_MANY": [_tie_break(model)]},
    )


def _value(column, value):
    if value is not None and isinstance(column.type, sa.DateTime):
        return datetime.fromisoformat(value)
    return value


@app.route("/_ready")
def ready():
    return "ok"


@app.route("/_load", methods=["POST"])
def load():
    """Replaces every table's rows with those sent: {resource: [row, ...]}."""
    body = flask.request.get_json()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    for table in db.metadata.sorted_tables:
        rows = [
            {name: _value(table.c[name], value) for name, value in row.items()}
            for row in body.get(table.name, [])
        ]
        if rows:
            db.session.execute(table.insert(), rows)
    db.session.commit()
    return flask.jsonify({name: len(rows) for name, rows in body.items()})


def main():
    with app.app_context():
        if SCHEMA:
            with db.engine.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
                conn.execute(sa.text(f'CREATE SCHEMA "{SCHEMA}"'))
        db.drop_all()
        db.create_all()
    app.run(host="127.0.0.1", port=PORT, threaded=False, use_reloader=False)


if __name__ == "__main__":
    main()

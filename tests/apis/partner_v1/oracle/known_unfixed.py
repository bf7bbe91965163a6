"""Differences from Flask-Restless 0.17 not fixed yet, by database: each a probe's key (its
path and parameters, the minimal request that shows it). The differential test asserts this
list exactly: a fix, or a new difference, fails it until the list is brought up to date."""

# 0.17 orders by a to-many relation's field by joining it: a customer is listed once per link
# (209 objects for 204 customers) and customers without links vanish. We answer 400 (a
# customer has no one value to sort by). On SQLite the rule for what SQLite takes and
# PostgreSQL refuses covers these too; PostgreSQL accepts them, so they show there.
ORDER_BY_TO_MANY = {
    '/v1/customers?q={"order_by": [{"field": "customer_entity_linker__date_added", "direction": "asc"}]}',
    '/v1/customers?q={"order_by": [{"field": "customer_entity_linker__entity_id", "direction": "desc"}]}',
}

KNOWN_UNFIXED: dict[str, set[str]] = {
    "sqlite": set(),
    "postgresql": set(ORDER_BY_TO_MANY),
}

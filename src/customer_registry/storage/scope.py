"""The one place where a request's `Scope` becomes SQL. Every query on tenant data goes
through it: `tests/storage/test_scoped_queries.py` finds any that does not.

A condition made here is `Visible`: the rows of a table the scope sees, narrowed further
only by `narrowed`. Functions that build a query on a condition made elsewhere take it as
`Visible`, so the type checker refuses one that skipped the scope.

The scope's entity is a bind parameter that carries its value, so a statement's SQL is the
same for every entity: SQLAlchemy compiles an ad hoc statement once per shape, and a
statement compiled once (`Prepared`) never keeps the entity it was built with but takes it
at each run (`scope_values`). A statement is built for one scope: its conditions share the
one parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Concatenate, NewType, ParamSpec

import sqlalchemy as sa

from customer_registry.core.scope import Scope

if TYPE_CHECKING:
    from customer_registry.storage.database import Prepared

SCOPE_ENTITY = "scope_entity_id"

Visible = NewType("Visible", sa.ColumnElement[bool])

# How a table's rows are scoped: which of them (of the table, or of an alias of it) a Scope
# sees.
ScopeRule = Callable[[Scope, sa.FromClause], Visible]


def _entity(scope: Scope) -> sa.BindParameter[int]:
    return sa.bindparam(SCOPE_ENTITY, scope.entity_id, type_=sa.Integer())


def entity_scope(scope: Scope, entity_column: sa.ColumnElement[Any]) -> Visible:
    """The rows a scope sees: every entity's, or only its own entity's."""
    if scope.all_entities:
        return Visible(sa.true())
    return Visible(entity_column == _entity(scope))


def own_entity(scope: Scope, entity_column: sa.ColumnElement[Any]) -> Visible:
    """The rows of the entity the scope's new rows go to, whatever else it sees: what a
    write resolves in that entity alone (identifiers unique in it, the catalogue objects a
    customer names, its settings and account counter)."""
    return Visible(entity_column == _entity(scope))


def shared_or_scoped(scope: Scope, entity_column: sa.ColumnElement[Any]) -> Visible:
    """Rows of no entity (shared by every entity, such as brand 1) and those the scope sees."""
    return Visible(sa.or_(entity_column.is_(None), entity_scope(scope, entity_column)))


def shared_or_own(scope: Scope, entity_column: sa.ColumnElement[Any]) -> Visible:
    """Rows of no entity and those of the entity the scope's new rows go to."""
    return Visible(sa.or_(entity_column.is_(None), own_entity(scope, entity_column)))


def through(scope: Scope, column: sa.ColumnElement[Any], owner_key: sa.Column[Any]) -> Visible:
    """The rows that belong to a row of another table (`column` holds its key, `owner_key`),
    such as a customer's contacts: seen by whoever sees that row, by its entity."""
    if scope.all_entities:
        return Visible(sa.true())
    # A correlated EXISTS, one lookup of the owner by its key per row: SQLite would build
    # `IN (SELECT key FROM owners WHERE entity_id = ?)` in full first (a million customers:
    # 170 ms a sales list page). Over an alias of its own, so that a query that names the
    # owners' table too does not correlate the two.
    owner = owner_key.table.alias()
    return Visible(
        sa.exists().where(owner.c[owner_key.name] == column, entity_scope(scope, owner.c.entity_id))
    )


def of_owner(
    scope: Scope, column: sa.ColumnElement[Any], owner: sa.FromClause, owner_key: str
) -> Visible:
    """`through`, inside a subquery correlated to the enclosing statement's row of `owner`
    (a customer's contacts read in the customer's own statement): the rows that belong to
    that row (`column` holds its `owner_key`), seen by whoever sees that row, by its entity.
    The owner's scope is said again here, so the rows stay hidden whatever the enclosing
    statement asks."""
    return Visible(sa.and_(column == owner.c[owner_key], entity_scope(scope, owner.c.entity_id)))


def narrowed(visible: Visible, *conditions: sa.ColumnElement[bool]) -> Visible:
    """Rows a scope sees that also meet `conditions`."""
    return Visible(sa.and_(visible, *conditions))


def by_entity(column_name: str) -> ScopeRule:
    """A ScopeRule for tables that carry their entity in `column_name` (aliases included)."""

    def rule(scope: Scope, table: sa.FromClause) -> Visible:
        return entity_scope(scope, table.c[column_name])

    return rule


def scope_values(scope: Scope) -> dict[str, int]:
    """The value a statement compiled once (`Prepared`) is run with for `scope`."""
    return {SCOPE_ENTITY: scope.entity_id}


Params = ParamSpec("Params")
# Statements one builder keeps (per kind of scope, page size, set of columns written…), in a
# plain dict: a get by id looks one up, and an LRU cache's bookkeeping cost three times more.
_STATEMENTS_KEPT = 256


def per_scope_kind(
    build: Callable[Concatenate[Scope, Params], Prepared],
) -> Callable[Concatenate[Scope, Params], Prepared]:
    """`build`, called once per kind of scope (every entity, or one) and other arguments: the
    statement it compiles serves the callers of every entity, each run with its scope's
    entity (`scope_values`; a Prepared statement never keeps the one it was built with)."""
    built: dict[tuple[Any, ...], Prepared] = {}

    def statement(scope: Scope, /, *args: Params.args, **kwargs: Params.kwargs) -> Prepared:
        key = (scope.all_entities, *args, *kwargs.items())
        found = built.get(key)
        if found is None:
            if len(built) >= _STATEMENTS_KEPT:
                built.clear()  # a bound on memory: the shapes in use are few, rebuilt at once
            found = built[key] = build(scope, *args, **kwargs)
        return found

    return statement


def placed(scope: Scope, values: Mapping[str, Any]) -> dict[str, Any]:
    """A new row's values, in the entity the scope's new rows go to."""
    return {**values, "entity_id": scope.entity_id}

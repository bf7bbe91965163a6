"""Every query on tenant data goes through the scope: read from the source, not trusted.

Each module of the service (the migrations aside: they change every entity's rows by design)
is parsed, and every `select`, `update` and `delete` that names a tenant table (directly, by
an alias, or as a listing's or link table's `table`, `key`, `owner`…) must be scoped: its
statement, or the name it is kept in, holds a call of a scoping helper (`storage/scope.py`'s,
a listing's or relation's `scope` rule, or a function of the module that answers `Visible`),
or a condition typed `Visible` (which only those helpers make). What escapes it is on the
short list below, each with its reason.

The check reads statements, not data flow: a scope added under a condition (`if …:
statement = statement.where(scope…)`) would pass it. The isolation tests
(`tests/security/`) probe what the routes answer; this test makes a new query that forgets
the scope fail before any probe has to find it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

import customer_registry
from customer_registry.storage import schema

SOURCE = Path(customer_registry.__file__).parent
SKIPPED = ("storage/migrations/",)  # schema changes apply to every entity's rows
HELPERS = "storage/scope.py"  # the helpers themselves: where a scope becomes SQL

# Tables of no entity: a query on them needs no scope.
NOT_TENANT = {
    "tokens": "a token belongs to a user; it is how a request learns who (and where) it is",
    "login_failures": "counted per username or address, before anyone is authenticated",
    "idempotency_keys": "a user's own: every query names the user (the request's caller)",
    "webhooks": "the service's own, kept from the command line; a webhook's entity is the one "
    "whose changes it is told of",
    "webhook_deliveries": "a webhook's (see webhooks)",
    "import_jobs": "a user's own: every query names the user (the console's signed-in user), "
    "and the import it runs is scoped as that user",
}

# The reviewed exceptions: (module, function, `Class.method` or module-level name) -> why it is
# not scoped.
EXCEPTIONS = {
    ("storage/backup.py", "_IMAGES"): (
        "a backup: every customer's image name, whatever the entity (the command line copies "
        "the whole database)"
    ),
    ("storage/migrate.py", "current_revision"): (
        "readiness: the schema's revision, in Alembic's own table (no customer data)"
    ),
    ("storage/webhooks.py", "count_after"): (
        "/metrics: a webhook's undelivered events, counted for the operator (a number per "
        "webhook, which carries its own entity filter), never shown to a user"
    ),
    ("storage/listing.py", "_distinct_page"): (
        "the rows of `_first_places`, a subquery of the keys that the scoped condition "
        "(Visible) of the same query lists"
    ),
    ("storage/listing.py", "_AdHoc._keys"): (
        "the keys of a distinct query: the keys of `_first_places`, built on the "
        "query's scoped condition (Visible)"
    ),
    ("storage/identity.py", "user_by_username"): (
        "login: the user behind a username, whatever their entity, is how a request learns "
        "its entity"
    ),
    ("storage/identity.py", "_TOKEN_WITH_USER"): (
        "authentication: a token's user, whatever their entity, becomes the request's caller"
    ),
    ("storage/identity.py", "any_user"): (
        "first start: whether anyone at all may log in (an administrator is made otherwise)"
    ),
    ("storage/links.py", "current_entity"): (
        "an owner's entity follows its current link, whichever entity that is: a link the "
        "scope sees may belong to a customer now in another entity"
    ),
    ("storage/links.py", "set_owner_entity"): (
        "the same rule's write: the owner's own entity_id is set to its current link's"
    ),
    ("storage/changes.py", "_INSERT_IN_CUSTOMERS_ENTITY"): (
        "a history entry of a customer the core has read through the scope (or just "
        "written): its entity, read in the entry's own insert, is where the entry goes"
    ),
    ("storage/customers.py", "_entry_of_update"): (
        "the history entry of a one-statement update: it reads only the statement's own "
        "`old` and `updated` rows, which the scoped read of the same statement chose"
    ),
    ("storage/webhooks.py", "entries_after"): (
        "the dispatcher reads the history as its outbox, for a webhook: every entity's "
        "changes, or its one entity's (the webhook's own condition)"
    ),
    ("storage/webhooks.py", "entry"): ("an event replayed from the command line, by its id"),
    ("storage/webhooks.py", "last_change_id"): (
        "where a new webhook starts: after every change made so far, whichever entity's"
    ),
    ("storage/webhooks.py", "delivery_log"): (
        "the deliveries' log, from the command line: each event's type and customer"
    ),
    ("storage/changes.py", "delete_before"): (
        "the service's housekeeping: entries older than the history keeps, every entity's"
    ),
}

_QUERIES = {"select", "update", "delete", "exists"}
# Fields of a Listing or a LinkTable that name its tenant table (or a column of it).
_TABLE_FIELDS = {"table", "key", "owner", "owner_key", "owner_entity"}
# What storage/scope.py exports that makes no scoped condition by itself (`narrowed` only
# narrows one: what it is given must be scoped already).
_NOT_HELPERS = {"scope_values", "placed", "per_scope_kind", "narrowed", "SCOPE_ENTITY", "Visible"}


def _tenant_tables() -> set[str]:
    names = set(schema.metadata.tables) - set(NOT_TENANT)
    assert set(NOT_TENANT) <= set(schema.metadata.tables), "a table named here is gone"
    return names


@dataclass(frozen=True)
class Query:
    module: str
    owner: str  # the function, or the module-level name, that builds it
    line: int


@dataclass
class _Module:
    """What one module's source says about tables, helpers and scoped names."""

    path: str
    tree: ast.Module
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)
    tenant_names: set[str] = field(default_factory=set)  # names bound to tenant tables
    schema_modules: set[str] = field(default_factory=set)  # names bound to storage.schema
    helpers: set[str] = field(default_factory=set)  # callables that make a scoped condition
    visible_fields: set[str] = field(default_factory=set)  # attributes typed Visible

    def __post_init__(self) -> None:
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        tables = {name for name, value in vars(schema).items() if _is_tenant(value)}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module == "customer_registry.storage":
                for alias in node.names:
                    if alias.name == "schema":
                        self.schema_modules.add(alias.asname or alias.name)
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "customer_registry.storage.schema"
            ):
                for alias in node.names:
                    if alias.name in tables:
                        self.tenant_names.add(alias.asname or alias.name)
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "customer_registry.storage.scope"
            ):
                for alias in node.names:
                    if alias.name not in _NOT_HELPERS and alias.name[0].islower():
                        self.helpers.add(alias.asname or alias.name)
        for node in ast.walk(self.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_visible(
                node.returns
            ):
                self.helpers.add(node.name)
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(self.parents.get(node), ast.ClassDef)
                and isinstance(node.target, ast.Name)
                and _is_visible(node.annotation)
            ):
                self.visible_fields.add(node.target.id)
        changed = True
        while changed:  # module-level aliases of tenant tables: `_parent = customers.alias()`
            changed = False
            for statement in self.tree.body:
                if isinstance(statement, ast.Assign) and self.names_tenant_table(statement.value):
                    for target in statement.targets:
                        if isinstance(target, ast.Name) and target.id not in self.tenant_names:
                            self.tenant_names.add(target.id)
                            changed = True

    def names_tenant_table(self, node: ast.AST) -> bool:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in self.tenant_names:
                return True
            if isinstance(sub, ast.Attribute) and sub.attr in _TABLE_FIELDS:
                return True
            if (
                isinstance(sub, ast.Attribute)
                and isinstance(sub.value, ast.Name)
                and sub.value.id in self.schema_modules
                and _is_tenant(getattr(schema, sub.attr, None))
            ):
                return True
        return False

    def scoped(self, node: ast.AST, visible_names: set[str]) -> bool:
        """Whether `node` holds a scoping call or a condition typed Visible."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                if isinstance(sub.func, ast.Name) and sub.func.id in self.helpers:
                    return True
                if isinstance(sub.func, ast.Attribute) and sub.func.attr == "scope":
                    return True  # a Listing's or a Relation's ScopeRule
            if isinstance(sub, ast.Name) and sub.id in visible_names:
                return True
            if isinstance(sub, ast.Attribute) and sub.attr in self.visible_fields:
                return True
        return False

    def statement_of(self, node: ast.AST) -> ast.AST:
        """The whole statement a query call starts: its chained methods (`.where(…)`,
        `.values(…)`…) and a `Prepared(…)` around it."""
        while True:
            parent = self.parents.get(node)
            chained = isinstance(parent, ast.Attribute) and parent.value is node
            called = isinstance(parent, ast.Call) and (
                parent.func is node or (_called(parent) == "Prepared" and node in parent.args)
            )
            if not (chained or called):
                return node
            assert parent is not None
            node = parent

    def enclosing(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def owner(self, node: ast.AST) -> str:
        """The function that builds `node` (`Class.method` for a method), else the
        module-level name it is assigned to."""
        function = self.enclosing(node)
        if function is not None:
            holder = self.parents.get(function)
            if isinstance(holder, ast.ClassDef):
                return f"{holder.name}.{function.name}"
            return function.name
        while not isinstance(self.parents.get(node), ast.Module):
            node = self.parents[node]
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            return node.targets[0].id
        return "<module>"


def _is_tenant(value: object) -> bool:
    return isinstance(value, sa.Table) and value.name not in NOT_TENANT


def _is_visible(annotation: ast.AST | None) -> bool:
    return isinstance(annotation, ast.Name) and annotation.id == "Visible"


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else None


def _is_query(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "sa"
        and node.func.attr in _QUERIES
    )


def _assigned_name(module: _Module, node: ast.AST) -> str | None:
    parent = module.parents.get(node)
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
        target = parent.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    if isinstance(parent, ast.AnnAssign) and isinstance(parent.target, ast.Name):
        return parent.target.id
    return None


def _tainted(module: _Module, body: list[ast.stmt], visible: set[str]) -> set[str]:
    """Names assigned a scoped value somewhere in `body` (flow-insensitive)."""
    names = set(visible)
    changed = True
    while changed:
        changed = False
        for statement in body:
            for node in ast.walk(statement):
                if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
                    continue
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if module.scoped(node.value, names):
                    for target in targets:
                        if isinstance(target, ast.Name) and target.id not in names:
                            names.add(target.id)
                            changed = True
    return names


def _visible_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    arguments = [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]
    return {argument.arg for argument in arguments if _is_visible(argument.annotation)}


def _uses_scoped(module: _Module, name: str) -> bool:
    """A module-level statement kept in `name` is scoped where it is used: every use."""
    uses = [
        node
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
    ]
    for use in uses:
        function = module.enclosing(use)
        visible = set() if function is None else _visible_parameters(function)
        body = module.tree.body if function is None else function.body
        names = _tainted(module, body, visible)
        statement = module.statement_of(use)
        assigned = _assigned_name(module, statement)
        if not module.scoped(statement, names) and assigned not in names:
            return False
    return bool(uses)


def unscoped_queries(path: str, source: str) -> Iterator[Query]:
    """The queries of one module that name a tenant table without its scope."""
    module = _Module(path, ast.parse(source))
    for node in ast.walk(module.tree):
        if not _is_query(node):
            continue
        statement = module.statement_of(node)
        if not module.names_tenant_table(statement):
            continue
        function = module.enclosing(node)
        if function is None:
            visible: set[str] = set()
            names = _tainted(module, module.tree.body, visible)
        else:
            visible = _visible_parameters(function)
            names = _tainted(module, function.body, visible)
        if module.scoped(statement, names):
            continue
        assigned = _assigned_name(module, statement)
        if assigned is not None and (
            assigned in names or (function is None and _uses_scoped(module, assigned))
        ):
            continue
        yield Query(path, module.owner(node), getattr(node, "lineno", 0))


def _sources() -> dict[str, str]:
    found = {}
    for file in sorted(SOURCE.rglob("*.py")):
        relative = file.relative_to(SOURCE).as_posix()
        if relative == HELPERS or relative.startswith(SKIPPED):
            continue
        found[relative] = file.read_text()
    return found


def _unscoped(sources: dict[str, str]) -> list[Query]:
    return [query for path, text in sources.items() for query in unscoped_queries(path, text)]


def test_every_query_on_tenant_data_is_scoped_or_a_reviewed_exception() -> None:
    assert _tenant_tables()  # the tables themselves are named right
    found = _unscoped(_sources())
    unexplained = [q for q in found if (q.module, q.owner) not in EXCEPTIONS]
    assert not unexplained, (
        "queries on tenant tables built without the scope (pass it through storage/scope.py, "
        f"or add a reviewed exception with its reason): {unexplained}"
    )
    stale = set(EXCEPTIONS) - {(q.module, q.owner) for q in found}
    assert not stale, f"exceptions that no longer match an unscoped query: {stale}"


# Each removes the scope from one query of the service; the check must then name it.
UNSCOPINGS = [
    (
        "storage/customers.py",
        "customers.c.customer_id == customer_id, own_entity(scope, customers.c.entity_id)",
        "customers.c.customer_id == customer_id",
        "parent_of",
    ),
    (
        "storage/customers.py",
        'customers.c.customer_id == sa.bindparam("customer_id"),\n'
        "        entity_scope(scope, customers.c.entity_id),",
        'customers.c.customer_id == sa.bindparam("customer_id"),',
        "_get",
    ),
    (
        "storage/brands.py",
        "brands.c.brand_id == brand_id, LISTING.scope(scope, brands)",
        "brands.c.brand_id == brand_id",
        "get",
    ),
    (
        "storage/rows.py",
        ".where(listing.key == key_value, listing.scope(scope, listing.table))",
        ".where(listing.key == key_value)",
        "update_row",
    ),
    (
        "storage/rows.py",
        "listing.key == key_value, listing.scope(scope, listing.table)\n    )",
        "listing.key == key_value\n    )",
        "delete_row",
    ),
    (
        "storage/records.py",
        "_among(customers.c.customer_id, count), entity_scope(scope, customers.c.entity_id)",
        "_among(customers.c.customer_id, count)",
        "_records_of",
    ),
    (
        "storage/records.py",
        'of_owner(scope, contacts.c.customer_id, customer, "customer_id")',
        "contacts.c.customer_id == customer.c.customer_id",
        "_contacts_of",
    ),
    (
        "storage/records.py",
        "entity_scope(scope, payment_types.c.entity_id)",
        "sa.true()",
        "_payment_types_of",
    ),
    (
        "storage/listing.py",
        "visible = listing.scope(scope, listing.table)",
        "visible = sa.true()",
        "matching",
    ),
]


@pytest.mark.parametrize(("path", "scoped", "unscoped", "owner"), UNSCOPINGS)
def test_a_query_whose_scope_is_removed_is_found(
    path: str, scoped: str, unscoped: str, owner: str
) -> None:
    sources = _sources()
    assert sources[path].count(scoped) == 1, "the query this test edits has changed"
    assert not [q for q in _unscoped({path: sources[path]}) if q.owner == owner]
    edited = sources[path].replace(scoped, unscoped)
    assert [q.owner for q in _unscoped({path: edited})].count(owner) >= 1


def test_only_the_helpers_make_a_visible_condition_or_a_scope() -> None:
    """A `Visible` cast elsewhere could skip the scope; a `Scope` built elsewhere could see
    any entity: only `storage/scope.py` makes the one, only the caller the other."""
    makers = {"Visible": {HELPERS}, "Scope": {"core/scope.py", "core/permissions.py"}}
    for file in sorted(SOURCE.rglob("*.py")):
        relative = file.relative_to(SOURCE).as_posix()
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                allowed = makers.get(node.func.id)
                assert allowed is None or relative in allowed, (relative, node.lineno)


def test_no_repository_branches_on_the_scope() -> None:
    """Which rows a scope sees is decided in `storage/scope.py`; the list engine reads its
    kind too, to key its statements and to estimate totals only for every entity's rows."""
    branching = {"all_entities", "visible_entity", "sees"}
    allowed = {HELPERS, "storage/listing.py"}
    for file in sorted((SOURCE / "storage").rglob("*.py")):
        relative = file.relative_to(SOURCE).as_posix()
        if relative in allowed:
            continue
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Attribute):
                assert node.attr not in branching, (relative, node.lineno)

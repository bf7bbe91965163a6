"""A table's columns as the core's `Attribute`s (kind, length, nullability) and defaults.

The schema (`schema.py`) is the one declaration of what a column holds; the core checks
values against what it reads here, so a length or a default changed in the schema (and its
migration) is the one the APIs enforce, and no second list can drift from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from customer_registry.core.fields import Attribute, Kind

# Most specific first: BigInteger is an Integer.
_KINDS: tuple[tuple[type[sa.types.TypeEngine[Any]], Kind], ...] = (
    (sa.BigInteger, Kind.BIGINT),
    (sa.Integer, Kind.INT),
    (sa.String, Kind.TEXT),
    (sa.Boolean, Kind.BOOL),
    (sa.Float, Kind.FLOAT),
    (sa.DateTime, Kind.TIME),
)


def attribute(column: sa.Column[Any]) -> Attribute:
    """What `column` holds, as the core checks it."""
    kind = next((kind for cls, kind in _KINDS if isinstance(column.type, cls)), None)
    if kind is None:
        raise TypeError(f"{column}: no core kind for {column.type!r}")
    length = column.type.length if isinstance(column.type, sa.String) else None
    return Attribute(kind, length, nullable=bool(column.nullable))


def attributes(table: sa.Table, names: Iterable[str]) -> dict[str, Attribute]:
    """The attributes of `names`, in that order."""
    return {str(name): attribute(table.c[name]) for name in names}


def columns_except(table: sa.Table, *excluded: str) -> list[str]:
    """The table's column names but `excluded`, in the table's order."""
    missing = set(excluded) - set(table.c.keys())
    if missing:
        raise KeyError(f"{table.name} has no column {sorted(missing)}")
    # Plain str: a column name is a str subclass, which orjson refuses as a key.
    return [str(column.name) for column in table.c if column.name not in excluded]


def default(column: sa.Column[Any]) -> Any:
    """The value the database gives `column` when a new row leaves it out: the schema's
    `server_default`, which is a boolean or an integer literal."""
    given = column.server_default
    if not isinstance(given, sa.DefaultClause):
        raise ValueError(f"{column} has no server default")
    value = given.arg
    if isinstance(value, sa.sql.elements.True_):
        return True
    if isinstance(value, sa.sql.elements.False_):
        return False
    if isinstance(value, sa.TextClause) and value.text.lstrip("-").isdigit():
        return int(value.text)
    raise TypeError(f"{column}: a server default the core cannot read: {value!r}")


def defaults(table: sa.Table, names: Iterable[str]) -> dict[str, Any]:
    """The server defaults of those of `names` that have one."""
    return {
        name: default(table.c[name])
        for name in names
        if isinstance(table.c[name].server_default, sa.DefaultClause)
    }

"""Objects a write names by their reference rather than their id (the sales API's
`useExternalId=true`). The API only says which values are references; the core finds them
inside the write's transaction, where the field a reference is sent for says what kind of
object it names, so each answers a missing object in its own words."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from customer_registry.core.errors import Invalid


@dataclass(frozen=True, slots=True)
class Reference:
    """An object named by its reference (a catalogue item's, a customer's, a username…)."""

    text: str


# A field's way of finding the id of the object a reference names (NotFound if none).
Finder = Callable[[str], Awaitable[int]]


async def resolve(value: Any, find: Finder) -> Any:
    """`value` as an id: a Reference found with `find`, anything else as it is."""
    return await find(value.text) if isinstance(value, Reference) else value


async def resolve_all(values: Mapping[str, Any], finders: Mapping[str, Finder]) -> dict[str, Any]:
    """`values` with each Reference replaced by the id its field's finder gives, field by
    field in order: the first that names nothing is the error."""
    resolved: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, Reference) and name not in finders:
            raise Invalid({name: "{field} cannot name an object by its reference."})
        resolved[name] = await resolve(value, finders[name]) if name in finders else value
    return resolved

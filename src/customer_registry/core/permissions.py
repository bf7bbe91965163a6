"""Who the caller is and what they may do: one model for all three APIs."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from customer_registry.core.errors import Forbidden
from customer_registry.core.scope import Scope


class Level(IntEnum):
    """Permission levels; each includes the ones before it."""

    OVERVIEW = 1
    TECHNICAL = 2
    ADMIN = 3
    FACTORY = 4
    SYSTEM = 5


class Visibility(StrEnum):
    GLOBAL = "GLOBAL"  # every entity
    ENTITY = "ENTITY"  # only the caller's own entity


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated user behind a request (or the command line, acting as SYSTEM)."""

    user_id: int | None
    username: str
    entity_id: int
    level: Level
    visibility: Visibility
    # What the caller's requests may touch, built with the caller (so once per token check,
    # or per request where an API surface narrows the visibility) and handed to repositories.
    scope: Scope = field(init=False, compare=False)

    def __post_init__(self) -> None:
        everything = self.visibility is Visibility.GLOBAL
        object.__setattr__(self, "scope", Scope(self.entity_id, everything))

    @property
    def sees_all_entities(self) -> bool:
        return self.scope.all_entities

    def can_see_entity(self, entity_id: int) -> bool:
        return self.scope.sees(entity_id)

    def require(self, level: Level) -> None:
        if self.level < level:
            raise Forbidden(f"This action needs the {level.name} permission level.")


def in_own_entity(caller: Caller) -> Caller:
    """The caller narrowed to their own entity, whatever their visibility: what the sales and
    billing APIs act as (each is one organisation's), and the console for their catalogues
    and brands."""
    if caller.visibility is Visibility.ENTITY:  # no copy, no new Scope, on every request
        return caller
    return dataclasses.replace(caller, visibility=Visibility.ENTITY)


# The command line acts with full rights; it is run by whoever runs the server.
COMMAND_LINE = Caller(
    user_id=None,
    username="command-line",
    entity_id=1,
    level=Level.SYSTEM,
    visibility=Visibility.GLOBAL,
)

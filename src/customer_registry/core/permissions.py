"""Who the caller is and what they may do: one model for all three APIs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from customer_registry.core.errors import Forbidden


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

    @property
    def sees_all_entities(self) -> bool:
        return self.visibility is Visibility.GLOBAL

    def can_see_entity(self, entity_id: int) -> bool:
        return self.sees_all_entities or entity_id == self.entity_id

    def require(self, level: Level) -> None:
        if self.level < level:
            raise Forbidden(f"This action needs the {level.name} permission level.")


# The command line acts with full rights; it is run by whoever runs the server.
COMMAND_LINE = Caller(
    user_id=None,
    username="command-line",
    entity_id=1,
    level=Level.SYSTEM,
    visibility=Visibility.GLOBAL,
)

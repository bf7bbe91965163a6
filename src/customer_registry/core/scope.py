"""What one request may touch of the tenant data, as a value the repositories take.

A `Scope` is built once per request, with its caller (`Caller.scope`), from the user's
visibility and the API surface (the single-organisation APIs keep every caller in their own
entity). Every repository function that reads or writes tenant data takes one, and
`storage/scope.py` turns it into SQL in one place: no repository looks at the caller.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    """The rows of every entity or of one (`all_entities`), and the entity new rows go to
    (`entity_id`: the caller's own, unless a request names another entity it sees)."""

    entity_id: int
    all_entities: bool

    @property
    def visible_entity(self) -> int | None:
        """The one entity whose rows are visible; None: every entity's."""
        return None if self.all_entities else self.entity_id

    def sees(self, entity_id: int | None) -> bool:
        """Whether rows of `entity_id` are visible (None: rows of no entity, such as a
        product not placed anywhere, which only a scope over every entity sees)."""
        return self.all_entities or entity_id == self.entity_id

    def for_entity(self, entity_id: int) -> Scope:
        """This scope, its new rows going to `entity_id` (an entity it sees): what a request
        that names an entity (a partner create, a customer's own entity) works in."""
        if not self.sees(entity_id):
            raise ValueError(f"entity #{entity_id} is outside the scope")
        return Scope(entity_id, self.all_entities)

    def only(self, entity_id: int) -> Scope:
        """This scope narrowed to the rows of `entity_id` (an entity it sees): an export of
        one entity's customers."""
        if not self.sees(entity_id):
            raise ValueError(f"entity #{entity_id} is outside the scope")
        return Scope(entity_id, all_entities=False)

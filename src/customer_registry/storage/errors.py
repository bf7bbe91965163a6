"""What the database refused, in driver-neutral terms; repositories make domain errors of them."""

from __future__ import annotations


class IntegrityViolation(Exception):
    def __init__(self, constraint: str | None) -> None:
        super().__init__(constraint)
        self.constraint = constraint


class UniqueViolation(IntegrityViolation):
    """A unique index refused the write; `constraint` is the index's name."""


class ForeignKeyViolation(IntegrityViolation):
    """A foreign key refused the write (SQLite does not say which: `constraint` is None)."""

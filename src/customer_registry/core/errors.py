"""Errors of the domain. Each API maps them to its own format at its edge, in one place."""

from __future__ import annotations

from enum import StrEnum


class DomainError(Exception):
    """Base of every error a caller can cause. `message` is safe to show to the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it exists."""


class Unauthenticated(DomainError):
    """No credentials, or credentials that are wrong, expired or revoked."""


class Forbidden(DomainError):
    """The caller is known but their permission level is too low for this action."""


class Throttled(DomainError):
    """Too many failed attempts; `retry_after` seconds until the next one is accepted."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Invalid(DomainError):
    """Input that breaks a rule. `errors` maps a field (or a rule's key) to its message.

    A message may hold the placeholder `{field}`: each API puts its own name for the field
    there (the core calls it `code`, the partner API `external_customer_code`).
    """

    def __init__(self, errors: dict[str, str]) -> None:
        # Plain str keys: a column's name (SQLAlchemy's str subclass) cannot be a JSON key.
        errors = {str(field): message for field, message in errors.items()}
        super().__init__("; ".join(m.replace("{field}", f) for f, m in errors.items()))
        self.errors = errors

    def worded(self, names: dict[str, str]) -> dict[str, str]:
        """The errors with fields renamed (and placeholders filled) by an API's `names`."""
        renamed = {}
        for field, message in self.errors.items():
            name = names.get(field, field)
            renamed[name] = message.replace("{field}", name)
        return renamed


class NotUnique(DomainError):
    """A value that must be unique (within an entity) is already taken.

    Raised from the database's unique index, never from a check made before the write.
    Carries the facts, not the wording: each API words it as its document does.
    """

    def __init__(self, field: str, value: object, entity_id: int | None = None) -> None:
        super().__init__(f"{field} {value!r} is already used")
        self.field = field
        self.value = value
        self.entity_id = entity_id


class UnknownField(DomainError):
    """A write named a field the object does not have."""

    def __init__(self, field: str) -> None:
        super().__init__(f"Model does not have field '{field}'")
        self.field = field


class DatabaseRefusal(StrEnum):
    """How PostgreSQL refuses a query it is sent, as a PEP 249 (DB-API) error class."""

    DATA = "DataError"  # a value its field's type cannot be read from (text, out of range)
    PROGRAMMING = "ProgrammingError"  # an operation the types do not have (text = integer)


class InvalidQuery(DomainError):
    """A list query (filter, order, group) that cannot be turned into a database query.

    `refusal`: how PostgreSQL would refuse it, where the query could be sent as it stands and
    the database is what would refuse it (None: no database is involved, e.g. an unknown
    field). An API whose original handed such queries to its database answers with it."""

    def __init__(self, message: str, refusal: DatabaseRefusal | None = None) -> None:
        super().__init__(message)
        self.refusal = refusal


class InUse(DomainError):
    """The object cannot be deleted while other records still point at it."""


class Unavailable(DomainError):
    """The database cannot be reached; the request may be retried later."""


class Outdated(DomainError):
    """A write made on condition that the record is still as the client last read it, and
    it is not: nothing was written (an API's `If-Match`)."""


class KeyReused(DomainError):
    """An Idempotency-Key sent again with another request than the one it was first sent
    with: nothing was done (the client must use a new key for a new request)."""


def missing(kind: str, key: str, value: object) -> NotFound:
    """The sales document's wording, used by every API: "The payment type with the id 999
    doesn't exist." (`key`: id, reference or name)."""
    return NotFound(f"The {kind} with the {key} {value} doesn't exist.")


class Required(Invalid):
    """Input that leaves out a value a rule needs (e.g. the due date's number of days)."""


class FileTooLarge(DomainError):
    """An uploaded file (or an image's pixel count) over its limit."""


class UnsupportedFile(DomainError):
    """An uploaded file that is not of a kind this service accepts."""

"""Time as the registry stores it: UTC, without a zone (every API renders it its own way)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def parse_timestamp(value: object) -> datetime:
    """ISO 8601, with `T` or a space; a zone, if given, is converted to naive UTC.

    Raises ValueError for anything else.
    """
    if not isinstance(value, str):
        raise ValueError("not a timestamp")
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # 0001-01-01T00:00+01:00 is before the first representable time
            raise ValueError("timestamp out of range") from None
    return parsed

"""Time as the registry stores it: UTC, without a zone (every API renders it its own way)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)

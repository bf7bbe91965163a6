"""The service's secret key: what the secrets it must be able to use again (webhooks'
signing secrets) are derived from, so that a copy of the database alone holds none."""

from __future__ import annotations

import secrets
from pathlib import Path

from customer_registry.settings import Settings
from customer_registry.storage.files import write_private_file

KEY_BYTES = 32


def service_key(settings: Settings) -> bytes:
    """`CUSTOMER_REGISTRY_SECRET_KEY` if set; otherwise the key file's, made (its owner's
    only) with a new random key the first time. Every instance of one registry needs the same
    key: set the variable, or share the file."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = Path(settings.secret_key_file)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        key = secrets.token_bytes(KEY_BYTES)
        try:
            write_private_file(path, key)
        except FileExistsError:  # another process made it first
            return path.read_bytes()
        return key

"""Logging as `customer-registry serve` sets it up: uvicorn's own configuration, with the
values of secret-looking query parameters masked in the access log.

Credentials belong in headers and bodies, but clients put them in URLs anyway (`?api_token=`,
`?password=`), and an access log is read by more people, and kept longer, than the secrets
it would hold. The mask applies to every request line, whatever the route, and whether or
not the route reads that parameter.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import unquote_plus

MASK = "***"

# A parameter is secret when its name, decoded, lower-cased and stripped of everything but
# letters and digits, contains one of these (`api_token`, `Access-Token`, `client_secret`,
# `user[password]`, `pass%77ord` all do).
_SECRET_WORDS = (
    "password",
    "passwd",
    "passphrase",
    "token",
    "secret",
    "apikey",
    "accesskey",
    "privatekey",
    "authorization",
    "credential",
)
# One `name=value` of a query string; `;` separates parameters for some parsers, so it
# ends a value here too (masking too much is harmless, too little is not).
_PARAMETER = re.compile(r"(?P<name>[^&;=]*)=(?P<value>[^&;]*)")
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]")


_DECODINGS = 4  # a bound, so that a name of a thousand `%25`s costs little to read


def _decoded(name: str) -> str:
    """The name as a client may have meant it: percent-decoded until nothing changes (a
    name encoded twice or thrice is still read as its clear form)."""
    for _ in range(_DECODINGS):
        once = unquote_plus(name)
        if once == name:
            break
        name = once
    return name


def is_secret_name(name: str) -> bool:
    """Whether a query parameter's name (as sent, percent-encoded or not) looks secret."""
    plain = _NOT_ALPHANUMERIC.sub("", _decoded(name).lower())
    return any(word in plain for word in _SECRET_WORDS)


def _mask(match: re.Match[str]) -> str:
    name = match["name"]
    return f"{name}={MASK}" if is_secret_name(name) else match[0]


def redact(target: str) -> str:
    """A request target (path and query string) with every secret parameter's value masked."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    return f"{path}?{_PARAMETER.sub(_mask, query)}"


class RedactSecrets(logging.Filter):
    """Masks secret query parameters in every text argument of a log record (or in its
    message, when it has none). On uvicorn's access logger, the arguments are the client's
    address, the method, the request target and the HTTP version: only the target holds a
    `?`, so only it can change."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif not record.args and isinstance(record.msg, str):
            record.msg = redact(record.msg)  # a message with no arguments is final text
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration, with RedactSecrets on its access logger
    (on the logger, not a handler: every handler then gets the masked record). Given by
    name, so each worker process builds its own."""
    from uvicorn.config import LOGGING_CONFIG  # uvicorn only where a server is started

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": f"{__name__}.RedactSecrets"}
    config["loggers"]["uvicorn.access"]["filters"] = ["redact_secrets"]
    return config

"""Logging as `customer-registry serve` sets it up: uvicorn's own configuration (under granian
too), with

- the values of secret-looking query parameters masked in the access log. Credentials belong
  in headers and bodies, but clients put them in URLs anyway (`?api_token=`, `?password=`),
  and an access log is read by more people, and kept longer, than the secrets it would hold.
  The mask applies to every request line, whatever the route, and whether or not the route
  reads that parameter;
- each line written while a request is answered carrying that request's id (the one its
  answer has in `X-Request-ID`);
- health checks (`/healthz`, `/readyz`, asked every second or so by a load balancer) logged
  at DEBUG only;
- with CUSTOMER_REGISTRY_LOG_FORMAT=json, every line a JSON object, and one line per request
  (time, request id, user, API, route template, method, path, status, duration) written by
  the service instead of uvicorn's access line. Never a query string, a header or a body.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any, Literal
from urllib.parse import unquote_plus

from pythonjsonlogger.core import RESERVED_ATTRS

from customer_registry.operations.requests import REQUEST_ID

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


class RequestIdFilter(logging.Filter):
    """Adds the id of the request being answered (None outside one) to every record, as
    `request_id`, and as ` [id]` (or nothing) in `request`, for text formats."""

    def filter(self, record: logging.LogRecord) -> bool:
        raw = REQUEST_ID.get()
        request_id = raw.decode("ascii") if raw is not None else None
        record.request_id = request_id
        record.request = f" [{request_id}]" if request_id else ""
        return True


_QUIET_PATHS = ("/healthz", "/readyz")


class QuietHealthChecks(logging.Filter):
    """uvicorn's access line of a health check passes only when its logger is at DEBUG (the
    request target is the third of its arguments)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        target = args[2] if isinstance(args, tuple) and len(args) > 2 else None
        if isinstance(target, str) and target.split("?", 1)[0] in _QUIET_PATHS:
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


LogFormat = Literal["text", "json"]
_JSON_FORMATTER = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "fmt": "%(levelname)s %(name)s %(message)s",
    "rename_fields": {"levelname": "level", "name": "logger"},
    "timestamp": "time",
    # Left out: uvicorn's coloured copy of a message, and the id as text formats show it.
    "reserved_attrs": [*RESERVED_ATTRS, "color_message", "request"],
}


def uvicorn_log_config(log_format: LogFormat = "text") -> dict[str, Any]:
    """uvicorn's default logging configuration, with RedactSecrets and QuietHealthChecks on
    its access logger (on the logger, not a handler: every handler then gets the filtered
    record), the request id on every handler, the service's own loggers on uvicorn's
    handlers, and JSON lines when asked. Given by name, so each worker process builds its
    own."""
    from uvicorn.config import LOGGING_CONFIG  # uvicorn only where a server is started

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {}).update(
        {
            "redact_secrets": {"()": f"{__name__}.RedactSecrets"},
            "quiet_health_checks": {"()": f"{__name__}.QuietHealthChecks"},
            "request_id": {"()": f"{__name__}.RequestIdFilter"},
        }
    )
    config["loggers"]["uvicorn.access"]["filters"] = ["redact_secrets", "quiet_health_checks"]
    for handler in config["handlers"].values():
        handler["filters"] = ["request_id"]
    formatters = config["formatters"]
    if log_format == "json":
        formatters["default"] = formatters["access"] = dict(_JSON_FORMATTER)
    else:
        formatters["default"]["fmt"] = "%(levelprefix)s %(message)s%(request)s"
        formatters["access"]["fmt"] = (
            '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s%(request)s'
        )
    loggers = config["loggers"]
    loggers["customer_registry"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    if log_format == "json":
        # The service's line per request goes where uvicorn's access lines go (stdout).
        loggers["customer_registry.requests"] = {
            "handlers": ["access"],
            "level": "INFO",
            "propagate": False,
        }
    return config


def granian_log_config(log_format: LogFormat = "text") -> dict[str, Any]:
    """The same configuration under granian, whose own lines (its start, its workers, its
    stop) go to uvicorn's handler in the same format. Its access line stays off: the service
    writes uvicorn's (operations.edge)."""
    config = uvicorn_log_config(log_format)
    config["loggers"]["_granian"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config

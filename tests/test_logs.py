"""The access log's mask: secret-looking query parameters lose their values, nothing else
changes. Judged by the parser the APIs read query strings with (Starlette's), so what the
service would take as a secret is exactly what the log no longer shows."""

from __future__ import annotations

import contextvars
import io
import json
import logging
import logging.config
import string
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import QueryParams

from customer_registry.logs import (
    MASK,
    LogFormat,
    QuietHealthChecks,
    RedactSecrets,
    is_secret_name,
    redact,
    uvicorn_log_config,
)
from customer_registry.operations.requests import REQUEST_ID


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "PassWord",
        "token",
        "api_token",
        "API_TOKEN",
        "secret",
        "client_secret",
        "access-token",
        "apiKey",
        "user[password]",
        "pass%77ord",  # percent-encoded
        "pass%2577ord",  # encoded twice
        "%70%61%73%73%77%6F%72%64",
        "new+password",
    ],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["page", "per_page", "name", "filter[name]", "q", "sort", ""])
def test_ordinary_names(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        (
            "/api/v1/customers?api_token=abc&password=x",
            "/api/v1/customers?api_token=***&password=***",
        ),
        ("/v1/customers?page=2&Token=abc", "/v1/customers?page=2&Token=***"),
        ("/x?a=1;secret=s;b=2", "/x?a=1;secret=***;b=2"),
        ("/x?password=", "/x?password=***"),
        ("/x?password", "/x?password"),  # no value to hide
        ("/x?name=password%3Dx", "/x?name=password%3Dx"),  # a value, not a parameter
        ("/media/a.png", "/media/a.png"),
        ("/x?q=%7B%22name%22%3A1%7D", "/x?q=%7B%22name%22%3A1%7D"),
    ],
)
def test_redact(target: str, logged: str) -> None:
    assert redact(target) == logged


_TEXT = st.text(string.ascii_letters + string.digits + "-_.~ []%&;=+?/", max_size=12)
_SECRET = st.sampled_from(["password", "token", "api_token", "secret", "Password", "TOKEN"])


@st.composite
def _queries(draw: st.DrawFn) -> list[tuple[str, str, bool]]:
    """(name as sent, value as sent, secret?) for a query string's parameters."""
    parameters = []
    for _ in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            name = draw(_SECRET)
            if draw(st.booleans()):
                name = "".join(f"%{ord(c):02X}" if draw(st.booleans()) else c for c in name)
            secret = True
        else:
            name = quote(draw(_TEXT), safe="")
            secret = is_secret_name(name)
        parameters.append((name, quote(draw(_TEXT), safe=""), secret))
    return parameters


@settings(deadline=None)  # a loaded CI machine's pause is no failure
@given(_queries())
def test_every_secret_value_is_masked_and_nothing_else_changes(
    parameters: list[tuple[str, str, bool]],
) -> None:
    query = "&".join(f"{name}={value}" for name, value, _ in parameters)
    logged = redact(f"/api/v1/customers?{query}")
    path, _, logged_query = logged.partition("?")
    assert path == "/api/v1/customers"
    expected = [
        (name, MASK if secret else value)
        for (name, value, secret) in parameters
        for name, value in QueryParams(f"{name}={value}").multi_items()
    ]
    assert QueryParams(logged_query).multi_items() == expected


def test_the_filter_masks_uvicorns_access_record() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/customers?api_token=abc&page=2", "1.1", 200),
        None,
    )
    assert RedactSecrets().filter(record)
    assert record.getMessage() == (
        '127.0.0.1:5000 - "GET /api/v1/customers?api_token=***&page=2 HTTP/1.1" 200'
    )


def test_serve_puts_the_filters_on_the_access_logger_and_the_request_id_on_every_handler() -> None:
    config = uvicorn_log_config()
    assert config["loggers"]["uvicorn.access"]["filters"] == [
        "redact_secrets",
        "quiet_health_checks",
    ]
    assert config["filters"]["redact_secrets"] == {"()": "customer_registry.logs.RedactSecrets"}
    assert {name: h["filters"] for name, h in config["handlers"].items()} == {
        "default": ["request_id"],
        "access": ["request_id"],
    }


def _access_record(target: str) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", target, "1.1", 200),
        None,
    )


@pytest.mark.parametrize("target", ["/healthz", "/readyz", "/readyz?full=1"])
def test_health_checks_are_logged_at_debug_only(target: str) -> None:
    logger = logging.getLogger("uvicorn.access")
    before = logger.level
    try:
        logger.setLevel(logging.INFO)
        assert not QuietHealthChecks().filter(_access_record(target))
        logger.setLevel(logging.DEBUG)
        assert QuietHealthChecks().filter(_access_record(target))
    finally:
        logger.setLevel(before)


@pytest.mark.parametrize("target", ["/v1/customers", "/healthzz", "/v1/healthz", "/metrics"])
def test_other_requests_are_logged(target: str) -> None:
    assert QuietHealthChecks().filter(_access_record(target))


def _configured(log_format: LogFormat, stream: io.StringIO) -> logging.Logger:
    config = uvicorn_log_config(log_format)
    for handler in config["handlers"].values():
        handler.pop("stream")
    logging.config.dictConfig(config)
    for name in ("uvicorn", "uvicorn.access", "customer_registry"):
        for handler in logging.getLogger(name).handlers:
            assert isinstance(handler, logging.StreamHandler)
            handler.setStream(stream)
    return logging.getLogger("customer_registry.requests")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    loggers = ("uvicorn", "uvicorn.access", "uvicorn.error", "customer_registry")
    saved = {name: logging.getLogger(name).__dict__.copy() for name in loggers}
    yield
    for name, state in saved.items():
        logger = logging.getLogger(name)
        logger.__dict__.clear()
        logger.__dict__.update(state)
    requests = logging.getLogger("customer_registry.requests")
    requests.handlers.clear()
    requests.propagate = True
    requests.setLevel(logging.NOTSET)


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_carry_the_request_id_and_the_fields_given() -> None:
    stream = io.StringIO()
    requests = _configured("json", stream)
    context = contextvars.copy_context()
    context.run(REQUEST_ID.set, b"abc-9")
    context.run(
        requests.info, "GET %s %s", "/v1/customers", 200, extra={"status": 200, "user": "a@b.c"}
    )
    logging.getLogger("customer_registry.other").warning("outside any request")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first.keys() == {"level", "logger", "message", "time", "request_id", "status", "user"}
    assert first["request_id"] == "abc-9"
    assert (first["message"], first["status"], first["user"]) == (
        "GET /v1/customers 200",
        200,
        "a@b.c",
    )
    assert (second["level"], second["request_id"]) == ("WARNING", None)


@pytest.mark.usefixtures("restore_logging")
def test_text_lines_end_with_the_request_id_inside_a_request() -> None:
    stream = io.StringIO()
    _configured("text", stream)
    context = contextvars.copy_context()
    context.run(REQUEST_ID.set, b"abc-7")
    context.run(logging.getLogger("customer_registry.x").warning, "inside")
    logging.getLogger("customer_registry.x").warning("outside")
    assert stream.getvalue().splitlines() == ["WARNING:  inside [abc-7]", "WARNING:  outside"]

"""The service with metrics on: every test here runs against an app whose /metrics answers
the bearer of METRICS_TOKEN (the fixtures of tests/conftest.py then use it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from customer_registry.settings import Settings
from tests.conftest import running_app

METRICS_TOKEN = "metrics-token-for-tests"


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Any]:
    metered = settings.model_copy(update={"metrics_token": SecretStr(METRICS_TOKEN)})
    async with running_app(metered) as application:
        yield application

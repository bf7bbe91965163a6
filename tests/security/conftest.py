"""Security tests (issue 7, items 5 and 6): isolation between entities, fields clients may not
set. Their figures (requests tried, leaks found) are printed at the end of the run."""

from __future__ import annotations

import pytest

# Lines each test adds ("entity isolation, ENTITY user, partner: 40 endpoint-methods, …"),
# printed in the terminal summary so the figures show in CI's output.
FIGURES: list[str] = []


@pytest.fixture(autouse=True)
def _fast_hashing(fast_password_hashing: None) -> None:
    """These tests make many users: see tests/conftest.py's fast_password_hashing."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("security figures")
        for line in FIGURES:
            terminalreporter.write_line(line)

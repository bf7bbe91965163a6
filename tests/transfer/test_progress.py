"""An import's progress: plain lines when not on a terminal, a Rich bar on one."""

from __future__ import annotations

import io

import pytest

from customer_registry.core.imports import Refusal, Report
from customer_registry.transfer import progress
from customer_registry.transfer.progress import ImportProgress


def test_plain_lines_every_few_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "PLAIN_EVERY_SECONDS", 0.0)
    out = io.StringIO()
    with ImportProgress(2000, out, terminal=False) as show:
        show(Report(created=900, refused=[Refusal(3, "x")]))
    line = out.getvalue()
    assert line.startswith("901 rows of about 2,000, ")
    assert line.endswith(" rows/s, 1 refused\n")


def test_nothing_printed_between_the_plain_lines() -> None:
    out = io.StringIO()
    with ImportProgress(None, out, terminal=False) as show:
        show(Report(created=10))
    assert out.getvalue() == ""


def test_a_bar_on_a_terminal() -> None:
    out = io.StringIO()
    with ImportProgress(100, out, terminal=True) as show:
        show(Report(created=50))
    assert "50/100" in out.getvalue()

"""`customer-registry history CUSTOMER`: a customer's changes, as a table or JSON Lines."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Run


def test_history_prints_what_an_import_did(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "customers.csv"
    source.write_text("external_customer_code,name\nC1,First name\n", encoding="utf-8")
    assert run("import", str(source)).returncode == 0
    source.write_text("external_customer_code,name\nC1,Second name\n", encoding="utf-8")
    assert run("import", str(source), "--on-conflict", "update").returncode == 0

    shown = run("history", "1", COLUMNS="200")  # Rich's width when not on a terminal
    assert shown.returncode == 0, shown.stderr
    assert "customer.created" in shown.stdout
    assert "customer.updated" in shown.stdout
    assert "First name" in shown.stdout
    assert "Second name" in shown.stdout
    assert "2 changes" in shown.stderr

    lines = run("history", "1", "--json").stdout.splitlines()
    entries = [json.loads(line) for line in lines]
    assert [(e["action"], e["surface"]) for e in entries] == [
        ("customer.created", "import"),
        ("customer.updated", "import"),
    ]
    assert entries[1]["changes"] == {"name": ["First name", "Second name"]}

    later = run("history", "1", "--since", "2999-01-01T00:00:00Z")
    assert later.returncode == 0
    assert "0 changes" in later.stderr
    bad = run("history", "1", "--since", "yesterday")
    assert bad.returncode == 2
    assert "--since" in bad.stderr

"""The documentation site (mkdocs.yml, docs/) builds with `mkdocs build --strict`: a broken
link, a page missing from the navigation or a bad configuration fails here, offline."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mkdocs.config import load_config

from customer_registry.settings import Settings

ROOT = Path(__file__).parents[1]


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,  # the snippets (bench/README.md) are read from the repository's root
        env=os.environ | {"NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for page in (
        "index.html",
        "getting-started/index.html",
        "one-registry/index.html",
        "apis/partner/index.html",
        "apis/sales/index.html",
        "apis/billing/index.html",
        "operating/settings/index.html",
        "benchmark/index.html",
        "reliability/index.html",
    ):
        assert (site / page).is_file(), page
    # The one-registry picture: an SVG of our own, drawn offline and on GitHub alike.
    assert 'src="../images/one-registry.svg"' in (site / "one-registry/index.html").read_text()
    assert (site / "images/one-registry.svg").is_file()


def _nav_pages(items: list[Any]) -> Iterator[str]:
    """The page paths of a `nav` (titles mapping to pages or to sections, or bare paths)."""
    for item in items:
        for value in item.values() if isinstance(item, dict) else [item]:
            if isinstance(value, list):
                yield from _nav_pages(value)
            else:
                yield str(value)


def test_every_page_is_in_the_navigation() -> None:
    """Each page of docs/ is in `nav`, and `nav` names no page docs/ lacks (read as mkdocs
    reads the file: by path, not by text, so `settings.md` is not `operating/settings.md`)."""
    nav = set(_nav_pages(load_config(str(ROOT / "mkdocs.yml"))["nav"]))
    docs = ROOT / "docs"
    pages = {page.relative_to(docs).as_posix() for page in docs.rglob("*.md")}
    assert sorted(pages - nav) == []
    assert sorted(nav - pages) == []


def test_every_setting_has_a_row_on_the_settings_page() -> None:
    """The settings page's table names every setting, and nothing else."""
    page = (ROOT / "docs/operating/settings.md").read_text()
    rows = set(re.findall(r"^\| `(CUSTOMER_REGISTRY_[A-Z_]+)` \|", page, flags=re.MULTILINE))
    settings = {f"CUSTOMER_REGISTRY_{name.upper()}" for name in Settings.model_fields}
    assert rows == settings, (sorted(settings - rows), sorted(rows - settings))


def test_the_readme_is_short_and_starts_with_the_two_commands() -> None:
    """Issue 22: a newcomer's README, under 150 lines, whose first two commands install and
    serve with nothing configured, then install the test tools and run the whole suite (as
    .ci/run does); everything else is on the site."""
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < 150
    blocks = re.findall(r"^```\w*\n(.*?)^```$", readme, flags=re.MULTILINE | re.DOTALL)
    assert blocks[:2] == [
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/customer-registry serve\n",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest\n",
    ]
    ci = (ROOT / ".ci/run").read_text()
    assert "-e '.[test]'" in ci
    assert ".venv/bin/pytest" in ci

"""Every example of the documentation site runs: its bash, Python and PHP blocks, extracted from
`docs/**/*.md` and run in order, page by page, against a real server started the way the
getting-started page starts it.

The conventions (docs/contributing.md says them to writers):

- A fenced block in ```bash, ```python or ```php is an example: it runs, and must exit 0.
- `<!-- not run: <reason> -->` on the line before a block leaves it out, visibly in the page's
  source and with its reason (the install command, settings of a server of one's own, tools the
  suite does not start such as wrk).
- `<!-- expect: <text> -->` lines before a block: each text must appear in what it prints
  (its standard output or error).
- No other shell languages (```sh, ```shell, ```console): every command is run or says why not.
- Examples read the service's address from `$REGISTRY`, the first administrator's password from
  `$PASSWORD` and an API key from `$TOKEN`; what a bash block exports is seen by the next blocks
  of its page (Python reads `os.environ`, PHP `getenv`).

Each page gets a server of its own, with nothing configured on SQLite (`customer-registry serve`
in an empty directory, which makes `customer-registry.db` there and prints the administrator's
password), or pointed at the suite's PostgreSQL database, emptied first. The directory it runs in
stands for a checkout: `.venv` is the suite's environment and `docs` the repository's.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.conftest import TEST_URL_VARIABLE, database_env, database_settings
from tests.e2e.conftest import EXE, _empty_postgres, _free_port, _migrate, _output, _stop

pytestmark = pytest.mark.server

ROOT = Path(__file__).parents[2]
DOCS = ROOT / "docs"
RUN = ("bash", "python", "php")
# Shell languages a reader would run: none may be left unmarked in another language.
FORBIDDEN = ("sh", "shell", "console", "zsh")
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[^\n]*$")
NOT_RUN = re.compile(r"^\s*<!--\s*not run:\s*(?P<reason>.*?)\s*-->\s*$")
EXPECT = re.compile(r"^\s*<!--\s*expect:\s*(?P<text>.*?)\s*-->\s*$")
PASSWORD_LINE = re.compile(r"Created administrator 'admin' with password (\S+) \(shown only once\)")
EXAMPLE_TIMEOUT_SECONDS = 120
# A new server per page; on a loaded machine a first start (the migrations) takes a while.
START_TIMEOUT_SECONDS = 90.0


@dataclass
class Block:
    page: str
    line: int  # of the opening fence, 1-based
    lang: str
    code: str
    skip_reason: str | None = None
    expect: list[str] = field(default_factory=list)

    def where(self) -> str:
        return f"docs/{self.page}:{self.line}"


def blocks_of(path: Path) -> list[Block]:
    """The fenced blocks of a page, with the markers written on the lines before each."""
    lines = path.read_text().splitlines()
    page = path.relative_to(DOCS).as_posix()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, lang = opening["indent"], opening["lang"].lower()
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        body = [line.removeprefix(indent) for line in lines[index + 1 : end]]
        block = Block(page, index + 1, lang, "\n".join(body) + "\n")
        above = index - 1
        while above >= 0 and (NOT_RUN.match(lines[above]) or EXPECT.match(lines[above])):
            if skipped := NOT_RUN.match(lines[above]):
                block.skip_reason = skipped["reason"]
            elif expected := EXPECT.match(lines[above]):
                block.expect.insert(0, expected["text"])
            above -= 1
        found.append(block)
        index = end + 1
    return found


def _pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))


def _pages_with_examples() -> list[str]:
    return [
        path.relative_to(DOCS).as_posix()
        for path in _pages()
        if any(b.lang in RUN and b.skip_reason is None for b in blocks_of(path))
    ]


def test_every_block_is_run_or_says_why_not() -> None:
    problems = []
    for path in _pages():
        for block in blocks_of(path):
            if block.lang in FORBIDDEN:
                problems.append(f"{block.where()}: ```{block.lang}: use ```bash (run) instead")
            if block.skip_reason == "":
                problems.append(f"{block.where()}: `not run` without a reason")
            if block.skip_reason is not None and block.lang not in RUN:
                problems.append(f"{block.where()}: `not run` on a block that never runs")
            if block.expect and block.lang not in RUN:
                problems.append(f"{block.where()}: `expect` on a block that never runs")
    assert not problems, "\n".join(problems)


def test_the_pages_integrators_start_from_have_examples() -> None:
    """The guides' examples are the point: a page that lost them would pass silently."""
    pages = set(_pages_with_examples())
    for page in (
        "getting-started.md",
        "one-registry.md",
        "apis/partner.md",
        "apis/sales.md",
        "apis/billing.md",
    ):
        assert page in pages, f"docs/{page} has no example that runs"
    languages = {
        block.lang
        for path in _pages()
        for block in blocks_of(path)
        if block.lang in RUN and block.skip_reason is None
    }
    assert languages == set(RUN)


def _wait_until_answering(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with status {process.returncode}:\n{_output(log)}")
        try:
            requests.get(f"{url}/healthz", timeout=5)
        except requests.ConnectionError:
            time.sleep(0.2)
        else:
            return
    pytest.fail(f"the server did not answer within {START_TIMEOUT_SECONDS:.0f} s:\n{_output(log)}")


@dataclass(frozen=True)
class Started:
    url: str
    workdir: Path
    password: str
    env: dict[str, str]  # what the examples run with


@pytest.fixture
def started(tmp_path: Path) -> Iterator[Started]:
    """`customer-registry serve` in a directory of its own that stands for a checkout."""
    workdir = tmp_path / "checkout"
    workdir.mkdir()
    (workdir / ".venv").symlink_to(Path(sys.prefix))
    (workdir / "docs").symlink_to(DOCS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_REGISTRY_")}
    database_url = os.environ.get(TEST_URL_VARIABLE)
    postgres = database_url is not None
    if database_url is not None:  # zero configuration on SQLite; the URL on PostgreSQL
        env |= database_env(database_url)
        asyncio.run(_empty_postgres(database_settings(database_url).postgres_dsn))
    try:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        log = tmp_path / "server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(EXE), "serve", "--port", str(port)],
                env=env,
                cwd=workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_answering(process, url, log)
            printed = PASSWORD_LINE.search(log.read_text())
            assert printed is not None, log.read_text()
            token = subprocess.run(
                [str(EXE), "tokens", "create", "--username", "admin"],
                env=env,
                cwd=workdir,
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            ).stdout.strip()
            examples_env = env | {
                "REGISTRY": url,
                "PASSWORD": printed[1],
                "TOKEN": token,
                # `customer-registry` on the PATH, as in a shell with the environment active.
                "PATH": f"{workdir / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
            }
            yield Started(url, workdir, printed[1], examples_env)
        finally:
            _stop(process)
    finally:
        if postgres:
            _migrate(env, workdir)


def _run(block: Block, env: dict[str, str], workdir: Path) -> tuple[str, dict[str, str]]:
    """Runs one example; its output, and the environment the next ones get."""
    scratch = workdir.parent
    if block.lang == "bash":
        dump = scratch / "env.after"
        script = scratch / "example.sh"
        script.write_text(f'set -euo pipefail\n{block.code}\nenv -0 > "{dump}"\n')
        command = ["bash", str(script)]
    elif block.lang == "python":
        script = scratch / "example.py"
        script.write_text(block.code)
        command = [sys.executable, str(script)]
    else:
        assert block.code.lstrip().startswith("<?php"), f"{block.where()}: start with <?php"
        script = scratch / "example.php"
        script.write_text(block.code)
        command = ["php", str(script)]
    done = subprocess.run(
        command,
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=EXAMPLE_TIMEOUT_SECONDS,
        check=False,
    )
    shown = f"{block.where()} ({block.lang}):\n{block.code}\n--- stdout:\n{done.stdout}\n--- stderr:\n{done.stderr}"
    assert done.returncode == 0, f"exit status {done.returncode}: {shown}"
    for text in block.expect:
        assert text in done.stdout + done.stderr, f"{text!r} not printed: {shown}"
    if block.lang == "bash":
        pairs = (item.split("=", 1) for item in dump.read_text().split("\0") if "=" in item)
        env = dict(pairs)
        dump.unlink()
    return done.stdout, env


@pytest.mark.parametrize("page", _pages_with_examples())
def test_the_examples_of_a_page_run(page: str, started: Started) -> None:
    env = dict(started.env)
    for block in blocks_of(DOCS / page):  # a page with none is not parametrised
        if block.lang not in RUN or block.skip_reason is not None:
            continue
        _, env = _run(block, env, started.workdir)
    # The server is still whole after the page: every API answers.
    answer = requests.get(f"{started.url}/healthz", timeout=10)
    assert answer.status_code == 200, answer.text

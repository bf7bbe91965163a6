"""`serve --server uvicorn|granian`: the same service under either server. A customer made
through one API is read through the other two, and what the server itself adds or refuses
is the same, except the `server` header, which granian always sends (it has no option to
leave it out); the rest of what the servers do is checked by the modules that run under
BOTH_SERVERS (access log, proxy headers, slow clients, shutdown, workers, rolling restart)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest
import requests

from customer_registry.settings import Settings
from tests.conftest import EXE
from tests.e2e.conftest import BOTH_SERVERS, SERVERS, Server
from tests.e2e.conftest import REQUEST_TIMEOUT_SECONDS as TIMEOUT


def _bearer(server: Server) -> dict[str, str]:
    answer = requests.post(
        f"{server.url}/api/login",
        data={"email": server.username, "password": server.password},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@BOTH_SERVERS
def test_the_three_apis_answer_for_one_customer(server: Server, http_server: str) -> None:
    headers = _bearer(server)
    reference = f"SERVED-{http_server}"
    created = requests.post(
        f"{server.url}/api/v1.0/customers",
        data={"reference": reference, "name": "Served Ltd"},
        headers=headers,
        timeout=TIMEOUT,
    )
    assert created.status_code == 201, created.text
    billing = requests.get(
        f"{server.url}/api/v1/customerAccounts/{reference}", headers=headers, timeout=TIMEOUT
    )
    assert billing.status_code == 200, billing.text
    assert billing.json()["customer"]["name"] == "Served Ltd"
    token = headers["Authorization"].split()[1]
    partner = requests.get(
        f"{server.url}/v1/customers",
        params={"q": '{"filters":[{"name":"name","op":"eq","val":"Served Ltd"}]}'},
        headers={"Authorization": f"Token token={token}"},
        timeout=TIMEOUT,
    )
    assert partner.status_code == 200, partner.text
    assert partner.json()["num_results"] == 1


@BOTH_SERVERS
def test_the_server_names_itself_only_under_granian(server: Server, http_server: str) -> None:
    answer = requests.get(f"{server.url}/healthz", timeout=TIMEOUT)
    assert answer.status_code == 200
    assert answer.headers.get("server") == (None if http_server == "uvicorn" else "granian")


def _serve(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_REGISTRY_")}
    env |= {"CUSTOMER_REGISTRY_DATABASE_URL": f"sqlite:///{tmp_path / 'registry.db'}"}
    env |= {f"CUSTOMER_REGISTRY_{name.upper()}": value for name, value in settings.items()}
    return subprocess.run(
        [EXE, "serve", *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("http_server", SERVERS)
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_stops_the_start_with_a_message(
    tmp_path: Path, http_server: str, workers: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = _serve(tmp_path, "--port", port, "--workers", workers, "--server", http_server)
    assert done.returncode == 3, done  # uvicorn's start-up failure
    assert "address already in use" in (done.stdout + done.stderr).lower(), done
    assert "panicked" not in done.stderr


def test_a_header_timeout_granian_cannot_keep_is_refused_at_start(tmp_path: Path) -> None:
    done = _serve(tmp_path, "--server", "granian", header_timeout_seconds="61")
    assert done.returncode == 2, done
    assert done.stderr.strip().splitlines() == [
        "error: bad setting: Value error, CUSTOMER_REGISTRY_HEADER_TIMEOUT_SECONDS above 60 s "
        "cannot be kept by granian (CUSTOMER_REGISTRY_SERVER): lower it, or serve with uvicorn"
    ]
    assert _serve(tmp_path, server="granian", header_timeout_seconds="61").returncode == 2
    assert Settings(server="granian", header_timeout_seconds=60).header_timeout_seconds == 60
    assert Settings(server="uvicorn", header_timeout_seconds=61).header_timeout_seconds == 61

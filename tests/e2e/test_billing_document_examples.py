"""The billing documents' own examples (seed 003, `customers.md`, `api.md`), run against a real server.

The user logs in with `POST /api/login` (the token the examples call `{token}`), then the three
sample requests of "Store a new customer" run as printed, apart from the base URL: the curl
command line itself (a `curl` subprocess), the Python example (`http.client`), and the PHP
example as the equivalent request (the same method, URL, empty body and header, with the
CURLOPT_* settings mapped to `requests`). Then the customer is read back by account and by id
("Get a customer"), and `GET /api/version` answers as `api.md` shows.

All three samples create customerAccount 123456; a second create of it is (rightly) a 422, so
the curl example runs with 123456 as printed and the Python and PHP ones with 123457 and
123458, in the same path shape.
"""

# The examples call requests without a timeout; the e2e conftest's _bounded_requests adds one.
# ruff: noqa: S113

from __future__ import annotations

import datetime as dt
import http.client
import json
import re
import subprocess
from typing import Any, TypedDict
from urllib.parse import urlsplit

import pytest
import requests

from tests.apis.billing_v1 import laravel
from tests.e2e.conftest import Server

pytestmark = pytest.mark.server

Json = dict[str, Any]


class Sent(TypedDict, total=False):
    """Where a request carries its fields: requests' keyword for each place."""

    data: dict[str, str]
    json: dict[str, str]


TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
# What the store request decides: the documented values of these keys must be met exactly.
DECIDED = [
    "brand_id",
    "representative_id",
    "customerAccount",
    "accountsReference",
    "name",
    "brand",
    "registrationNumber",
    "taxRegistrationNumber",
    "type",
    "capital",
    "mainAddressLine1",
    "mainAddressLine2",
    "mainAddressPostalCode",
    "mainAddressCity",
    "mainAddressCountry",
    "emailAddress",
    "website",
    "phone",
    "mobilePhone",
    "fax",
    "comment",
    "active",
    "isReseller",
    "resellerLevel",
    "chargeVAT",
    "applyVATAutoReverseOperators",
    "onCallDuty",
    "vip",
]


def _typed(values: Json) -> dict[str, tuple[str, Any]]:
    return {key: (type(value).__name__, value) for key, value in values.items()}


def _recent(value: Any) -> None:
    assert isinstance(value, str), value
    assert TIMESTAMP.fullmatch(value), value
    parsed = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    assert abs(dt.datetime.now(dt.UTC) - parsed) < dt.timedelta(minutes=5), value


def _assert_documented(customer: Json, customer_id: int, account: str) -> None:
    """The documented object: the same keys, the documented values, this id and account."""
    assert set(customer) == set(laravel.DOCUMENTED), (
        f"missing {set(laravel.DOCUMENTED) - set(customer)}, extra {set(customer) - set(laravel.DOCUMENTED)}"
    )
    expected = {key: laravel.DOCUMENTED[key] for key in DECIDED} | {"customerAccount": account}
    assert _typed({key: customer[key] for key in DECIDED}) == _typed(expected)
    assert customer["id"] == customer_id
    _recent(customer["created_at"])
    _recent(customer["updated_at"])
    for key in set(laravel.DOCUMENTED) - {*DECIDED, "id", "created_at", "updated_at"}:
        # Values the registry does not keep: null, or the documented value.
        if customer[key] is not None:
            assert _typed({key: customer[key]}) == _typed({key: laravel.DOCUMENTED[key]})


def _shell(command: str) -> subprocess.CompletedProcess[str]:
    """A command line as printed in the document, run by a shell (line continuations and all)."""
    return subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=60, check=False
    )


def _created_id(text: str) -> int:
    body = json.loads(text)
    assert list(body) == ["response"], body
    assert type(body["response"]) is int
    created: int = body["response"]
    return created


# --- POST /api/login: the examples' {token} -----------------------------------------------------


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    r = requests.post(
        server.url + "/api/login", data={"email": server.username, "password": server.password}
    )
    assert r.status_code == 200, r.text
    value: str = r.json()["token"]
    return value


def test_login(server: Server) -> None:
    forms: tuple[Sent, ...] = (
        {"data": {"email": server.username, "password": server.password}},
        {"json": {"email": server.username, "password": server.password}},
    )
    for sent in forms:
        r = requests.post(server.url + "/api/login", **sent)

        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"token", "user"}
        assert re.fullmatch(r"[A-Za-z0-9]{64}", body["token"])
        assert set(body["user"]) == {"id", "name", "email"}
        assert type(body["user"]["id"]) is int
        assert isinstance(body["user"]["name"], str)
        assert body["user"]["email"] == server.username
        listed = requests.get(
            server.url + "/api/v1/customers",
            headers={"authorization": "Bearer " + body["token"]},
        )
        assert listed.status_code == 200, listed.text

    # Credentials in the URL are not read (URLs are logged): as if the body lacked them.
    r = requests.post(
        server.url + "/api/login", params={"email": server.username, "password": server.password}
    )
    assert r.status_code == 422, r.text
    assert set(r.json()["errors"]) == {"email", "password"}
    r = requests.post(
        server.url + "/api/login", data={"email": server.username, "password": "wrong password"}
    )
    assert r.status_code == 401
    assert r.json() == {"message": "These credentials do not match our records."}
    r = requests.get(server.url + "/api/v1/customers", headers={"authorization": "Bearer {token}"})
    assert r.status_code == 401
    assert r.json() == {"message": "Unauthenticated."}


# --- "Store a new customer": the three samples --------------------------------------------------


@pytest.fixture(scope="module")
def curl_store(server: Server, token: str) -> subprocess.CompletedProcess[str]:
    """The curl sample, run once as a command line (its customer is read back below)."""
    command = f"""curl --request POST \\
     --url '{server.url}/api/v1/customers?name=Soci%C3%A9t%C3%A9&customerAccount=123456' \\
     --header 'authorization: Bearer {token}'
"""
    return _shell(command)


def test_the_curl_sample(curl_store: subprocess.CompletedProcess[str]) -> None:
    assert curl_store.returncode == 0, curl_store.stderr
    assert re.fullmatch(r'\{"response": ?\d+\}', curl_store.stdout.strip()), curl_store.stdout
    _created_id(curl_store.stdout)


def test_the_python_sample(server: Server, token: str) -> None:
    port = urlsplit(server.url).port
    # The document's HTTPSConnection("bluerockteladmin.test"): the test server speaks plain HTTP.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    payload = ""

    headers = {"authorization": "Bearer " + token}

    # customerAccount 123457: the curl sample took 123456.
    conn.request(
        "POST",
        "/api/v1/customers?name=Soci%C3%A9t%C3%A9&customerAccount=123457",
        payload,
        headers,
    )

    res = conn.getresponse()
    data = res.read()

    print(data.decode("utf-8"))
    conn.close()

    assert res.status == 201, data
    customer_id = _created_id(data.decode("utf-8"))
    r = requests.get(f"{server.url}/api/v1/customers/{customer_id}", headers=headers)
    assert r.status_code == 200, r.text
    _assert_documented(r.json()["customer"], customer_id, "123457")


def test_the_php_sample(server: Server, token: str) -> None:
    session = requests.Session()
    session.max_redirects = 10  # CURLOPT_MAXREDIRS => 10
    # customerAccount 123458: the curl sample took 123456, the Python one 123457.
    response = session.request(
        "POST",  # CURLOPT_CUSTOMREQUEST => "POST"
        server.url + "/api/v1/customers?name=Soci%C3%A9t%C3%A9&customerAccount=123458",
        data="",  # CURLOPT_POSTFIELDS => ""
        headers={"authorization": f"Bearer {token}"},  # CURLOPT_HTTPHEADER
        timeout=30,  # CURLOPT_TIMEOUT => 30
        allow_redirects=True,
    )  # CURLOPT_ENCODING => "": requests accepts every encoding it decodes; HTTP/1.1 as set.

    print(response.text)  # CURLOPT_RETURNTRANSFER, then `echo $response`

    assert response.status_code == 201, response.text
    customer_id = _created_id(response.text)
    r = session.get(
        f"{server.url}/api/v1/customerAccounts/123458",
        headers={"authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.text
    _assert_documented(r.json()["customer"], customer_id, "123458")


def test_a_second_store_of_the_same_account_is_422(
    server: Server, token: str, curl_store: subprocess.CompletedProcess[str]
) -> None:
    r = requests.post(
        server.url + "/api/v1/customers?name=Soci%C3%A9t%C3%A9&customerAccount=123456",
        data="",
        headers={"authorization": "Bearer " + token},
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert set(body) == {"message", "errors"}
    assert "customerAccount" in body["errors"]


# --- "Get a customer" ---------------------------------------------------------------------------


def test_get_the_customer_from_its_account(
    server: Server, token: str, curl_store: subprocess.CompletedProcess[str]
) -> None:
    customer_id = _created_id(curl_store.stdout)
    done = _shell(
        f"""curl --request GET \\
  --url {server.url}/api/v1/customerAccounts/123456 \\
  --header 'authorization: Bearer {token}'
"""
    )
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert list(body) == ["customer"]
    assert body["customer"]["name"] == "Société"
    _assert_documented(body["customer"], customer_id, "123456")


def test_get_the_customer_from_its_id(
    server: Server, token: str, curl_store: subprocess.CompletedProcess[str]
) -> None:
    customer_id = _created_id(curl_store.stdout)
    headers = {"authorization": "Bearer " + token}

    # The Python sample of "Get a customer (from customer id)", with this customer's id.
    conn = http.client.HTTPConnection("127.0.0.1", urlsplit(server.url).port, timeout=30)
    payload = ""
    conn.request("GET", f"/api/v1/customers/{customer_id}", payload, headers)
    res = conn.getresponse()
    data = res.read()
    print(data.decode("utf-8"))
    conn.close()

    assert res.status == 200, data
    body = json.loads(data)
    assert list(body) == ["customer"]
    _assert_documented(body["customer"], customer_id, "123456")
    by_account = requests.get(server.url + "/api/v1/customerAccounts/123456", headers=headers)
    assert by_account.json() == body


# --- api.md: GET /api/version -------------------------------------------------------------------


def test_version(server: Server, token: str) -> None:
    for headers in ({"authorization": f"Bearer {token} "}, {}):  # the document's header, and none
        r = requests.get(server.url + "/api/version", headers=headers)

        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"version", "status", "vendor", "url"}
        assert isinstance(body["version"], str)
        assert body["version"]
        assert body["status"] == "ok"
        assert body["vendor"] == "Customer Registry"
        assert isinstance(body["url"], str)

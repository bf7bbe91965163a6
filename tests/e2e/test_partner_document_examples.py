"""The partner documents' own examples, run as written against a real server.

Seeds 000 and 001 (`_create_customer.md`, `_customers.md`), `_entities.md`, `_auth_login.md`,
`_authentication_and_permissions.md` and the `q` example of `_query_format.md` (adapted from
products to customers). Each example is translated to Python 3 and nothing else: the same
`requests` calls (no session, no timeout argument — the e2e conftest bounds every call),
the same headers, `print x` / `>>> value` turned into `assert x == value`. Where an example
cannot run as printed the test says so next to the change.
"""

# The examples call requests without a timeout; the e2e conftest's _bounded_requests adds one.
# ruff: noqa: S113

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import uuid
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import Server

pytestmark = pytest.mark.server

Json = dict[str, Any]

# "Mon, 01 Aug 2016 17:05:11 GMT" (RFC 1123, as `_auth_login.md` shows it).
RFC_1123 = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT")

LOGIN_KEYS = {
    "username",
    "entity_id",
    "display_name",
    "name",
    "user_product_visibility",
    "hub_id",
    "shop_id",
    "API_token",
    "token_expiry",
    "permissions",
}
CUSTOMER_FIELDS = {
    "customer_id",
    "name",
    "external_customer_id",
    "external_customer_code",
    "created_at",
    "created_by",
    "modified_at",
    "modified_by",
}
ENTITY_FIELDS = {
    "entity_id",
    "name",
    "bboxx_company_flag",
    "tariff",
    "financier",
    "geic",
    "created_at",
    "created_by",
    "modified_at",
    "modified_by",
}
PAGE_KEYS = {"num_results", "objects", "page", "total_pages"}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _recent(timestamp: Any) -> dt.datetime:
    """A `_meta_data.md` timestamp: ISO 8601, UTC without a zone, set moments ago."""
    assert isinstance(timestamp, str)
    parsed = dt.datetime.fromisoformat(timestamp)
    assert parsed.tzinfo is None
    assert abs(_utcnow() - parsed) < dt.timedelta(minutes=5)
    return parsed


def _unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:12]}"


# --- fixtures: the examples' A_VALID_TOKEN and test_entity_id ----------------------------------


@pytest.fixture(scope="module")
def A_VALID_TOKEN(server: Server) -> str:  # noqa: N802 -- the documents' own name
    url = server.url + "/v1/auth/login"
    fields = {"username": server.username, "password": server.password}
    r = requests.post(url, data=fields)
    assert r.status_code == 200, r.text
    token: str = r.json()["message"]["login_successful"]["API_token"]
    return token


@pytest.fixture(scope="module")
def headers(A_VALID_TOKEN: str) -> dict[str, str]:  # noqa: N803
    return {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}


def _new_entity(server: Server, headers: dict[str, str], **fields: Any) -> int:
    fields.setdefault("name", _unique("entity"))
    r = requests.post(url=server.url + "/v1/entities", data=json.dumps(fields), headers=headers)
    assert r.status_code == 201, r.text
    entity_id: int = r.json()["entity_id"]
    return entity_id


@pytest.fixture
def test_entity_id(server: Server, headers: dict[str, str]) -> int:
    """A new entity per test: each create_customer example starts from an empty one."""
    return _new_entity(server, headers)


def _create_customer(server: Server, headers: dict[str, str], **fields: Any) -> Json:
    url = server.url + "/v1/customers/create_customer"
    r = requests.put(url=url, data=json.dumps(fields), headers=headers)
    assert r.status_code == 201, r.text
    data: Json = r.json()["data"]
    return data


def _total_customers(server: Server, headers: dict[str, str]) -> int:
    r = requests.get(url=server.url + "/v1/customers", headers=headers)
    assert r.status_code == 200, r.text
    total: int = r.json()["num_results"]
    return total


def _all_pages(server: Server, path: str, headers: dict[str, str]) -> list[Json]:
    objects: list[Json] = []
    page = 1
    while True:
        r = requests.get(server.url + path, {"page": page}, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        objects += body["objects"]
        if page >= body["total_pages"]:
            return objects
        page += 1


# --- _auth_login.md and _authentication_and_permissions.md -------------------------------------


def test_the_full_auth_login_response(server: Server) -> None:
    url = server.url + "/v1/auth/login"
    fields = {"username": server.username, "password": server.password}

    r = requests.post(url, data=fields)

    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "success"
    assert list(body["message"]) == ["login_successful"]
    login = body["message"]["login_successful"]
    assert set(login) >= LOGIN_KEYS, f"missing: {LOGIN_KEYS - set(login)}"
    assert login["username"] == "test.user@bboxx.co.uk"
    assert login["entity_id"] == 1
    assert isinstance(login["display_name"], str)
    assert login["display_name"]
    assert login["name"] == ""
    assert login["user_product_visibility"] == "GLOBAL"
    assert login["hub_id"] is None
    assert login["shop_id"] is None
    assert login["permissions"] == "SYSTEM"
    # "The token is a random 64-char string."
    assert isinstance(login["API_token"], str)
    assert len(login["API_token"]) == 64
    # "Mon, 01 Aug 2016 17:05:11 GMT"; "The token will expire after 3 hours."
    expiry_text = login["token_expiry"]
    assert RFC_1123.fullmatch(expiry_text), expiry_text
    expiry = parsedate_to_datetime(expiry_text)
    assert format_datetime(expiry, usegmt=True) == expiry_text  # the weekday agrees, too
    ahead = expiry - dt.datetime.now(dt.UTC)
    assert dt.timedelta(hours=3) - dt.timedelta(minutes=1) < ahead <= dt.timedelta(hours=3)


def test_generating_a_valid_token(server: Server) -> None:
    url = server.url + "/v1/auth/login"
    fields = {"username": server.username, "password": server.password}

    r = requests.post(url, data=fields)

    token = r.json()["message"]["login_successful"]["API_token"]

    assert isinstance(token, str)
    assert len(token) == 64
    again = requests.post(url, data=fields).json()["message"]["login_successful"]["API_token"]
    assert again != token  # random: every login makes a new one
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + token}
    assert requests.get(url=server.url + "/v1/customers", headers=headers).status_code == 200


def test_a_basic_authentication_routine(server: Server) -> None:
    def login() -> dict[str, str]:
        url = server.url + "/v1/auth/login"
        fields = {"username": server.username, "password": server.password}

        r = requests.post(url, data=fields)

        token = r.json()["message"]["login_successful"]["API_token"]
        headers = {"Content-Type": "application/json", "Authorization": "Token token=" + token}

        return headers  # noqa: RET504 -- as written

    headers = login()
    r = requests.get(url=server.url + "/v1/customers", headers=headers)
    assert r.status_code == 200
    unauthenticated = requests.get(url=server.url + "/v1/customers")
    assert unauthenticated.status_code == 401


def test_an_efficient_authentication_routine(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the routine writes 'token.json' in the working directory

    def login() -> dict[str, str]:
        url = server.url + "/v1/auth/login"
        fields = {"username": server.username, "password": server.password}
        r = requests.post(url, data=fields)

        token = r.json()["message"]["login_successful"]["API_token"]
        headers = {"Content-Type": "application/json", "Authorization": "Token token=" + token}

        write_token_to_file(r.json(), headers)

        return headers

    def write_token_to_file(data: Json, headers: dict[str, str]) -> None:
        expiry = data["message"]["login_successful"]["token_expiry"]

        with open("token.json", "w") as token_file:
            json.dump({"headers": headers, "expiry": expiry}, token_file)

    def get_headers() -> dict[str, str]:
        if os.path.exists("token.json"):
            with open("token.json") as token_file:
                data = json.load(token_file)

                # The document parses with dateutil.parser.parse (not installed here); the
                # standard library parses the same RFC 1123 text.
                expiry = parsedate_to_datetime(data["expiry"]).replace(tzinfo=None)

                # If it's expired, make a new one.
                if expiry < (_utcnow() - dt.timedelta(minutes=10)):
                    return login()
                else:  # Else return the one in the file.  # noqa: RET505 -- as written
                    stored: dict[str, str] = data["headers"]
                    return stored

        else:
            return login()

    assert not (tmp_path / "token.json").exists()
    headers = get_headers()
    written = json.loads((tmp_path / "token.json").read_text())
    assert written["headers"] == headers
    assert RFC_1123.fullmatch(written["expiry"])
    assert get_headers() == headers  # read back from the file: no second login

    # "Usage would then be as follows"
    url = server.url + "/v1/customers"
    data = json.dumps({})
    headers = get_headers()

    r = requests.get(url=url, data=data, headers=headers)
    assert r.status_code == 200

    # An expired token in the file: the routine logs in again and rewrites the file.
    expired = format_datetime(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), usegmt=True)
    (tmp_path / "token.json").write_text(json.dumps({"headers": headers, "expiry": expired}))
    fresh = get_headers()
    assert fresh != headers
    assert json.loads((tmp_path / "token.json").read_text())["headers"] == fresh
    assert requests.get(url=url, data=data, headers=fresh).status_code == 200


# --- seed 000: _create_customer.md --------------------------------------------------------------


def test_create_customer_with_id_and_code(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
    test_entity_id: int,
) -> None:
    url = server.url + "/v1/customers/create_customer"
    data = json.dumps(
        {
            "name": "Test Customer",
            "external_customer_id": 1234,
            "external_customer_code": "tc_0123",
            "entity_id": test_entity_id,
        }
    )
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}

    r = requests.put(url=url, data=data, headers=headers)

    assert r.status_code == 201  # the endpoint table's response
    body = r.json()
    assert body == {
        "status": "success",
        "message": "Created Test Customer(1234) successfully",
        "data": {
            "name": "Test Customer",
            "customer_id": body["data"]["customer_id"],
            "external_customer_id": 1234,
            "external_customer_code": "tc_0123",
            "entity_id": test_entity_id,
            "customer_entity_linker_id": body["data"]["customer_entity_linker_id"],
        },
    }
    assert isinstance(body["data"]["customer_id"], int)
    assert isinstance(body["data"]["customer_entity_linker_id"], int)
    stored = requests.get(
        url=f"{server.url}/v1/customers/{body['data']['customer_id']}", headers=headers
    )
    assert stored.status_code == 200
    assert stored.json()["external_customer_code"] == "tc_0123"


def test_create_customer_with_only_external_customer_code(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
    test_entity_id: int,
) -> None:
    url = server.url + "/v1/customers/create_customer"
    data = json.dumps(
        {"name": "Test Customer", "external_customer_code": "tc_0123", "entity_id": test_entity_id}
    )
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}

    r = requests.put(url=url, data=data, headers=headers)

    assert r.status_code == 201
    body = r.json()
    assert body == {
        "status": "success",
        "message": "Created Test Customer(None) successfully",
        "data": {
            "name": "Test Customer",
            "customer_id": body["data"]["customer_id"],
            "external_customer_id": None,
            "external_customer_code": "tc_0123",
            "entity_id": test_entity_id,
            "customer_entity_linker_id": body["data"]["customer_entity_linker_id"],
        },
    }
    assert isinstance(body["data"]["customer_id"], int)


def test_create_customer_without_external_id_or_code(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
    test_entity_id: int,
) -> None:
    before = _total_customers(server, {"Authorization": "Token token=" + A_VALID_TOKEN})
    url = server.url + "/v1/customers/create_customer"
    data = json.dumps({"name": "Test Customer", "entity_id": test_entity_id})
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}

    r = requests.put(url=url, data=data, headers=headers)
    assert r.json() == {
        "validation_errors": {
            "missing_data": "Missing external_customer_id and external_customer_code."
        }
    }
    assert r.status_code == 400
    assert _total_customers(server, headers) == before


def test_customers_within_an_entity_cannot_be_duplicated(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
    test_entity_id: int,
) -> None:
    url = server.url + "/v1/customers/create_customer"
    data = json.dumps(
        {
            "name": "Test Customer",
            "external_customer_id": 1234,
            "external_customer_code": "tc_0123",
            "entity_id": test_entity_id,
        }
    )
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}
    assert requests.put(url=url, data=data, headers=headers).status_code == 201
    before = _total_customers(server, headers)

    r = requests.put(url=url, data=data, headers=headers)

    assert r.json() == {
        "validation_errors": {
            "external_customer_id": "The pairing of external_customer_id(1234) and "
            f"entity_id #{test_entity_id} is not unique."
        }
    }
    assert r.status_code == 400
    assert _total_customers(server, headers) == before


def test_external_customer_code_within_an_entity_cannot_be_duplicated(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
    test_entity_id: int,
) -> None:
    url = server.url + "/v1/customers/create_customer"
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}
    only_code = json.dumps(
        {"name": "Test Customer", "external_customer_code": "tc_0123", "entity_id": test_entity_id}
    )
    assert requests.put(url=url, data=only_code, headers=headers).status_code == 201
    before = _total_customers(server, headers)
    expected = {
        "validation_errors": {
            "external_customer_code": "The pairing of external_customer_code(tc_0123) and "
            f"entity_id #{test_entity_id} is not unique."
        }
    }

    r = requests.put(url=url, data=only_code, headers=headers)
    assert r.json() == expected
    assert r.status_code == 400

    # A new external_customer_id does not make a taken code unique.
    with_new_id = json.dumps(
        {
            "name": "Test Customer",
            "external_customer_id": 5678,
            "external_customer_code": "tc_0123",
            "entity_id": test_entity_id,
        }
    )
    r = requests.put(url=url, data=with_new_id, headers=headers)
    assert r.json() == expected
    assert r.status_code == 400
    assert _total_customers(server, headers) == before


def test_the_same_identifiers_in_another_entity_are_not_duplicates(
    server: Server, headers: dict[str, str], test_entity_id: int
) -> None:
    fields = {
        "name": "Test Customer",
        "external_customer_id": 1234,
        "external_customer_code": "tc_0123",
    }
    first = _create_customer(server, headers, **fields, entity_id=test_entity_id)
    other_entity = _new_entity(server, headers)
    second = _create_customer(server, headers, **fields, entity_id=other_entity)
    assert first["customer_id"] != second["customer_id"]
    assert second["entity_id"] == other_entity


# --- seed 001: _customers.md --------------------------------------------------------------------


def test_post_is_not_allowed_on_customers(server: Server, headers: dict[str, str]) -> None:
    url = server.url + "/v1/customers"
    data = json.dumps({"name": "test", "external_customer_id": 1, "external_customer_code": "test"})

    r = requests.post(url=url, data=data, headers=headers)

    assert r.status_code == 405


def test_retrieve_a_customer_by_id(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
    test_entity_id: int,
) -> None:
    created = _create_customer(
        server,
        {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN},
        name="test",
        external_customer_id=1,
        external_customer_code="test",
        entity_id=test_entity_id,
    )
    url = f"{server.url}/v1/customers/{created['customer_id']}"
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}

    r = requests.get(url=url, headers=headers)

    assert r.status_code == 200
    body = r.json()
    assert set(body) >= CUSTOMER_FIELDS, f"missing: {CUSTOMER_FIELDS - set(body)}"
    assert body["customer_id"] == created["customer_id"]
    assert body["name"] == "test"
    assert body["external_customer_id"] == 1
    assert body["external_customer_code"] == "test"
    _recent(body["created_at"])
    assert body["created_by"] == "test.user@bboxx.co.uk"
    assert body["modified_at"] is None
    assert body["modified_by"] is None


def test_retrieve_all_customers(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
    test_entity_id: int,
) -> None:
    auth = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}
    made = [
        _create_customer(
            server, auth, name="listed", external_customer_id=n, entity_id=test_entity_id
        )["customer_id"]
        for n in (1, 2, 3)
    ]
    url = server.url + "/v1/customers"
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}

    r = requests.get(url=url, headers=headers)

    assert r.status_code == 200
    body = r.json()
    assert set(body) == PAGE_KEYS
    assert body["page"] == 1
    assert body["num_results"] >= 3
    assert body["total_pages"] == math.ceil(body["num_results"] / 10)  # 10 a page by default
    assert len(body["objects"]) == min(10, body["num_results"])
    assert all(set(record) >= CUSTOMER_FIELDS for record in body["objects"])
    listed = [record["customer_id"] for record in _all_pages(server, "/v1/customers", headers)]
    assert len(listed) == body["num_results"]
    assert set(made) <= set(listed)


def test_edit_a_customer(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
    test_entity_id: int,
) -> None:
    auth = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}
    customer_id = _create_customer(
        server,
        auth,
        name="test",
        external_customer_id=1,
        external_customer_code="test",
        entity_id=test_entity_id,
    )["customer_id"]
    original = requests.get(url=f"{server.url}/v1/customers/{customer_id}", headers=auth).json()
    url = f"{server.url}/v1/customers/{customer_id}"
    data = json.dumps(
        {"name": "changed", "external_customer_id": 2, "external_customer_code": "changed"}
    )
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}

    r = requests.put(url=url, data=data, headers=headers)

    assert r.status_code == 200
    body = r.json()
    assert body["customer_id"] == customer_id
    assert body["name"] == "changed"
    assert body["external_customer_id"] == 2
    assert body["external_customer_code"] == "changed"
    assert body["created_at"] == original["created_at"]
    assert body["created_by"] == "test.user@bboxx.co.uk"
    # "Note that the `modified_at` field has been updated accordingly."
    assert original["modified_at"] is None
    assert _recent(body["modified_at"]) >= _recent(body["created_at"])
    assert body["modified_by"] == "test.user@bboxx.co.uk"
    assert requests.get(url=url, headers=headers).json() == body


def test_delete_a_customer(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
    test_entity_id: int,
) -> None:
    auth = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}
    customer_id = _create_customer(
        server, auth, name="test", external_customer_id=1, entity_id=test_entity_id
    )["customer_id"]
    url = f"{server.url}/v1/customers/{customer_id}"
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}

    r = requests.delete(url=url, headers=headers)

    assert r.status_code == 204
    assert r.text == ""
    with pytest.raises(requests.JSONDecodeError):
        r.json()
    assert requests.get(url=url, headers=headers).status_code == 404


# --- _entities.md -------------------------------------------------------------------------------


def test_create_an_entity(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
) -> None:
    url = server.url + "/v1/entities"
    data = json.dumps(
        {
            "name": "test",
            "bboxx_company_flag": True,
            "tariff": "test",
            "financier": True,
            "geic": "test",
        }
    )
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}

    r = requests.post(url=url, data=data, headers=headers)

    assert r.status_code == 201
    body = r.json()
    assert set(body) >= ENTITY_FIELDS, f"missing: {ENTITY_FIELDS - set(body)}"
    assert isinstance(body["entity_id"], int)
    assert body["name"] == "test"
    assert body["bboxx_company_flag"] is True
    assert body["tariff"] == "test"
    assert body["financier"] is True
    assert body["geic"] == "test"
    _recent(body["created_at"])
    assert body["created_by"] == "test.user@bboxx.co.uk"
    assert body["modified_at"] is None
    assert body["modified_by"] is None


def test_retrieve_an_entity_by_id(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
) -> None:
    auth = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}
    name = _unique("retrieved")
    entity_id = _new_entity(
        server, auth, name=name, bboxx_company_flag=True, tariff="t", financier=False, geic=name
    )
    url = f"{server.url}/v1/entities/{entity_id}"
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}

    r = requests.get(url=url, headers=headers)

    assert r.status_code == 200
    body = r.json()
    assert set(body) >= ENTITY_FIELDS
    assert body["entity_id"] == entity_id
    assert (body["name"], body["bboxx_company_flag"], body["tariff"]) == (name, True, "t")
    assert (body["financier"], body["geic"]) == (False, name)
    _recent(body["created_at"])
    assert body["created_by"] == "test.user@bboxx.co.uk"
    assert body["modified_at"] is None


def test_retrieve_all_entities(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
) -> None:
    auth = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}
    made = {_new_entity(server, auth) for _ in range(2)}
    url = server.url + "/v1/entities"
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}

    r = requests.get(url=url, headers=headers)

    assert r.status_code == 200
    body = r.json()
    assert set(body) == PAGE_KEYS
    assert body["page"] == 1
    assert body["num_results"] >= 3  # the default entity and the two made here
    assert body["total_pages"] == math.ceil(body["num_results"] / 10)
    assert len(body["objects"]) == min(10, body["num_results"])
    assert all(set(record) >= ENTITY_FIELDS for record in body["objects"])
    listed = {record["entity_id"] for record in _all_pages(server, "/v1/entities", headers)}
    assert len(listed) == body["num_results"]
    assert {1, *made} <= listed


def test_edit_an_entity(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
) -> None:
    auth = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}
    entity_id = _new_entity(
        server, auth, bboxx_company_flag=True, tariff="test", financier=True, geic=_unique("g")
    )
    url = f"{server.url}/v1/entities/{entity_id}"
    original = requests.get(url=url, headers=auth).json()
    data = json.dumps(
        {
            "name": "changed",
            "bboxx_company_flag": False,
            "tariff": "changed",
            "financier": False,
            "geic": "changed",
        }
    )
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}

    r = requests.put(url=url, data=data, headers=headers)

    assert r.status_code == 200
    body = r.json()
    assert body["entity_id"] == entity_id
    assert body["name"] == "changed"
    assert body["bboxx_company_flag"] is False
    assert body["tariff"] == "changed"
    assert body["financier"] is False
    assert body["geic"] == "changed"
    assert body["created_at"] == original["created_at"]
    assert body["created_by"] == "test.user@bboxx.co.uk"
    assert original["modified_at"] is None
    assert _recent(body["modified_at"]) >= _recent(body["created_at"])
    assert body["modified_by"] == "test.user@bboxx.co.uk"
    assert requests.get(url=url, headers=headers).json() == body


def test_delete_an_entity(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
) -> None:
    entity_id = _new_entity(
        server,
        {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN},
    )
    url = f"{server.url}/v1/entities/{entity_id}"
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}

    r = requests.delete(url=url, headers=headers)

    assert r.status_code == 204
    assert r.text == ""
    assert requests.get(url=url, headers=headers).status_code == 404


# --- _query_format.md, adapted from products to customers ---------------------------------------


def test_the_query_format_example(
    server: Server,
    A_VALID_TOKEN: str,  # noqa: N803
    test_entity_id: int,
) -> None:
    auth = {"Content-Type": "application/json", "Authorization": "Token token=" + A_VALID_TOKEN}
    name = _unique("queried")
    for n in range(12):  # created in order: created_at rises with external_customer_id
        _create_customer(
            server,
            auth,
            name=name,
            external_customer_id=n,
            external_customer_code=f"qf_{n}",
            entity_id=test_entity_id,
        )
    token = A_VALID_TOKEN

    filters = [
        {"name": "name", "op": "eq", "val": name},
        {"name": "external_customer_id", "op": "lt", "val": 11},
    ]

    limit = 100

    offset = 10

    order_by = [
        {"field": "created_at", "direction": "asc"},
        {"field": "external_customer_id", "direction": "desc"},
    ]

    url = server.url + "/v1/customers"
    params = {
        "q": json.dumps(
            {
                "filters": filters,
                "limit": limit,
                "offset": offset,
                "order_by": order_by,
                "single": True,
            }
        )
    }
    headers = {"Content-Type": "application/json", "Authorization": "Token token=" + token}

    # The document writes requests.get(url, params, headers): requests takes only two
    # positional arguments (a TypeError), so headers is passed by name.
    r = requests.get(url, params, headers=headers)

    # Eleven customers match (ids 0..10); the offset leaves the last, which `single` returns.
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) >= CUSTOMER_FIELDS
    assert (body["name"], body["external_customer_id"], body["external_customer_code"]) == (
        name,
        10,
        "qf_10",
    )

    # The same query as a list: a page holding that one customer.
    listed = requests.get(
        url,
        {
            "q": json.dumps(
                {"filters": filters, "limit": limit, "offset": offset, "order_by": order_by}
            )
        },
        headers=headers,
    )
    assert listed.status_code == 200
    assert listed.json()["num_results"] == 1
    assert [o["external_customer_id"] for o in listed.json()["objects"]] == [10]

    # "If this is true and either no results or multiple results meet the criteria of the
    # search, the server responds with an error message."
    for other_offset, status, message in (
        (9, 400, "Multiple results found"),
        (11, 404, "No result found"),
    ):
        q = {"filters": filters, "offset": other_offset, "order_by": order_by, "single": True}
        r = requests.get(url, {"q": json.dumps(q)}, headers=headers)
        assert (r.status_code, r.json()) == (status, {"message": message})

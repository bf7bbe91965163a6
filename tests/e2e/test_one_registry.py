"""One registry behind three APIs (PRODUCT.md), checked over the wire against a real server.

A customer created through any of the partner (`/v1`), sales (`/api/v1.0`) and billing
(`/api/v1`) APIs is visible, with the same identity, through the other two: partner
`external_customer_code` = sales `reference` = billing `customerAccount`, and one internal id
(`customer_id` = `id`). Pinned:

- sales create → partner `q` filter on `external_customer_code` and billing
  `customerAccounts/{R}` find it with the same id;
- billing create without `customerAccount` → the generated `CL0001`-style account is the
  sales `reference` and the partner `external_customer_code` (and a code taken through the
  sales API is skipped by the generator);
- partner `create_customer` → sales by reference (`useExternalId=true`) and billing by account;
- an update through each API is seen through the other two;
- contacts made through the sales API are billing's contacts of that customer, and back;
- a delete through any API is a 404 through all three;
- an `ENTITY` user of a second entity (the entity made through the partner API, the user with
  the `customer-registry users create` command on the server's database) gets, for the first
  entity's customer, exactly what a customer that does not exist gets, through every API.

Logins: billing `POST /api/login` gives the Bearer token the sales and billing APIs take; the
partner API takes `Token token=<t>` from `POST /v1/auth/login`.
"""

# The e2e conftest's _bounded_requests gives every requests call a timeout.
# ruff: noqa: S113

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from PIL import Image

from tests.conftest import TEST_URL_VARIABLE, database_env
from tests.e2e.conftest import EXE, Server

pytestmark = pytest.mark.server

Json = dict[str, Any]
PARTNER, SALES, BILLING = "/v1", "/api/v1.0", "/api/v1"
NEVER = 987654321  # an id no object has


@dataclass(frozen=True)
class Client:
    """One user, logged in through both logins."""

    url: str
    bearer: dict[str, str]  # sales and billing
    partner: dict[str, str]  # partner: Token token=<t>, JSON bodies

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        headers = self.partner if path.startswith(PARTNER + "/") else self.bearer
        return requests.get(self.url + path, headers=headers, **kwargs)


def _login(url: str, username: str, password: str) -> Client:
    billing = requests.post(url + "/api/login", data={"email": username, "password": password})
    assert billing.status_code == 200, billing.text
    partner = requests.post(
        url + PARTNER + "/auth/login", data={"username": username, "password": password}
    )
    assert partner.status_code == 200, partner.text
    token = partner.json()["message"]["login_successful"]["API_token"]
    return Client(
        url=url,
        bearer={"Authorization": "Bearer " + billing.json()["token"]},
        partner={"Content-Type": "application/json", "Authorization": "Token token=" + token},
    )


@pytest.fixture(scope="module")
def admin(server: Server) -> Client:
    """The first administrator: entity 1, SYSTEM, GLOBAL."""
    return _login(server.url, server.username, server.password)


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# --- creating through each API ------------------------------------------------------------------


def _sales_create(client: Client, **params: str) -> Json:
    r = requests.post(client.url + SALES + "/customers", data=params, headers=client.bearer)
    assert r.status_code == 201, r.text
    body: Json = r.json()
    return body


def _billing_create(client: Client, **params: str) -> int:
    """The documents' way: every parameter in the query string, an empty body."""
    r = requests.post(
        client.url + BILLING + "/customers", params=params, data="", headers=client.bearer
    )
    assert r.status_code == 201, r.text
    assert list(r.json()) == ["response"], r.text
    created: int = r.json()["response"]
    return created


def _partner_create(client: Client, **fields: Any) -> Json:
    r = requests.put(
        client.url + PARTNER + "/customers/create_customer",
        data=json.dumps(fields),
        headers=client.partner,
    )
    assert r.status_code == 201, r.text
    data: Json = r.json()["data"]
    return data


# --- reading through each API -------------------------------------------------------------------


def _sales(client: Client, customer_id: int) -> Json:
    r = client.get(f"{SALES}/customers/{customer_id}")
    assert r.status_code == 200, r.text
    body: Json = r.json()
    return body


def _billing(client: Client, customer_id: int) -> Json:
    r = client.get(f"{BILLING}/customers/{customer_id}")
    assert r.status_code == 200, r.text
    body: Json = r.json()["customer"]
    return body


def _partner(client: Client, customer_id: int) -> Json:
    r = client.get(f"{PARTNER}/customers/{customer_id}")
    assert r.status_code == 200, r.text
    body: Json = r.json()
    return body


def _partner_by_code(client: Client, code: str) -> list[Json]:
    """`_query_format.md`: filter on external_customer_code."""
    filters = [{"name": "external_customer_code", "op": "eq", "val": code}]
    r = client.get(f"{PARTNER}/customers", params={"q": json.dumps({"filters": filters})})
    assert r.status_code == 200, r.text
    objects: list[Json] = r.json()["objects"]
    assert r.json()["num_results"] == len(objects)
    return objects


def _billing_by_account(client: Client, account: str) -> Json:
    r = client.get(f"{BILLING}/customerAccounts/{account}")
    assert r.status_code == 200, r.text
    body: Json = r.json()["customer"]
    return body


def _sales_by_reference(client: Client, reference: str) -> Json:
    r = client.get(f"{SALES}/customers/{reference}", params={"useExternalId": "true"})
    assert r.status_code == 200, r.text
    body: Json = r.json()
    return body


def _assert_same_customer(client: Client, customer_id: int, code: str, name: str) -> None:
    """The one identity, as each API names it."""
    sales = _sales(client, customer_id)
    assert (sales["id"], sales["reference"], sales["name"]) == (customer_id, code, name)
    assert _sales_by_reference(client, code) == sales
    billing = _billing(client, customer_id)
    assert (billing["id"], billing["customerAccount"], billing["name"]) == (
        customer_id,
        code,
        name,
    )
    assert _billing_by_account(client, code) == billing
    partner = _partner(client, customer_id)
    assert (partner["customer_id"], partner["external_customer_code"], partner["name"]) == (
        customer_id,
        code,
        name,
    )
    assert partner in _partner_by_code(client, code)  # a GLOBAL caller may see other entities'


# --- created through one API, seen through the others -------------------------------------------


def test_created_through_the_sales_api(admin: Client) -> None:
    reference = _unique("SALES")
    created = _sales_create(admin, reference=reference, name="Marie's Jewelry")

    found = _partner_by_code(admin, reference)
    assert [c["customer_id"] for c in found] == [created["id"]]
    assert found[0]["name"] == "Marie's Jewelry"
    assert found[0]["external_customer_code"] == reference
    billing = _billing_by_account(admin, reference)
    assert billing["id"] == created["id"]
    assert billing["customerAccount"] == reference
    assert billing["name"] == "Marie's Jewelry"
    _assert_same_customer(admin, created["id"], reference, "Marie's Jewelry")


def test_created_through_the_billing_api(admin: Client) -> None:
    customer_id = _billing_create(admin, name="Société")

    account = _billing(admin, customer_id)["customerAccount"]
    assert isinstance(account, str)
    assert re.fullmatch(r"CL\d{4,}", account), account
    sales = _sales(admin, customer_id)
    assert sales["reference"] == account
    assert sales["name"] == "Société"
    partner = _partner(admin, customer_id)
    assert partner["external_customer_code"] == account
    assert partner["name"] == "Société"
    _assert_same_customer(admin, customer_id, account, "Société")


def test_generated_accounts_skip_a_code_taken_through_the_sales_api(admin: Client) -> None:
    first = _billing(admin, _billing_create(admin, name="first"))["customerAccount"]
    number = int(first.removeprefix("CL"))
    taken = f"CL{number + 1:04d}"
    _sales_create(admin, reference=taken, name="took the next account")

    second = _billing(admin, _billing_create(admin, name="second"))["customerAccount"]

    assert second == f"CL{number + 2:04d}"


def test_created_through_the_partner_api(admin: Client) -> None:
    code = _unique("tc")
    data = _partner_create(
        admin,
        name="Test Customer",
        external_customer_id=1234,
        external_customer_code=code,
        entity_id=1,
    )

    sales = _sales_by_reference(admin, code)
    assert (sales["id"], sales["reference"], sales["name"]) == (
        data["customer_id"],
        code,
        "Test Customer",
    )
    billing = _billing_by_account(admin, code)
    assert (billing["id"], billing["customerAccount"], billing["name"]) == (
        data["customer_id"],
        code,
        "Test Customer",
    )
    _assert_same_customer(admin, data["customer_id"], code, "Test Customer")


def test_one_code_created_through_all_three_apis_at_once(admin: Client) -> None:
    """The identifier is one, unique in the entity whichever API writes it: one create wins,
    each other one is refused in its own API's words."""
    code = _unique("RACE")
    sends: list[Callable[[], requests.Response]] = [
        lambda: requests.post(
            admin.url + SALES + "/customers",
            data={"reference": code, "name": "sales"},
            headers=admin.bearer,
        ),
        lambda: requests.post(
            admin.url + BILLING + "/customers",
            params={"name": "billing", "customerAccount": code},
            data="",
            headers=admin.bearer,
        ),
        lambda: requests.put(
            admin.url + PARTNER + "/customers/create_customer",
            data=json.dumps({"name": "partner", "external_customer_code": code, "entity_id": 1}),
            headers=admin.partner,
        ),
    ] * 3
    with ThreadPoolExecutor(max_workers=len(sends)) as pool:
        answers = list(pool.map(lambda send: send(), sends))

    created = [r for r in answers if r.status_code == 201]
    assert len(created) == 1, [(r.status_code, r.text) for r in answers]
    for r in answers:
        api = r.url.removeprefix(admin.url)
        if r.status_code == 201:
            continue
        if api.startswith(SALES):
            assert r.status_code == 400, r.text
            assert r.json() == {
                "error": "not_unique",
                "error_description": "reference already used",
            }
        elif api.startswith(BILLING):
            assert r.status_code == 422, r.text
            assert list(r.json()["errors"]) == ["customerAccount"], r.text
        else:
            assert r.status_code == 400, r.text
            assert list(r.json()["validation_errors"]) == ["external_customer_code"], r.text
    assert len(_partner_by_code(admin, code)) == 1


# --- updated through one API, seen through the others -------------------------------------------


def test_an_update_through_the_sales_api(server: Server, admin: Client) -> None:
    reference = _unique("UPD")
    customer_id = _sales_create(admin, reference=reference, name="before")["id"]

    r = requests.put(
        f"{admin.url}{SALES}/customers/{customer_id}",
        data={"name": "after", "email": "after@example.com", "billingCity": "Nice"},
        headers=admin.bearer,
    )

    assert r.status_code == 200, r.text
    billing = _billing(admin, customer_id)
    assert (billing["name"], billing["emailAddress"], billing["mainAddressCity"]) == (
        "after",
        "after@example.com",
        "Nice",
    )
    assert billing["customerAccount"] == reference
    partner = _partner(admin, customer_id)
    assert (partner["name"], partner["modified_by"]) == ("after", server.username)


def test_an_update_through_the_billing_api(admin: Client) -> None:
    reference = _unique("UPD")
    customer_id = _sales_create(admin, reference=reference, name="before")["id"]
    renamed = _unique("ACC")

    r = requests.put(
        f"{admin.url}{BILLING}/customers/{customer_id}",
        params={
            "name": "after",
            "emailAddress": "billing@example.com",
            "mainAddressCity": "Lyon",
            "customerAccount": renamed,
        },
        data="",
        headers=admin.bearer,
    )

    assert r.status_code == 200, r.text
    sales = _sales(admin, customer_id)
    assert (sales["name"], sales["email"], sales["billingCity"], sales["reference"]) == (
        "after",
        "billing@example.com",
        "Lyon",
        renamed,
    )
    assert _sales_by_reference(admin, renamed)["id"] == customer_id
    partner = _partner(admin, customer_id)
    assert (partner["name"], partner["external_customer_code"]) == ("after", renamed)
    assert _partner_by_code(admin, reference) == []
    assert admin.get(f"{BILLING}/customerAccounts/{reference}").status_code == 404


def test_an_update_through_the_partner_api(admin: Client) -> None:
    code = _unique("tc")
    customer_id = _partner_create(admin, name="before", external_customer_code=code, entity_id=1)[
        "customer_id"
    ]
    renamed = _unique("tc")

    r = requests.put(
        f"{admin.url}{PARTNER}/customers/{customer_id}",
        data=json.dumps({"name": "after", "external_customer_code": renamed}),
        headers=admin.partner,
    )

    assert r.status_code == 200, r.text
    _assert_same_customer(admin, customer_id, renamed, "after")


# --- contacts -----------------------------------------------------------------------------------


def test_a_contact_made_through_the_sales_api_is_a_billing_contact(admin: Client) -> None:
    customer_id = _sales_create(admin, reference=_unique("CT"), name="with contacts")["id"]

    r = requests.post(
        admin.url + SALES + "/contacts",
        data={
            "customerId": str(customer_id),
            "firstName": "Marie",
            "lastName": "Curie",
            "phone": "+33 1 00 00 00 01",
            "mobile": "+33 6 00 00 00 01",
            "email": "marie@example.com",
        },
        headers=admin.bearer,
    )

    assert r.status_code == 201, r.text
    contact_id = r.json()["id"]
    listed = admin.get(
        BILLING + "/contacts",
        params={"contactable_type": "App\\Customer", "contactable_id": customer_id},
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["total"] == 1
    (contact,) = listed.json()["data"]
    assert contact["id"] == contact_id
    assert (contact["contactable_type"], contact["contactable_id"]) == (
        "App\\Customer",
        customer_id,
    )
    assert (
        contact["firstName"],
        contact["lastName"],
        contact["phone"],
        contact["mobilePhone"],
        contact["emailAddress"],
    ) == ("Marie", "Curie", "+33 1 00 00 00 01", "+33 6 00 00 00 01", "marie@example.com")


def test_a_contact_made_through_the_billing_api_is_in_the_sales_record(admin: Client) -> None:
    customer_id = _billing_create(admin, name="with contacts")

    r = requests.post(
        admin.url + BILLING + "/contacts",
        params={
            "contactable_type": "App\\Customer",
            "contactable_id": str(customer_id),
            "firstName": "Pierre",
            "lastName": "Curie",
            "phone": "+33 1 00 00 00 02",
            "mobilePhone": "+33 6 00 00 00 02",
            "emailAddress": "pierre@example.com",
        },
        data="",
        headers=admin.bearer,
    )

    assert r.status_code == 201, r.text
    contact_id = r.json()["response"]
    (contact,) = _sales(admin, customer_id)["contacts"]
    assert contact["id"] == contact_id
    assert contact["customerId"] == customer_id
    assert (
        contact["firstName"],
        contact["lastName"],
        contact["phone"],
        contact["mobile"],
        contact["email"],
    ) == ("Pierre", "Curie", "+33 1 00 00 00 02", "+33 6 00 00 00 02", "pierre@example.com")
    linked = admin.get(contact["href"])
    assert linked.status_code == 200, linked.text
    assert linked.json() == contact


# --- deleted through one API, gone from all three -----------------------------------------------


def _delete_through_billing(client: Client, customer_id: int) -> None:
    r = requests.delete(f"{client.url}{BILLING}/customers/{customer_id}", headers=client.bearer)
    assert r.status_code == 200, r.text
    assert r.json() == {"response": True}


def _delete_through_sales(client: Client, customer_id: int) -> None:
    r = requests.delete(f"{client.url}{SALES}/customers/{customer_id}", headers=client.bearer)
    assert r.status_code == 204, r.text


def _delete_through_partner(client: Client, customer_id: int) -> None:
    r = requests.delete(f"{client.url}{PARTNER}/customers/{customer_id}", headers=client.partner)
    assert r.status_code == 204, r.text


@pytest.fixture(scope="module")
def payment_type(admin: Client) -> int:
    r = requests.post(
        admin.url + SALES + "/paymentTypes",
        data={"reference": "cash", "name": "cash"},
        headers=admin.bearer,
    )
    assert r.status_code == 201, r.text
    created: int = r.json()["id"]
    return created


def _full_record(admin: Client, reference: str, payment_type: int) -> Json:
    """A sales customer with everything that hangs on it: payment type, image, contact."""
    image = io.BytesIO()
    Image.new("RGB", (40, 30), (27, 233, 216)).save(image, format="PNG")
    r = requests.post(
        admin.url + SALES + "/customers",
        data={
            "reference": reference,
            "name": "to delete",
            "paymentTypes": f'[{{"id"={payment_type}}}]',
        },
        files={"imageFile": ("logo.png", image.getvalue(), "image/png")},
        headers=admin.bearer,
    )
    assert r.status_code == 201, r.text
    created: Json = r.json()
    contact = requests.post(
        admin.url + SALES + "/contacts",
        data={"customerId": str(created["id"]), "firstName": "Gone", "lastName": "Soon"},
        headers=admin.bearer,
    )
    assert contact.status_code == 201, contact.text
    assert requests.get(created["logo"]).status_code == 200
    return created


@pytest.mark.parametrize(
    "delete",
    [_delete_through_billing, _delete_through_sales, _delete_through_partner],
    ids=["billing", "sales", "partner"],
)
def test_deleted_through_one_api_is_gone_from_all_three(
    admin: Client, payment_type: int, delete: Callable[[Client, int], None]
) -> None:
    reference = _unique("DEL")
    created = _full_record(admin, reference, payment_type)
    customer_id = created["id"]
    _assert_same_customer(admin, customer_id, reference, "to delete")

    delete(admin, customer_id)

    sales = admin.get(f"{SALES}/customers/{customer_id}")
    assert (sales.status_code, sales.json()["error"]) == (404, "not_found")
    by_reference = admin.get(f"{SALES}/customers/{reference}", params={"useExternalId": "true"})
    assert (by_reference.status_code, by_reference.json()["error"]) == (404, "not_found")
    partner = admin.get(f"{PARTNER}/customers/{customer_id}")
    assert partner.status_code == 404, partner.text
    assert _partner_by_code(admin, reference) == []
    billing = admin.get(f"{BILLING}/customers/{customer_id}")
    assert billing.status_code == 404, billing.text
    assert list(billing.json()) == ["message"]
    assert admin.get(f"{BILLING}/customerAccounts/{reference}").status_code == 404
    contacts = admin.get(f"{SALES}/contacts", params={"customerId": str(customer_id)})
    assert (contacts.status_code, contacts.json()["total"]) == (200, 0), contacts.text
    # Its image goes with it, whichever API deleted it.
    assert requests.get(created["logo"]).status_code == 404


# --- another entity's user ----------------------------------------------------------------------


def _database_url(server: Server) -> str:
    """The server's database, as the e2e conftest chose it."""
    return os.environ.get(TEST_URL_VARIABLE) or f"sqlite:///{server.log.parent / 'registry.db'}"


@pytest.fixture(scope="module")
def second_entity(admin: Client) -> Json:
    r = requests.post(
        admin.url + PARTNER + "/entities",
        data=json.dumps({"name": _unique("second entity")}),
        headers=admin.partner,
    )
    assert r.status_code == 201, r.text
    entity: Json = r.json()
    return entity


@pytest.fixture(scope="module")
def outsider(server: Server, second_entity: Json) -> Client:
    """A SYSTEM user who sees only the second entity, made with the command line."""
    username, password = "outsider@example.com", "outsider-password"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOMER_REGISTRY_")}
    env |= database_env(_database_url(server))
    done = subprocess.run(
        [
            str(EXE),
            "users",
            "create",
            "--username",
            username,
            "--password",
            password,
            "--permissions",
            "SYSTEM",
            "--visibility",
            "ENTITY",
            "--entity",
            str(second_entity["entity_id"]),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return _login(server.url, username, password)


@pytest.fixture(scope="module")
def first_entitys(admin: Client) -> Json:
    """A customer of entity 1, with a contact."""
    reference = _unique("FIRST")
    customer = _sales_create(admin, reference=reference, name="entity one's customer")
    r = requests.post(
        admin.url + SALES + "/contacts",
        data={"customerId": str(customer["id"]), "firstName": "Only", "lastName": "Mine"},
        headers=admin.bearer,
    )
    assert r.status_code == 201, r.text
    return {"id": customer["id"], "reference": reference, "contact_id": r.json()["id"]}


Send = Callable[[Client, str, str], requests.Response]  # (client, customer id, reference)


def _answers_as_if_missing(
    outsider: Client, send: Send, customer_id: int, reference: str
) -> requests.Response:
    """The answer for the other entity's customer is the answer for one that does not exist,
    with its id and reference in place of the missing one's."""
    theirs = send(outsider, str(customer_id), reference)
    missing = send(outsider, str(NEVER), "NO-SUCH-REFERENCE")
    expected = missing.text.replace(str(NEVER), str(customer_id)).replace(
        "NO-SUCH-REFERENCE", reference
    )
    assert (theirs.status_code, theirs.text) == (missing.status_code, expected)
    return theirs


def _get(path: str, **params: str) -> Send:
    def send(client: Client, customer_id: str, reference: str) -> requests.Response:
        url = path.format(id=customer_id, reference=reference)
        return client.get(url, params={k: v.format(id=customer_id) for k, v in params.items()})

    return send


def _write(method: str, api: str, path: str, body: Json) -> Send:
    def send(client: Client, customer_id: str, reference: str) -> requests.Response:
        url = client.url + api + path.format(id=customer_id, reference=reference)
        if api == PARTNER:
            return requests.request(method, url, data=json.dumps(body), headers=client.partner)
        filled = {k: v.format(id=customer_id) for k, v in body.items()}
        return requests.request(method, url, data=filled, headers=client.bearer)

    return send


def _partner_create_in(entity_id: str) -> Send:
    def send(client: Client, customer_id: str, reference: str) -> requests.Response:
        body = {"name": "x", "external_customer_code": _unique("x"), "entity_id": entity_id}
        return requests.put(
            client.url + PARTNER + "/customers/create_customer",
            data=json.dumps(body),
            headers=client.partner,
        )

    return send


NOT_FOUND_404: dict[str, Send] = {
    "partner GET": _get(PARTNER + "/customers/{id}"),
    "partner PUT": _write("PUT", PARTNER, "/customers/{id}", {"name": "taken over"}),
    "partner DELETE": _write("DELETE", PARTNER, "/customers/{id}", {}),
    "sales GET": _get(SALES + "/customers/{id}"),
    "sales GET by reference": _get(SALES + "/customers/{reference}", useExternalId="true"),
    "sales PUT": _write("PUT", SALES, "/customers/{id}", {"name": "taken over"}),
    "sales DELETE": _write("DELETE", SALES, "/customers/{id}", {}),
    "sales contact to it": _write(
        "POST", SALES, "/contacts", {"customerId": "{id}", "firstName": "x"}
    ),
    "sales sub-customer of it": _write(
        "POST",
        SALES,
        "/customers",
        {"reference": "SUB-{id}", "name": "x", "isSubCustomer": "true", "parentCustomerId": "{id}"},
    ),
    "billing GET": _get(BILLING + "/customers/{id}"),
    "billing GET by account": _get(BILLING + "/customerAccounts/{reference}"),
    "billing PUT": _write("PUT", BILLING, "/customers/{id}", {"name": "taken over"}),
    "billing DELETE": _write("DELETE", BILLING, "/customers/{id}", {}),
    "billing contacts of it": _get(
        BILLING + "/contacts", contactable_type="App\\Customer", contactable_id="{id}"
    ),
    "billing contact to it": _write(
        "POST",
        BILLING,
        "/contacts",
        {"contactable_type": "App\\Customer", "contactable_id": "{id}", "firstName": "x"},
    ),
}


@pytest.mark.parametrize("request_name", list(NOT_FOUND_404))
def test_another_entitys_user_gets_404(
    admin: Client, outsider: Client, first_entitys: Json, request_name: str
) -> None:
    customer_id, reference = first_entitys["id"], first_entitys["reference"]

    r = _answers_as_if_missing(outsider, NOT_FOUND_404[request_name], customer_id, reference)

    assert r.status_code == 404, r.text
    # Nothing was touched: the admin sees the customer and its one contact as they were.
    _assert_same_customer(admin, customer_id, reference, "entity one's customer")
    assert [c["id"] for c in _sales(admin, customer_id)["contacts"]] == [
        first_entitys["contact_id"]
    ]


def test_another_entitys_user_gets_404_for_its_contact(
    outsider: Client, first_entitys: Json
) -> None:
    contact_id = first_entitys["contact_id"]
    for method in ("GET", "PUT", "DELETE"):
        theirs = requests.request(
            method,
            f"{outsider.url}{SALES}/contacts/{contact_id}",
            data={"firstName": "x"} if method == "PUT" else None,
            headers=outsider.bearer,
        )
        missing = requests.request(
            method,
            f"{outsider.url}{SALES}/contacts/{NEVER}",
            data={"firstName": "x"} if method == "PUT" else None,
            headers=outsider.bearer,
        )
        assert theirs.status_code == 404, (method, theirs.text)
        assert theirs.text == missing.text.replace(str(NEVER), str(contact_id)), method


def test_another_entitys_user_cannot_create_in_the_first_entity(
    admin: Client, outsider: Client
) -> None:
    before = admin.get(PARTNER + "/customers").json()["num_results"]
    theirs = _partner_create_in("1")(outsider, "", "")
    missing = _partner_create_in(str(NEVER))(outsider, "", "")
    assert theirs.status_code == missing.status_code, theirs.text
    assert theirs.text == missing.text.replace(str(NEVER), "1")
    # Refused alike (the same 4xx) whether the entity exists or not: nothing tells them apart.
    assert 400 <= theirs.status_code < 500, theirs.text
    assert admin.get(PARTNER + "/customers").json()["num_results"] == before


def test_another_entitys_lists_and_searches_leave_it_out(
    outsider: Client, first_entitys: Json
) -> None:
    customer_id, reference = first_entitys["id"], first_entitys["reference"]
    assert _partner_by_code(outsider, reference) == []
    filters = [{"name": "customer_id", "op": "eq", "val": customer_id}]
    r = outsider.get(PARTNER + "/customers", params={"q": json.dumps({"filters": filters})})
    assert (r.status_code, r.json()["num_results"]) == (200, 0), r.text
    r = outsider.get(SALES + "/customers", params={"reference": reference})
    assert (r.status_code, r.json()["total"]) == (200, 0), r.text
    r = outsider.get(BILLING + "/customers/search", params={"term": reference})
    assert (r.status_code, r.json()["total"]) == (200, 0), r.text
    r = outsider.get(BILLING + "/customers", params={"filter[customerAccount]": reference})
    assert (r.status_code, r.json()["total"]) == (200, 0), r.text


def test_the_same_reference_in_two_entities_is_two_customers(
    admin: Client, outsider: Client, second_entity: Json, first_entitys: Json
) -> None:
    reference = first_entitys["reference"]

    theirs = _sales_create(outsider, reference=reference, name="entity two's customer")

    assert theirs["id"] != first_entitys["id"]
    assert theirs["organization"] == second_entity["name"]
    assert _billing_by_account(outsider, reference)["id"] == theirs["id"]
    assert _billing_by_account(admin, reference)["id"] == first_entitys["id"]
    assert _sales_by_reference(outsider, reference)["id"] == theirs["id"]
    assert _sales_by_reference(admin, reference)["id"] == first_entitys["id"]
    assert [c["customer_id"] for c in _partner_by_code(outsider, reference)] == [theirs["id"]]
    # The GLOBAL administrator's partner view spans entities: both, each its own.
    both = {c["customer_id"] for c in _partner_by_code(admin, reference)}
    assert both == {first_entitys["id"], theirs["id"]}

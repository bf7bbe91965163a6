"""The console's customer pages, in process: the search, a customer's page with each API's
record, the forms with the core's messages, and the same rules as the APIs."""

from __future__ import annotations

import html
import re

import httpx
import orjson
import pytest

from customer_registry.apis.context import Context
from customer_registry.core import customers
from customer_registry.core.permissions import Level, Visibility
from tests.conftest import MakeEntity, MakeUser
from tests.console.conftest import SignIn, csrf

XSS = "<script>alert(1)</script>"


async def _create(client: httpx.AsyncClient, headers: dict[str, str], **fields: str) -> int:
    answer = await client.post("/api/v1/customers", headers=headers, data=fields)
    assert answer.status_code == 201, answer.text
    customer_id: int = answer.json()["response"]
    return customer_id


def _records(page: str) -> dict[str, object]:
    """Each API's record as the customer's page shows it."""
    found = re.findall(r'<pre class="record" data-api="(\w+)">(.*?)</pre>', page, re.S)
    return {api: orjson.loads(html.unescape(body)) for api, body in found}


def _field(page: str, name: str) -> str:
    match = re.search(rf'<dd data-field="{name}">(.*?)</dd>', page, re.S)
    assert match is not None, name
    return html.unescape(match.group(1))


async def test_the_search_finds_by_name_code_phone_and_email(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    await _create(client, admin, name="Alice Mbeki", customerAccount="ACC-1", phone="+250 788 100")
    await _create(client, admin, name="Bob Otieno", emailAddress="bob@example.com")
    await _create(client, admin, name="Carol 50%_off")
    for term, expected in [
        ("mbeki", ["Alice Mbeki"]),
        ("acc-1", ["Alice Mbeki"]),
        ("788 100", ["Alice Mbeki"]),
        ("BOB@EXAMPLE", ["Bob Otieno"]),
        ("50%_", ["Carol 50%_off"]),  # % and _ are what they are
        ("0%_", ["Carol 50%_off"]),
        ("zzz", []),
        ("", ["Alice Mbeki", "Bob Otieno", "Carol 50%_off"]),
        ("bo", ["Alice Mbeki", "Bob Otieno", "Carol 50%_off"]),  # too short: not searched
    ]:
        page = await client.get("/console/customers", params={"q": term})
        assert page.status_code == 200
        names = re.findall(r'<a href="/console/customers/\d+">(.*?)</a>', page.text)
        assert [html.unescape(n) for n in names] == expected, term
    fragment = await client.get("/console/customers", params={"q": "otieno", "fragment": "1"})
    assert "Bob Otieno" in fragment.text
    assert "<html" not in fragment.text


async def test_a_search_matching_more_than_it_sorts_says_so(
    client: httpx.AsyncClient,
    sign_in: SignIn,
    admin: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(customers, "SEARCH_MAX", 4)
    await sign_in()
    for number in range(6):
        await _create(client, admin, name=f"Kamau {number}")
    page = await client.get("/console/customers", params={"q": "kamau"})
    assert "More than 4 customers match: 4 of them are shown." in page.text
    assert len(re.findall(r'<a href="/console/customers/\d+">Kamau', page.text)) == 4
    short = await client.get("/console/customers", params={"q": "ka"})
    assert "Type at least 3 characters to search." in short.text


async def test_filters_and_pages(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str], make_entity: MakeEntity
) -> None:
    await sign_in()
    for number in range(30):
        await _create(
            client, admin, name=f"Customer {number:02}", active="0" if number % 3 else "1"
        )
    first = await client.get("/console/customers", params={"q": "customer"})
    assert "30 customers" in first.text
    assert "Page 1 of 2" in first.text
    second = await client.get("/console/customers", params={"q": "customer", "page": "2"})
    assert "Customer 29" in second.text
    assert "Customer 00" not in second.text
    active = await client.get("/console/customers", params={"active": "yes"})
    assert "10 customers" in active.text
    elsewhere = await make_entity("Elsewhere")
    none = await client.get("/console/customers", params={"entity": str(elsewhere)})
    assert "0 customers" in none.text
    assert "No customer matches." in none.text


async def test_a_customers_page_shows_each_apis_own_record(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    customer_id = await _create(client, admin, name="Dora", mainAddressCity="Kigali")
    page = await client.get(f"/console/customers/{customer_id}")
    assert page.status_code == 200
    records = _records(page.text)
    for api, path in [
        ("partner", f"/v1/customers/{customer_id}"),
        ("sales", f"/api/v1.0/customers/{customer_id}"),
        ("billing", f"/api/v1/customers/{customer_id}"),
    ]:
        assert records[api] == (await client.get(path, headers=admin)).json(), api
    assert _field(page.text, "city") == "Kigali"
    assert "customer.created" in page.text
    assert "through billing" in page.text


async def test_an_edit_shows_every_problem_in_the_cores_words_then_saves(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    customer_id = await _create(client, admin, name="Eve", customerAccount="E-1")
    await _create(client, admin, name="Taken", customerAccount="TAKEN")
    form = await client.get(f"/console/customers/{customer_id}/edit")
    assert 'value="Eve"' in form.text
    refused = await client.post(
        f"/console/customers/{customer_id}/edit",
        data={
            "csrf": await csrf(client),
            "name": "  ",
            "code": "TAKEN",
            "billing_lat": "north",
            "customer_risk_color": "red",
            "active": "on",
        },
    )
    assert refused.status_code == 422
    errors = dict(re.findall(r'<p class="error" id="e-(\w+)">(.*?)</p>', refused.text))
    assert errors == {
        "name": "Name must be a non-empty string.",
        "code": "The Code (reference, account) has already been taken.",
        "billing_lat": "Latitude must be a number.",
        "customer_risk_color": "Customer risk colour must be a colour such as #1BE9D8.".replace(
            "colour", "color", 1
        ),
    }
    assert 'value="north"' in refused.text  # what was typed is shown again
    after = await client.get(f"/api/v1/customers/{customer_id}", headers=admin)
    assert after.json()["customer"]["name"] == "Eve"  # nothing written

    saved = await client.post(
        f"/console/customers/{customer_id}/edit",
        data={"csrf": await csrf(client), "name": "Eve Kamau", "code": "E-1", "active": "on"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/console/customers/{customer_id}"
    billing = (await client.get(f"/api/v1/customers/{customer_id}", headers=admin)).json()
    assert billing["customer"]["name"] == "Eve Kamau"
    page = await client.get(f"/console/customers/{customer_id}")
    assert "customer.updated" in page.text
    assert "through console" in page.text


async def test_create_and_delete(client: httpx.AsyncClient, sign_in: SignIn) -> None:
    await sign_in()
    token = await csrf(client)
    refused = await client.post("/console/customers/new", data={"csrf": token, "name": ""})
    assert refused.status_code == 422
    assert "Name must be a non-empty string." in refused.text
    created = await client.post(
        "/console/customers/new",
        data={"csrf": token, "name": "Fatou", "phone": "555", "active": "on"},
    )
    assert created.status_code == 303
    customer_id = int(created.headers["location"].rsplit("/", 1)[1])
    page = await client.get(f"/console/customers/{customer_id}")
    assert _field(page.text, "phone") == "555"
    assert _field(page.text, "code").startswith("CL")  # an account, as the billing API's
    confirm = await client.get(f"/console/customers/{customer_id}/delete")
    assert "Delete Fatou?" in confirm.text
    deleted = await client.post(
        f"/console/customers/{customer_id}/delete", data={"csrf": await csrf(client)}
    )
    assert deleted.status_code == 303
    assert (await client.get(f"/console/customers/{customer_id}")).status_code == 404


async def test_a_name_is_shown_as_text(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    customer_id = await _create(client, admin, name=XSS)
    for path in ["/console/customers", f"/console/customers/{customer_id}"]:
        page = await client.get(path)
        assert XSS not in page.text
        assert html.escape(XSS) in page.text


async def test_an_overview_user_sees_no_edit_and_may_not_post_one(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    customer_id = await _create(client, admin, name="Gita")
    await sign_in(Level.OVERVIEW)
    page = await client.get(f"/console/customers/{customer_id}")
    assert page.status_code == 200
    assert "/edit" not in page.text
    assert "/delete" not in page.text
    assert "New customer" not in (await client.get("/console/customers")).text
    for path in [f"/console/customers/{customer_id}/edit", "/console/customers/new"]:
        assert (await client.get(path)).status_code == 403
        posted = await client.post(path, data={"csrf": await csrf(client), "name": "Changed"})
        assert posted.status_code == 403
    deleted = await client.post(
        f"/console/customers/{customer_id}/delete", data={"csrf": await csrf(client)}
    )
    assert deleted.status_code == 403
    after = await client.get(f"/api/v1/customers/{customer_id}", headers=admin)
    assert after.json()["customer"]["name"] == "Gita"


async def test_an_entity_user_cannot_reach_another_entitys_customer(
    client: httpx.AsyncClient,
    sign_in: SignIn,
    make_user: MakeUser,
    make_entity: MakeEntity,
) -> None:
    other = await make_entity("Other")
    theirs = await make_user(Level.SYSTEM, Visibility.ENTITY, other, username="theirs@example.com")
    hidden = await _create(client, theirs, name="Hidden Person", phone="999")
    await sign_in(Level.SYSTEM, Visibility.ENTITY, 1)
    for path in [
        f"/console/customers/{hidden}",
        f"/console/customers/{hidden}/edit",
        f"/console/customers/{hidden}/delete",
    ]:
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert "Hidden Person" not in answer.text
    posted = await client.post(
        f"/console/customers/{hidden}/edit", data={"csrf": await csrf(client), "name": "Mine"}
    )
    assert posted.status_code == 404
    for term in ["hidden", "999"]:
        found = await client.get("/console/customers", params={"q": term})
        assert "0 customers" in found.text
    listing = await client.get("/console/customers", params={"entity": str(other)})
    assert "0 customers" in listing.text
    assert "Other" not in listing.text
    created = await client.post(
        "/console/customers/new",
        data={"csrf": await csrf(client), "name": "Planted", "entity_id": str(other)},
    )
    assert created.status_code == 403
    assert (await client.get(f"/api/v1/customers/{hidden}", headers=theirs)).json()["customer"][
        "name"
    ] == "Hidden Person"


async def test_a_form_without_the_sessions_csrf_token_is_refused(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str], ctx: Context
) -> None:
    customer_id = await _create(client, admin, name="Hana")
    await sign_in()
    for token in [None, "", "0" * 64]:
        data = {"name": "Forged"} if token is None else {"name": "Forged", "csrf": token}
        answer = await client.post(f"/console/customers/{customer_id}/edit", data=data)
        assert answer.status_code == 403
        assert "did not come from this console" in answer.text
    after = await client.get(f"/api/v1/customers/{customer_id}", headers=admin)
    assert after.json()["customer"]["name"] == "Hana"


async def test_bad_parameters_get_a_page_never_a_server_error(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    await _create(client, admin, name="Ines")
    huge = str(10**30)
    for params in [
        {"page": huge},
        {"page": "-5"},
        {"page": "x"},
        {"entity": huge},
        {"entity": "-1"},
        {"category": huge},
        {"category": "abc"},
        {"active": "perhaps"},
        {"q": "a\x00b"},
        {"q": "\\"},
        {"q": "x" * 5000},
    ]:
        answer = await client.get("/console/customers", params=params)
        assert answer.status_code in (200, 400), params
    for path in [f"/console/customers/{huge}", "/console/customers/-1", "/console/users/abc"]:
        assert (await client.get(path)).status_code == 404, path
    assert (await client.get("/console/imports/99999999999")).status_code == 404
    assert (await client.get("/console/catalogues/nothing")).status_code == 404


async def test_a_customers_contacts_links_and_products(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    customer_id = await _create(client, admin, name="Jabari", customerAccount="JB-1")
    contact = {"customerId": customer_id, "firstName": "Neema", "mobile": "0722"}
    assert (await client.post("/api/v1.0/contacts", json=contact, headers=admin)).status_code == 201
    imei = "356938035643809"
    made = await client.post(
        "/v1/products", json={"product_imei": imei, "entity_id": 1}, headers=admin
    )
    assert made.status_code == 201
    moved = await client.put(
        f"/v1/products/{imei}/change_customer",
        json={"entity_id": 1, "external_customer_code": "JB-1", "reason": "new unit"},
        headers=admin,
    )
    assert moved.status_code == 200, moved.text
    page = (await client.get(f"/console/customers/{customer_id}")).text
    related = page[page.index('id="related"') : page.index('id="history"')]
    assert "Neema" in related
    assert "0722" in related
    assert imei in related
    assert "No link." not in related  # its first link, to entity 1

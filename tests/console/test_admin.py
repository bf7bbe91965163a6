"""Administration in the console: users, their keys, entities, catalogues and brands, with
the same rules as everywhere (no one grants more than they hold)."""

from __future__ import annotations

import html
import re

import httpx

from customer_registry.core.permissions import Level, Visibility
from tests.conftest import MakeEntity, MakeUser
from tests.console.conftest import SignIn, csrf, sign_in_with


def _new_key(page: str) -> str:
    match = re.search(r"<p class=\"secret\" data-new-key>(\w+)</p>", page)
    assert match is not None
    return match.group(1)


async def _user_id(client: httpx.AsyncClient, username: str) -> int:
    page = (await client.get("/console/users")).text
    match = re.search(rf'<a href="/console/users/(\d+)">{re.escape(username)}</a>', page)
    assert match is not None, username
    return int(match.group(1))


async def test_create_a_user_who_signs_in_and_a_key_that_works_once_shown(
    client: httpx.AsyncClient, sign_in: SignIn
) -> None:
    await sign_in()
    short = await client.post(
        "/console/users",
        data={
            "csrf": await csrf(client),
            "username": "new@example.com",
            "password": "short",
            "level": "ADMIN",
            "visibility": "ENTITY",
            "entity_id": "1",
        },
    )
    assert short.status_code == 422
    assert "Password must be at least 8 characters." in short.text
    created = await client.post(
        "/console/users",
        data={
            "csrf": await csrf(client),
            "username": "new@example.com",
            "password": "a long password",
            "level": "ADMIN",
            "visibility": "ENTITY",
            "entity_id": "1",
        },
    )
    assert created.status_code == 303
    user_path = created.headers["location"]
    keyed = await client.post(f"{user_path}/keys", data={"csrf": await csrf(client, user_path)})
    assert keyed.status_code == 200
    key = _new_key(keyed.text)
    assert "/console" not in key
    assert key not in keyed.url.query.decode()
    assert (await client.get(user_path)).text.count(key) == 0  # shown once
    api = {"Authorization": f"Token token={key}"}
    assert (await client.get("/api/v1/customers", headers=api)).status_code == 200
    token_id = re.findall(r"/keys/(\d+)/revoke", (await client.get(user_path)).text)[0]
    revoked = await client.post(
        f"{user_path}/keys/{token_id}/revoke", data={"csrf": await csrf(client, user_path)}
    )
    assert revoked.status_code == 303
    client.cookies.clear()
    signed = await sign_in_with(client, "new@example.com", "a long password")
    assert signed.status_code == 303
    assert (await client.get("/api/v1/customers", headers=api)).status_code == 401


async def test_disable_and_reset_password(
    client: httpx.AsyncClient, sign_in: SignIn, make_user: MakeUser
) -> None:
    other = await make_user(Level.OVERVIEW, username="other@example.com")
    await sign_in()
    user_id = await _user_id(client, "other@example.com")
    path = f"/console/users/{user_id}"
    reset = await client.post(path, data={"csrf": await csrf(client, path), "password": "x"})
    assert reset.status_code == 422
    assert "Password must be at least 8 characters." in reset.text
    reset = await client.post(
        path, data={"csrf": await csrf(client, path), "password": "another password"}
    )
    assert reset.status_code == 303
    assert (await client.get("/v1/customers", headers=other)).status_code == 401  # session ended
    disabled = await client.post(path, data={"csrf": await csrf(client, path), "disabled": "yes"})
    assert disabled.status_code == 303
    assert "disabled" in (await client.get(path)).text
    client.cookies.clear()
    refused = await sign_in_with(client, "other@example.com", "another password")
    assert refused.status_code == 401


async def test_no_one_grants_more_than_they_hold(
    client: httpx.AsyncClient,
    sign_in: SignIn,
    make_user: MakeUser,
    make_entity: MakeEntity,
) -> None:
    await make_user(Level.SYSTEM, Visibility.GLOBAL, 1, username="global@example.com")
    other = await make_entity("Other")
    await make_user(Level.OVERVIEW, Visibility.ENTITY, other, username="far@example.com")
    await sign_in(Level.SYSTEM, Visibility.ENTITY, 1)
    listing = (await client.get("/console/users")).text
    assert "far@example.com" not in listing
    assert '<option value="GLOBAL"' not in listing
    escalate = await client.post(
        "/console/users",
        data={
            "csrf": await csrf(client),
            "username": "mine@example.com",
            "password": "a long password",
            "level": "SYSTEM",
            "visibility": "GLOBAL",
            "entity_id": "1",
        },
    )
    assert escalate.status_code == 403
    global_id = await _user_id(client, "global@example.com")
    path = f"/console/users/{global_id}"
    assert (await client.get(path)).status_code == 403  # may not act as a GLOBAL user
    key = await client.post(f"{path}/keys", data={"csrf": await csrf(client)})
    assert key.status_code == 403
    assert "data-new-key" not in key.text


async def test_entities_catalogues_and_brands(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    created = await client.post(
        "/console/entities", data={"csrf": await csrf(client), "name": "Rwanda"}
    )
    assert created.status_code == 303
    assert "Rwanda" in (await client.get("/console/entities")).text

    path = "/console/catalogues/payment-types"
    added = await client.post(
        path, data={"csrf": await csrf(client, path), "reference": "CASH", "name": "Cash"}
    )
    assert added.status_code == 303
    sales = await client.get("/api/v1.0/paymentTypes", headers=admin)
    assert [t["reference"] for t in sales.json()["data"]] == ["CASH"]
    again = await client.post(
        path, data={"csrf": await csrf(client, path), "reference": "CASH", "name": "Cash"}
    )
    assert again.status_code == 422
    currencies = "/console/catalogues/currencies"
    bad_rate = await client.post(
        currencies,
        data={"csrf": await csrf(client, currencies), "reference": "RWF", "exchange_rate": "x"},
    )
    assert bad_rate.status_code == 422
    assert "Exchange rate must be a number." in bad_rate.text
    item = re.findall(r"/catalogues/payment-types/(\d+)/delete", (await client.get(path)).text)[0]
    deleted = await client.post(f"{path}/{item}/delete", data={"csrf": await csrf(client, path)})
    assert deleted.status_code == 303
    root = re.findall(
        r"/catalogues/categories/(\d+)/delete",
        (await client.get("/console/catalogues/categories")).text,
    )[0]
    kept = await client.post(
        f"/console/catalogues/categories/{root}/delete", data={"csrf": await csrf(client)}
    )
    assert kept.status_code == 409
    assert "The root category cannot be deleted." in html.unescape(kept.text)

    brand = await client.post("/console/brands", data={"csrf": await csrf(client), "name": "Zola"})
    assert brand.status_code == 303
    billing = await client.get("/api/v1/brands", headers=admin)
    assert "Zola" in billing.text


async def test_administration_needs_its_level(client: httpx.AsyncClient, sign_in: SignIn) -> None:
    await sign_in(Level.ADMIN)
    assert (await client.get("/console/users")).status_code == 403
    assert (await client.get("/console/entities")).status_code == 200
    client.cookies.clear()
    await sign_in(Level.OVERVIEW)
    for path in ["/console/users", "/console/entities", "/console/brands"]:
        assert (await client.get(path)).status_code == 403
    assert (await client.get("/console/catalogues/categories")).status_code == 403


async def test_deleting_and_new_entities_need_system_as_in_the_apis(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    path = "/console/catalogues/payment-types"
    added = await client.post(
        path, data={"csrf": await csrf(client, path), "reference": "CASH", "name": "Cash"}
    )
    assert added.status_code == 303
    item = re.findall(r"/catalogues/payment-types/(\d+)/delete", (await client.get(path)).text)[0]
    brand = await client.post("/console/brands", data={"csrf": await csrf(client), "name": "Zola"})
    assert brand.status_code == 303
    brand_id = re.findall(r"/brands/(\d+)/delete", (await client.get("/console/brands")).text)[0]

    client.cookies.clear()
    await sign_in(Level.ADMIN)  # edits, as the sales and billing APIs let it; no deletes
    token = await csrf(client)
    listed = (await client.get(path)).text
    assert "/delete" not in listed
    assert "Edit CASH" in listed
    assert "/delete" not in (await client.get("/console/brands")).text
    assert 'action="/console/entities"' not in (await client.get("/console/entities")).text
    for refused in [f"{path}/{item}/delete", f"/console/brands/{brand_id}/delete"]:
        assert (await client.post(refused, data={"csrf": token})).status_code == 403
    entity = await client.post("/console/entities", data={"csrf": token, "name": "Kenya"})
    assert entity.status_code == 403
    sales = await client.get("/api/v1.0/paymentTypes", headers=admin)
    assert [t["reference"] for t in sales.json()["data"]] == ["CASH"]
    assert "Zola" in (await client.get("/api/v1/brands", headers=admin)).text
    assert "Kenya" not in (await client.get("/v1/entities", headers=admin)).text


async def test_bad_user_forms_get_a_page_never_a_server_error(
    client: httpx.AsyncClient, sign_in: SignIn
) -> None:
    await sign_in()
    base = {"username": "u@example.com", "password": "long enough", "level": "OVERVIEW"}
    base |= {"visibility": "ENTITY", "entity_id": "1"}
    for changed in [
        {"username": "x" * 300},
        {"username": " "},
        {"display_name": "y" * 300},
        {"entity_id": str(10**30)},
        {"entity_id": "-3"},
        {"entity_id": "abc"},
        {"level": "ROOT"},
        {"visibility": "EVERYTHING"},
        {"username": "nul\x00name"},
    ]:
        answer = await client.post(
            "/console/users", data={"csrf": await csrf(client), **base, **changed}
        )
        assert answer.status_code in (400, 403, 404, 422), changed
    path = "/console/users/1"
    for changed in [{"level": "ROOT", "visibility": "GLOBAL"}, {"disabled": "maybe"}]:
        answer = await client.post(path, data={"csrf": await csrf(client, path), **changed})
        assert answer.status_code in (303, 400, 422), changed
    keys = f"{path}/keys"
    for days in ["0", "-1", "x", str(10**30), "3651"]:
        answer = await client.post(keys, data={"csrf": await csrf(client, path), "days": days})
        assert answer.status_code == 422, days

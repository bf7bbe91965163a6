"""Editing the sales catalogues, the billing brands and the entities in the console: the APIs'
own updates, seen through the API that owns the object, with their refusals beside the
fields."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
import pytest

from customer_registry.core.permissions import Level, Visibility
from tests.conftest import PASSWORD, MakeEntity
from tests.console.conftest import SignIn, csrf, sign_in_with

CATEGORIES = "/console/catalogues/categories"
XSS = "<script>alert(1)</script>"


async def _add(client: httpx.AsyncClient, path: str, **fields: str) -> int:
    """A new object of the catalogue at `path`, made through the console: its id."""
    added = await client.post(path, data={"csrf": await csrf(client, path), **fields})
    assert added.status_code == 303, added.text
    listed = (await client.get(path)).text
    ids = [int(key) for key in re.findall(rf"{re.escape(path)}/(\d+)/edit", listed)]
    return max(ids)


async def _edit(client: httpx.AsyncClient, path: str, **fields: str) -> httpx.Response:
    """The edit form sent as a browser sends it: its shown values, with `fields` changed."""
    form = (await client.get(path)).text
    shown = dict(re.findall(r'<input id="f-\w+" name="(\w+)" value="([^"]*)"', form))
    ticked = re.findall(r'name="(\w+)" type="checkbox" checked', form)
    data = {name: html.unescape(value) for name, value in shown.items()}
    data |= dict.fromkeys(ticked, "on")
    return await client.post(path, data={"csrf": await csrf(client, path), **data, **fields})


async def _brand(client: httpx.AsyncClient, name: str) -> int:
    """A new brand of the signed-in user's entity, made through the console: its id."""
    made = await client.post("/console/brands", data={"csrf": await csrf(client), "name": name})
    assert made.status_code == 303, made.text
    listed = (await client.get("/console/brands")).text
    return max(int(key) for key in re.findall(r"/console/brands/(\d+)/edit", listed))


async def _sales(client: httpx.AsyncClient, headers: dict[str, str], path: str) -> Any:
    answer = await client.get(f"/api/v1.0/{path}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_a_category_renamed_and_moved_in_the_tree(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    shops = await _add(client, CATEGORIES, reference="SHOP", name="Shops")
    kiosks = await _add(client, CATEGORIES, reference="KIOSK", name="Kiosks")
    path = f"{CATEGORIES}/{kiosks}/edit"
    form = (await client.get(path)).text
    assert 'name="reference" value="KIOSK"' in form  # prefilled
    saved = await _edit(client, path, name="Street kiosks", parent_id=str(shops))
    assert saved.status_code == 303
    record = await _sales(client, admin, f"customerCategories/{kiosks}")
    assert (record["name"], record["parentId"]) == ("Street kiosks", shops)

    under_itself = await _edit(
        client, f"{CATEGORIES}/{shops}/edit", parent_id=str(kiosks), name="Renamed"
    )
    assert under_itself.status_code == 422
    problem = "A customer category cannot be placed under itself."
    assert f'<p class="error" id="e-parent_id">{problem}</p>' in under_itself.text
    assert 'value="Renamed"' in under_itself.text  # what was typed, to correct
    record = await _sales(client, admin, f"customerCategories/{shops}")
    assert record["name"] == "Shops"  # nothing changed


async def test_a_refused_edit_is_shown_beside_its_field_and_changes_nothing(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    regions = "/console/catalogues/regions"
    region = await _add(client, regions, reference="KGL", name="Kigali")
    path = f"{regions}/{region}/edit"
    for level, message in [
        ("high", "Level must be a number."),
        ("0", "Level must be between 1 and 10."),  # the core's rule, in its words
    ]:
        refused = await _edit(client, path, level=level, name="Kigali City")
        assert refused.status_code == 422
        assert f'<p class="error" id="e-level">{message}</p>' in refused.text
        assert 'aria-describedby="e-level"' in refused.text
    blank = await _edit(client, path, name="")
    assert blank.status_code == 422
    assert '<p class="error" id="e-name">Name may not be null.</p>' in blank.text
    record = await _sales(client, admin, f"regions/{region}")
    assert (record["name"], record["level"]) == ("Kigali", 1)


async def test_a_reference_another_object_has_is_refused(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    types = "/console/catalogues/payment-types"
    await _add(client, types, reference="CASH", name="Cash")
    card = await _add(client, types, reference="CARD", name="Card")
    taken = await _edit(client, f"{types}/{card}/edit", reference="CASH")
    assert taken.status_code == 422
    assert '<p class="error" id="e-reference">This reference is already taken.</p>' in taken.text
    assert (await _sales(client, admin, f"paymentTypes/{card}"))["reference"] == "CARD"


async def test_a_currency_made_the_default_with_a_new_rate(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    currencies = "/console/catalogues/currencies"
    await _add(client, currencies, reference="RWF", exchange_rate="1")
    usd = await _add(client, currencies, reference="USD", exchange_rate="1300")
    saved = await _edit(client, f"{currencies}/{usd}/edit", exchange_rate="1350", is_default="on")
    assert saved.status_code == 303
    listed = (await _sales(client, admin, "currencies"))["data"]
    assert {c["code"]: (c["exchangeRate"], c["isDefault"]) for c in listed} == {
        "RWF": (1, False),
        "USD": (1350, True),
    }
    unknown = await _edit(client, f"{currencies}/{usd}/edit", reference="XYZ")
    assert unknown.status_code == 422
    assert "XYZ" in unknown.text
    assert (await _sales(client, admin, f"currencies/{usd}"))["code"] == "USD"


async def test_a_brand_renamed(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    brand = await _brand(client, "Zola")
    listed = (await client.get("/console/brands")).text
    assert "/console/brands/1/edit" not in listed  # the shared brand is no one's to change
    path = f"/console/brands/{brand}/edit"
    assert 'value="Zola"' in (await client.get(path)).text
    saved = await _edit(client, path, name="Zola Electric")
    assert saved.status_code == 303
    billing = await client.get(f"/api/v1/brands/{brand}", headers=admin)
    assert billing.json()["brand"]["name"] == "Zola Electric"

    blank = await _edit(client, path, name=" ")
    assert blank.status_code == 422
    assert '<p class="error" id="e-name">Name may not be null.</p>' in blank.text
    shared = await _edit(client, "/console/brands/1/edit", name="Mine now")
    assert shared.status_code == 409
    assert "shared by every entity" in shared.text
    billing = await client.get(f"/api/v1/brands/{brand}", headers=admin)
    assert billing.json()["brand"]["name"] == "Zola Electric"


async def test_a_name_is_shown_as_text(client: httpx.AsyncClient, sign_in: SignIn) -> None:
    await sign_in()
    segmentations = "/console/catalogues/segmentations"
    segment = await _add(client, segmentations, reference="S1", name="Segment")
    path = f"{segmentations}/{segment}/edit"
    assert (await _edit(client, path, name=XSS)).status_code == 303
    for shown in [(await client.get(path)).text, (await client.get(segmentations)).text]:
        assert XSS not in shown
        assert html.escape(XSS) in shown
    brand = await _brand(client, "B")
    path = f"/console/brands/{brand}/edit"
    assert (await _edit(client, path, name=XSS)).status_code == 303
    for shown in [(await client.get(path)).text, (await client.get("/console/brands")).text]:
        assert XSS not in shown
        assert html.escape(XSS) in shown


async def test_edits_need_the_admin_level_and_the_forms_token(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str]
) -> None:
    await sign_in()
    types = "/console/catalogues/payment-types"
    cash = await _add(client, types, reference="CASH", name="Cash")
    brand = await _brand(client, "Zola")
    edits = [f"{types}/{cash}/edit", f"/console/brands/{brand}/edit"]

    for path in edits:  # no token: refused, whoever sends it
        refused = await client.post(path, data={"name": "Forged"})
        assert refused.status_code == 403
        assert "Form refused" in refused.text

    client.cookies.clear()
    await sign_in(Level.OVERVIEW)
    home = (await client.get("/console/customers")).text
    assert "/catalogues/" not in home
    assert "/brands" not in home
    token = await csrf(client)
    for path in edits:
        assert (await client.get(path)).status_code == 403
        posted = await client.post(path, data={"csrf": token, "name": "Overviewed"})
        assert posted.status_code == 403

    assert (await _sales(client, admin, f"paymentTypes/{cash}"))["name"] == "Cash"
    billing = await client.get(f"/api/v1/brands/{brand}", headers=admin)
    assert billing.json()["brand"]["name"] == "Zola"


@pytest.mark.parametrize(
    "path",
    [
        f"{CATEGORIES}/999999/edit",
        f"{CATEGORIES}/abc/edit",
        f"{CATEGORIES}/{10**30}/edit",
        "/console/catalogues/nothing/1/edit",
        "/console/brands/999999/edit",
        "/console/brands/-1/edit",
        "/console/entities/999999/edit",
    ],
)
async def test_an_unknown_object_is_not_found(
    client: httpx.AsyncClient, sign_in: SignIn, path: str
) -> None:
    await sign_in()
    assert (await client.get(path)).status_code == 404
    posted = await client.post(path, data={"csrf": await csrf(client), "name": "X"})
    assert posted.status_code == 404


async def _partner_entity(
    client: httpx.AsyncClient, headers: dict[str, str], entity_id: int
) -> dict[str, Any]:
    answer = await client.get(f"/v1/entities/{entity_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    record: dict[str, Any] = answer.json()
    return record


async def test_an_entity_edited_as_the_partner_api_edits_it(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str], make_entity: MakeEntity
) -> None:
    kenya = await make_entity("Kenya")
    await make_entity("Uganda")
    await sign_in()
    assert f"/console/entities/{kenya}/edit" in (await client.get("/console/entities")).text
    path = f"/console/entities/{kenya}/edit"
    assert 'name="name" value="Kenya"' in (await client.get(path)).text
    saved = await _edit(
        client,
        path,
        name="Kenya Ltd",
        tariff="T1",
        financier="yes",
        bboxx_company_flag="on",
    )
    assert saved.status_code == 303
    record = await _partner_entity(client, admin, kenya)
    assert (record["name"], record["tariff"], record["financier"]) == ("Kenya Ltd", "T1", True)
    assert record["bboxx_company_flag"] is True

    for fields, name, message in [
        ({"name": "Uganda"}, "name", "This name is already taken."),
        ({"name": ""}, "name", "Name may not be null."),
        ({"financier": "perhaps"}, "financier", "Financier must be one of the listed."),
    ]:
        refused = await _edit(client, path, **fields)
        assert refused.status_code == 422, fields
        assert f'<p class="error" id="e-{name}">{message}</p>' in refused.text
    long = await _edit(client, path, tariff="t" * 1000)
    assert long.status_code == 422
    assert 'id="e-tariff">Tariff must be a string of 1 to' in long.text
    assert await _partner_entity(client, admin, kenya) == record  # nothing changed

    assert (await _edit(client, path, name=XSS)).status_code == 303
    for shown in [(await client.get(path)).text, (await client.get("/console/entities")).text]:
        assert XSS not in shown
        assert html.escape(XSS) in shown


async def test_an_entity_user_edits_only_its_own_entity_and_not_its_name(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str], make_entity: MakeEntity
) -> None:
    other = await make_entity("Other")
    await sign_in(Level.SYSTEM, Visibility.ENTITY, 1)
    path = "/console/entities/1/edit"
    form = (await client.get(path)).text
    assert re.search(r'name="name" value="[^"]*" readonly', form)  # only a GLOBAL user's
    assert (await _edit(client, path, tariff="T2")).status_code == 303
    assert (await _partner_entity(client, admin, 1))["tariff"] == "T2"
    forged = await _edit(client, path, name="Mine")
    assert forged.status_code == 403
    assert (await client.get(f"/console/entities/{other}/edit")).status_code == 404
    hidden = await client.post(
        f"/console/entities/{other}/edit", data={"csrf": await csrf(client), "tariff": "T3"}
    )
    assert hidden.status_code == 404
    assert (await _partner_entity(client, admin, other))["tariff"] is None

    client.cookies.clear()
    await sign_in(Level.ADMIN)  # the partner API's update is SYSTEM's
    assert "/edit" not in (await client.get("/console/entities")).text
    assert (await client.get(path)).status_code == 403
    posted = await client.post(path, data={"csrf": await csrf(client), "tariff": "T4"})
    assert posted.status_code == 403
    no_token = await client.post(path, data={"tariff": "T4"})
    assert no_token.status_code == 403
    assert (await _partner_entity(client, admin, 1))["tariff"] == "T2"


async def test_another_entitys_catalogues_and_brands_are_not_reached_even_when_global(
    client: httpx.AsyncClient, sign_in: SignIn, make_entity: MakeEntity
) -> None:
    """As in the sales and billing APIs, a GLOBAL user acts on their own entity's catalogues
    and brands: another entity's are neither listed nor reached by URL."""
    other = await make_entity("Other")
    await sign_in(Level.SYSTEM, Visibility.GLOBAL, other, username="other@example.com")
    types = "/console/catalogues/payment-types"
    theirs = await _add(client, types, reference="THEIRS", name="Theirs")
    brand = await _brand(client, "Their brand")

    client.cookies.clear()
    await sign_in()  # SYSTEM, GLOBAL, entity 1
    assert "THEIRS" not in (await client.get(types)).text
    assert "Their brand" not in (await client.get("/console/brands")).text
    token = await csrf(client)
    for path in (f"{types}/{theirs}", f"/console/brands/{brand}"):
        assert (await client.get(f"{path}/edit")).status_code == 404
        edited = await client.post(f"{path}/edit", data={"csrf": token, "name": "Mine"})
        assert edited.status_code == 404
        assert (await client.post(f"{path}/delete", data={"csrf": token})).status_code == 404

    client.cookies.clear()
    assert (await sign_in_with(client, "other@example.com", PASSWORD)).status_code == 303
    assert 'value="Theirs"' in (await client.get(f"{types}/{theirs}/edit")).text
    assert 'value="Their brand"' in (await client.get(f"/console/brands/{brand}/edit")).text


async def test_a_save_leaves_alone_the_spaces_the_apis_stored(
    client: httpx.AsyncClient, sign_in: SignIn, admin: dict[str, str], make_entity: MakeEntity
) -> None:
    """A value kept with spaces around it is not changed by a save that left its field alone:
    an ENTITY user, who may not change the name, can still save the tariff."""
    spaced = await make_entity(" Spaced ")
    await sign_in(Level.SYSTEM, Visibility.ENTITY, spaced)
    saved = await _edit(client, f"/console/entities/{spaced}/edit", tariff="T9")
    assert saved.status_code == 303, saved.text
    record = await _partner_entity(client, admin, spaced)
    assert (record["name"], record["tariff"]) == (" Spaced ", "T9")

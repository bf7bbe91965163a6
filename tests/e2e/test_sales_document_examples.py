"""The sales document's create request (seed 002), sent over the wire to a real server.

The sales API has no login of its own: the token comes from the billing login (`POST
/api/login`) and goes as `Authorization: Bearer <token>`. The catalogue objects the seed's
example names (category "jewelry", segmentation "seg_a", payment types "cash" and "cheque",
region "New York", currency USD with an exchange rate) are made first through the sales API's
own endpoints. Then the seed's request, with every parameter of its table filled, is sent
with `requests` as `application/x-www-form-urlencoded` and as `multipart/form-data` with a
real PNG as `imageFile` (made with Pillow). Pinned:

- 201, and the record's keys are exactly the seed example's, in the same order; the nested
  objects have the seed's shapes; every `href` resolves on this service;
- `logo` is a URL on this server that downloads the image, and its `small_` / `medium_`
  variants (the prefix before the file name, as the document says) download resized copies;
- each failure case the seed lists answers its status and exact body over the wire, and a
  failed create stores nothing;
- a body over the size limit is a 4xx in the sales error format, never a 500.
"""

# The e2e conftest's _bounded_requests gives every requests call a timeout.
# ruff: noqa: S113

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from PIL import Image

from tests.e2e.conftest import Server

pytestmark = pytest.mark.server

Json = dict[str, Any]
BASE = "/api/v1.0"

# The seed's success example, verbatim (only "logo"'s BASE_URL made a string).
SEED_EXAMPLE: Json = {
    "id": 256,
    "reference": "NC-3",
    "reference2": None,
    "name": "Marie's Jewelry",
    "categoryReference": "jewelry",
    "customerCategory": {
        "id": 2,
        "reference": "jewelry",
        "name": "Jewelry and accessories",
        "href": "/api/v1.0/customerCategories/2",
    },
    "isSubCustomer": False,
    "parentCustomer": None,
    "billWithParent": True,
    "customerSegmentationReference": "seg_a",
    "customerSegmentation": {
        "id": 1,
        "reference": "seg_a",
        "name": "Segmentation A",
        "href": "/api/v1.0/customerSegmentations/1",
    },
    "pocTenus": None,
    "email": None,
    "logo": "BASE_URL/entity1-1450169988465/photoCustomer/1471338230737_logo_color_272x92dp.png",
    "phone": None,
    "mobile": None,
    "fax": None,
    "comment": None,
    "barcode": None,
    "isSameAddress": True,
    "billingCountry": "FR",
    "billingCity": "Nice",
    "billingPostalCode": None,
    "billingAddress": None,
    "billingLat": None,
    "billingLng": None,
    "country": None,
    "city": None,
    "postalCode": None,
    "address": None,
    "latitude": None,
    "longitude": None,
    "isCredit": None,
    "creditLimit": 5000,
    "balance": None,
    "maxChequePeriod": None,
    "maxChequeValue": None,
    "appliedCashBackOutput": None,
    "returnDiscount": None,
    "invoicesPerRoute": None,
    "isActive": True,
    "onHold": False,
    "onHoldReason": None,
    "paymentTerm": None,
    "createdBy": {"userId": 2, "reference": "emp-002", "href": "/api/v1.0/users/2"},
    "dueDateConfigNumber": 7,
    "dueDateConfigType": "daysAfterInvoiceDate",
    "paymentTypes": [
        {"id": 7, "reference": "cash", "name": "cash", "href": "/api/v1.0/paymentTypes/7"},
        {"id": 8, "reference": "cheque", "name": "cheque", "href": "/api/v1.0/paymentTypes/8"},
    ],
    "website": None,
    "taxNumber": None,
    "companyRegistrationNumber": None,
    "contacts": [],
    "currency": "USD",
    "customerRisk": None,
    "customerRiskColor": None,
    "organization": "entity1",
    "dateCreated": "2015-12-17T23:00:00Z",
    "lastUpdated": "2015-12-17T23:00:00Z",
    "region": {"id": 3, "name": "New York", "href": "/api/v1.0/regions/3"},
}
# Keys the seed's example shows as null whose value this service does not keep.
NOT_KEPT = [
    "pocTenus",
    "isCredit",
    "balance",
    "maxChequePeriod",
    "maxChequeValue",
    "appliedCashBackOutput",
    "returnDiscount",
    "invoicesPerRoute",
    "paymentTerm",
]
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
LOGO_NAME = "logo_color_272x92dp.png"  # the seed's image name
LOGO_SIZE = (272, 92)


def _png(size: tuple[int, int] = LOGO_SIZE) -> bytes:
    image = Image.new("RGB", size, (27, 233, 216))  # the seed's #1BE9D8
    for x in range(size[0] // 2):
        image.putpixel((x, x % size[1]), (255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _recent(value: Any) -> None:
    assert isinstance(value, str), value
    assert TIMESTAMP.fullmatch(value), value
    parsed = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert abs(dt.datetime.now(dt.UTC) - parsed) < dt.timedelta(minutes=5), value


def _error(r: requests.Response, status: int, code: str, description: str) -> None:
    assert (r.status_code, r.json()) == (
        status,
        {"error": code, "error_description": description},
    ), r.text


# --- the token, and the objects the seed's example names ---------------------------------------


@pytest.fixture(scope="module")
def login(server: Server) -> Json:
    r = requests.post(
        server.url + "/api/login", data={"email": server.username, "password": server.password}
    )
    assert r.status_code == 200, r.text
    body: Json = r.json()
    return body


@pytest.fixture(scope="module")
def headers(login: Json) -> dict[str, str]:
    return {"Authorization": "Bearer " + login["token"]}


def _post(server: Server, headers: dict[str, str], path: str, data: Json) -> Json:
    r = requests.post(server.url + BASE + path, data=data, headers=headers)
    assert r.status_code == 201, r.text
    body: Json = r.json()
    return body


@pytest.fixture(scope="module")
def catalogue(server: Server, headers: dict[str, str]) -> Json:
    """The seed's catalogue objects, made through the sales API; the ids it answered."""
    r = requests.put(
        server.url + BASE + "/organization",
        data={"geographicalLocations": "true", "regionLevel": "1"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    category = _post(
        server,
        headers,
        "/customerCategories",
        {"reference": "jewelry", "name": "Jewelry and accessories"},
    )
    segmentation = _post(
        server,
        headers,
        "/customerSegmentations",
        {"reference": "seg_a", "name": "Segmentation A"},
    )
    cash = _post(server, headers, "/paymentTypes", {"reference": "cash", "name": "cash"})
    cheque = _post(server, headers, "/paymentTypes", {"reference": "cheque", "name": "cheque"})
    region = _post(
        server, headers, "/regions", {"reference": "new-york", "name": "New York", "level": "1"}
    )
    # EUR is the organisation's currency; USD is configured beside it with an exchange rate.
    _post(server, headers, "/currencies", {"code": "EUR", "exchangeRate": "1", "isDefault": "true"})
    usd = _post(server, headers, "/currencies", {"code": "USD", "exchangeRate": "1.08"})
    assert (usd["code"], usd["exchangeRate"], usd["isDefault"]) == ("USD", 1.08, False)
    organization = requests.get(server.url + BASE + "/organization", headers=headers)
    assert organization.status_code == 200, organization.text
    parent = _post(
        server, headers, "/customers", {"reference": "NC-PARENT", "name": "Marie's Group"}
    )
    return {
        "category": category,
        "segmentation": segmentation,
        "payment_types": [cash, cheque],
        "region": region,
        "parent": parent,
        "organization": organization.json()["name"],
    }


def _seed_request(catalogue: Json, login: Json, reference: str) -> dict[str, str]:
    """Every parameter of the seed's table but imageFile, as a client sends them: text."""
    cash, cheque = catalogue["payment_types"]
    return {
        "reference": reference,
        "name": "Marie's Jewelry",
        "reference2": f"{reference}-2",
        "barcode": "3760123450003",
        "isActive": "true",
        "categoryId": str(catalogue["category"]["id"]),
        "isSubCustomer": "true",
        "parentCustomerId": str(catalogue["parent"]["id"]),
        "billWithParent": "true",
        "customerSegmentationId": str(catalogue["segmentation"]["id"]),
        "userId": str(login["user"]["id"]),
        "isSameAddress": "false",
        "billingCountry": "France",  # "ISO county code or country name"
        "billingCity": "Nice",
        "billingPostalCode": "06000",
        "billingAddress": "12 Promenade des Anglais",
        "billingLat": "43.695",
        "billingLng": "7.265",
        "country": "FR",
        "city": "Cannes",
        "postalCode": "06400",
        "address": "1 Boulevard de la Croisette",
        "latitude": "43.5513",
        "longitude": "7.0128",
        "email": "marie@example.com",
        "phone": "+33 4 93 00 00 01",
        "mobile": "+33 6 00 00 00 02",
        "fax": "+33 4 93 00 00 03",
        "comment": "Prefers morning deliveries",
        "website": "https://marie.example.com",
        "creditLimit": "5000",
        "dueDateConfigNumber": "7",
        "dueDateConfigType": "1",
        "taxNumber": "FR12345678901",
        "companyRegistrationNumber": "123 456 789 RCS Nice",
        "currency": "USD",
        "paymentTypes": f'[{{"id"={cash["id"]}}},{{"id"={cheque["id"]}}}]',
        "regionId": str(catalogue["region"]["id"]),
        "customerRisk": "low",
        "customerRiskColor": "#1BE9D8",
        "onHold": "true",
        "onHoldReason": "Awaiting signed contract",
        "useExternalId": "false",
    }


def _href(path: str) -> str:
    return f"{BASE}/{path}"


def _expected(catalogue: Json, login: Json, reference: str) -> Json:
    """The record the seed's request with these parameters must give, logo and times aside."""
    category, segmentation = catalogue["category"], catalogue["segmentation"]
    region, parent = catalogue["region"], catalogue["parent"]
    return dict.fromkeys(NOT_KEPT) | {
        "reference": reference,
        "reference2": f"{reference}-2",
        "name": "Marie's Jewelry",
        "categoryReference": "jewelry",
        "customerCategory": {
            "id": category["id"],
            "reference": "jewelry",
            "name": "Jewelry and accessories",
            "href": _href(f"customerCategories/{category['id']}"),
        },
        "isSubCustomer": True,
        "parentCustomer": {
            "id": parent["id"],
            "reference": "NC-PARENT",
            "name": "Marie's Group",
            "href": _href(f"customers/{parent['id']}"),
        },
        "billWithParent": True,
        "customerSegmentationReference": "seg_a",
        "customerSegmentation": {
            "id": segmentation["id"],
            "reference": "seg_a",
            "name": "Segmentation A",
            "href": _href(f"customerSegmentations/{segmentation['id']}"),
        },
        "email": "marie@example.com",
        "phone": "+33 4 93 00 00 01",
        "mobile": "+33 6 00 00 00 02",
        "fax": "+33 4 93 00 00 03",
        "comment": "Prefers morning deliveries",
        "barcode": "3760123450003",
        "isSameAddress": False,
        "billingCountry": "FR",
        "billingCity": "Nice",
        "billingPostalCode": "06000",
        "billingAddress": "12 Promenade des Anglais",
        "billingLat": 43.695,
        "billingLng": 7.265,
        "country": "FR",
        "city": "Cannes",
        "postalCode": "06400",
        "address": "1 Boulevard de la Croisette",
        "latitude": 43.5513,
        "longitude": 7.0128,
        "creditLimit": 5000,
        "isActive": True,
        "onHold": True,
        "onHoldReason": "Awaiting signed contract",
        "createdBy": {
            "userId": login["user"]["id"],
            "reference": login["user"]["email"],
            "href": _href(f"users/{login['user']['id']}"),
        },
        "dueDateConfigNumber": 7,
        "dueDateConfigType": "daysAfterInvoiceDate",
        "paymentTypes": [
            {
                "id": kind["id"],
                "reference": kind["reference"],
                "name": kind["name"],
                "href": _href(f"paymentTypes/{kind['id']}"),
            }
            for kind in catalogue["payment_types"]
        ],
        "website": "https://marie.example.com",
        "taxNumber": "FR12345678901",
        "companyRegistrationNumber": "123 456 789 RCS Nice",
        "contacts": [],
        "currency": "USD",
        "customerRisk": "low",
        "customerRiskColor": "#1BE9D8",
        "organization": catalogue["organization"],
        "region": {
            "id": region["id"],
            "name": "New York",
            "href": _href(f"regions/{region['id']}"),
        },
    }


def _assert_seed_record(body: Json, expected: Json) -> None:
    """The seed example's keys in its order, its nested shapes and types, these values."""
    assert list(body) == list(SEED_EXAMPLE)
    for key in ("customerCategory", "customerSegmentation", "createdBy", "region"):
        assert list(body[key]) == list(SEED_EXAMPLE[key]), key
    assert [list(kind) for kind in body["paymentTypes"]] == [
        list(kind) for kind in SEED_EXAMPLE["paymentTypes"]
    ]
    assert list(body["parentCustomer"]) == list(SEED_EXAMPLE["customerCategory"])
    for key, documented in SEED_EXAMPLE.items():
        if documented is not None and body[key] is not None:
            assert type(body[key]) is type(documented), (key, body[key])
    assert type(body["id"]) is int
    _recent(body["dateCreated"])
    assert body["lastUpdated"] == body["dateCreated"]
    got = {key: body[key] for key in expected}
    assert got == expected


def _assert_hrefs_resolve(server: Server, headers: dict[str, str], body: Json) -> None:
    linked = [
        body["customerCategory"],
        body["customerSegmentation"],
        body["region"],
        body["parentCustomer"],
        *body["paymentTypes"],
    ]
    for link in linked:
        r = requests.get(server.url + link["href"], headers=headers)
        assert r.status_code == 200, (link, r.text)
        target = r.json()
        assert target["id"] == link["id"]
        assert target["name"] == link["name"]
        if "reference" in link:
            assert target["reference"] == link["reference"]
    creator = requests.get(server.url + body["createdBy"]["href"], headers=headers)
    assert creator.status_code == 200, creator.text
    assert creator.json()["id"] == body["createdBy"]["userId"]
    assert creator.json()["reference"] == body["createdBy"]["reference"]


def _assert_read_back(server: Server, headers: dict[str, str], body: Json) -> None:
    by_id = requests.get(f"{server.url}{BASE}/customers/{body['id']}", headers=headers)
    assert by_id.status_code == 200, by_id.text
    assert by_id.json() == body
    by_reference = requests.get(
        f"{server.url}{BASE}/customers/{body['reference']}",
        params={"useExternalId": "true"},
        headers=headers,
    )
    assert by_reference.status_code == 200, by_reference.text
    assert by_reference.json() == body


# --- the seed's request -------------------------------------------------------------------------


def test_the_catalogue_objects_have_the_seeds_shapes(catalogue: Json) -> None:
    assert catalogue["category"]["reference"] == "jewelry"
    assert catalogue["segmentation"]["reference"] == "seg_a"
    assert [kind["reference"] for kind in catalogue["payment_types"]] == ["cash", "cheque"]
    assert catalogue["region"]["name"] == "New York"
    assert all(
        obj["href"].startswith(BASE + "/")
        for obj in (
            catalogue["category"],
            catalogue["segmentation"],
            catalogue["region"],
            *catalogue["payment_types"],
        )
    )


def test_the_seed_request_as_a_form(
    server: Server, headers: dict[str, str], login: Json, catalogue: Json
) -> None:
    data = _seed_request(catalogue, login, "NC-3")

    r = requests.post(server.url + BASE + "/customers", data=data, headers=headers)

    assert r.status_code == 201, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    _assert_seed_record(body, _expected(catalogue, login, "NC-3"))
    assert body["logo"] is None  # a form carries no image
    _assert_hrefs_resolve(server, headers, body)
    _assert_read_back(server, headers, body)


def test_the_seed_request_with_external_ids(
    server: Server, headers: dict[str, str], login: Json, catalogue: Json
) -> None:
    """`useExternalId=true`: the same request naming every object by its reference."""
    data = _seed_request(catalogue, login, "NC-EXT") | {
        "useExternalId": "true",
        "categoryId": "jewelry",
        "customerSegmentationId": "seg_a",
        "parentCustomerId": "NC-PARENT",
        "userId": login["user"]["email"],
        "regionId": "new-york",
        "paymentTypes": '[{"id"="cash"},{"id"="cheque"}]',
    }

    r = requests.post(server.url + BASE + "/customers", data=data, headers=headers)

    assert r.status_code == 201, r.text
    _assert_seed_record(r.json(), _expected(catalogue, login, "NC-EXT"))


def test_the_seed_request_as_json(
    server: Server, headers: dict[str, str], login: Json, catalogue: Json
) -> None:
    """The same request as a JSON body: typed values, `paymentTypes` as real JSON."""
    data: Json = _seed_request(catalogue, login, "NC-JSON")
    for key in ("categoryId", "parentCustomerId", "customerSegmentationId", "userId", "regionId"):
        data[key] = int(data[key])
    for key in ("billingLat", "billingLng", "latitude", "longitude", "creditLimit"):
        data[key] = float(data[key])
    for key in ("isActive", "isSubCustomer", "billWithParent", "isSameAddress", "onHold"):
        data[key] = data[key] == "true"
    data |= {
        "dueDateConfigNumber": 7,
        "dueDateConfigType": 1,
        "useExternalId": False,
        "paymentTypes": [{"id": kind["id"]} for kind in catalogue["payment_types"]],
    }

    r = requests.post(server.url + BASE + "/customers", json=data, headers=headers)

    assert r.status_code == 201, r.text
    _assert_seed_record(r.json(), _expected(catalogue, login, "NC-JSON"))


@pytest.fixture(scope="module")
def multipart_created(
    server: Server, headers: dict[str, str], login: Json, catalogue: Json
) -> requests.Response:
    data = _seed_request(catalogue, login, "NC-4")
    files = {"imageFile": (LOGO_NAME, _png(), "image/png")}
    return requests.post(server.url + BASE + "/customers", data=data, files=files, headers=headers)


def test_the_seed_request_as_multipart_with_an_image(
    server: Server,
    headers: dict[str, str],
    login: Json,
    catalogue: Json,
    multipart_created: requests.Response,
) -> None:
    r = multipart_created
    sent_as = r.request.headers["content-type"]
    assert isinstance(sent_as, str)
    assert sent_as.startswith("multipart/form-data; boundary=")

    assert r.status_code == 201, r.text
    body = r.json()
    _assert_seed_record(body, _expected(catalogue, login, "NC-4"))
    _assert_hrefs_resolve(server, headers, body)
    _assert_read_back(server, headers, body)


def _download(url: str) -> Image.Image:
    r = requests.get(url)  # public, as the document's URL is: no token
    assert r.status_code == 200, (url, r.status_code, r.text[:200])
    image = Image.open(io.BytesIO(r.content))
    image.load()
    return image


def test_the_logo_and_its_resized_copies_download(
    server: Server, multipart_created: requests.Response
) -> None:
    logo = multipart_created.json()["logo"]

    # "BASE_URL/<organisation folder>/photoCustomer/<time stamp>_logo_color_272x92dp.png"
    assert isinstance(logo, str)
    assert logo.startswith(server.url + "/"), logo
    folder, name = logo.rsplit("/", 1)
    assert folder.endswith("/photoCustomer"), logo
    assert name.endswith("_" + LOGO_NAME), logo
    original = _download(logo)
    assert (original.format, original.size) == ("PNG", LOGO_SIZE)
    for prefix, side in (("small_", 64), ("medium_", 256)):
        copy = _download(f"{folder}/{prefix}{name}")
        assert copy.format == "PNG", prefix
        assert max(copy.size) <= side, (prefix, copy.size)
        assert copy.size[0] < LOGO_SIZE[0], (prefix, copy.size)
        width, height = copy.size
        assert abs(width / height - LOGO_SIZE[0] / LOGO_SIZE[1]) < 0.2, (prefix, copy.size)
    assert requests.get(f"{folder}/large_{name}").status_code == 404


# --- the seed's failure cases -------------------------------------------------------------------


def _total(server: Server, headers: dict[str, str]) -> int:
    r = requests.get(server.url + BASE + "/customers", headers=headers)
    assert r.status_code == 200, r.text
    total: int = r.json()["total"]
    return total


@pytest.fixture
def nothing_stored(server: Server, headers: dict[str, str], catalogue: Json) -> Iterator[None]:
    """A refused create leaves the registry as it was."""
    before = _total(server, headers)
    yield
    assert _total(server, headers) == before


def _create(server: Server, headers: dict[str, str], **sent: Any) -> requests.Response:
    return requests.post(server.url + BASE + "/customers", headers=headers, **sent)


@pytest.mark.usefixtures("nothing_stored")
def test_missing_reference(server: Server, headers: dict[str, str]) -> None:
    r = _create(server, headers, data={"name": "Marie's Jewelry", "billingCity": "Nice"})
    _error(r, 400, "missing_param", "reference parameter is missing")

    r = _create(server, headers, data={"reference": "NC-5"})
    _error(r, 400, "missing_param", "name parameter is missing")


@pytest.mark.usefixtures("nothing_stored")
def test_reference_already_used(
    server: Server, headers: dict[str, str], login: Json, catalogue: Json
) -> None:
    data = _seed_request(catalogue, login, "NC-PARENT")  # the parent's reference
    r = _create(server, headers, data=data)
    _error(r, 400, "not_unique", "reference already used")

    files = {"imageFile": (LOGO_NAME, _png(), "image/png")}
    r = _create(server, headers, data=data, files=files)
    _error(r, 400, "not_unique", "reference already used")


def test_one_reference_sent_by_many_clients_at_once(
    server: Server, headers: dict[str, str], catalogue: Json
) -> None:
    """The seed's "Reference must be unique", held by the database: one create wins."""
    before = _total(server, headers)
    data = {"reference": "NC-RACE", "name": "Marie's Jewelry"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: _create(server, headers, data=data), range(8)))

    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] + [400] * 7, [r.text for r in answers]
    for r in answers:
        if r.status_code == 400:
            _error(r, 400, "not_unique", "reference already used")
    assert _total(server, headers) == before + 1


@pytest.mark.usefixtures("nothing_stored")
def test_unknown_payment_type(server: Server, headers: dict[str, str], catalogue: Json) -> None:
    cash = catalogue["payment_types"][0]["id"]
    for sent in ('[{"id"=999}]', f'[{{"id"={cash}}},{{"id"=999}}]'):
        r = _create(server, headers, data={"reference": "NC-6", "name": "x", "paymentTypes": sent})
        _error(r, 404, "not_found", "The payment type with the id 999 doesn't exist.")


@pytest.mark.usefixtures("nothing_stored")
def test_payment_type_id_of_the_wrong_type(server: Server, headers: dict[str, str]) -> None:
    for sent in ('[{"id"=seven}]', '[{"id"="seven"}]', '[{"id"=7.5}]'):
        r = _create(server, headers, data={"reference": "NC-7", "name": "x", "paymentTypes": sent})
        _error(
            r,
            400,
            "invalid_param_type",
            "The type of parameter payment type id you provided is not valid for this request.",
        )


@pytest.mark.usefixtures("nothing_stored")
def test_currency_that_does_not_exist(server: Server, headers: dict[str, str]) -> None:
    r = _create(server, headers, data={"reference": "NC-8", "name": "x", "currency": "GmBP"})
    _error(r, 404, "not_found", "The currency with name GmBP doesn't exist.")


@pytest.mark.usefixtures("nothing_stored")
def test_currency_that_is_not_configured(server: Server, headers: dict[str, str]) -> None:
    r = _create(server, headers, data={"reference": "NC-9", "name": "x", "currency": "GBP"})
    _error(r, 404, "not_found", "The currency with name GBP is not configured.")


@pytest.mark.usefixtures("nothing_stored")
def test_parent_customer_that_does_not_exist(server: Server, headers: dict[str, str]) -> None:
    data = {
        "reference": "NC-10",
        "name": "x",
        "isSubCustomer": "true",
        "parentCustomerId": "188911",
    }
    r = _create(server, headers, data=data)
    _error(r, 404, "not_found", "The parent customer with the id 188911 doesn't exist.")


@pytest.mark.usefixtures("nothing_stored")
def test_image_over_2_mo(server: Server, headers: dict[str, str]) -> None:
    out = io.BytesIO()
    Image.new("RGB", (840, 840), (200, 10, 10)).save(out, format="BMP")  # 2.1 MB, uncompressed
    assert 2_100_000 < len(out.getvalue()) < 2_200_000
    files = {"imageFile": ("big.bmp", out.getvalue(), "image/bmp")}
    r = _create(server, headers, data={"reference": "NC-11", "name": "x"}, files=files)
    _error(r, 400, "exceeded_file_size", "image size should not exceed 2Mo")


@pytest.mark.usefixtures("nothing_stored")
def test_image_format_not_supported(server: Server, headers: dict[str, str]) -> None:
    files = {"imageFile": (LOGO_NAME, b"not an image, whatever the name says\n", "image/png")}
    r = _create(server, headers, data={"reference": "NC-12", "name": "x"}, files=files)
    _error(r, 400, "unsupported_file_type", "image format not supported.")


# --- bodies over the limit ----------------------------------------------------------------------

OVER_THE_LIMIT = 6 * 1024 * 1024  # above any body the sales API takes (an image and a form)


def _assert_refused_in_sales_format(r: requests.Response) -> None:
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    body = r.json()
    assert list(body) == ["error", "error_description"], body
    assert isinstance(body["error"], str)
    assert body["error"]
    assert isinstance(body["error_description"], str)
    assert body["error_description"]


@pytest.mark.usefixtures("nothing_stored")
def test_a_form_over_the_limit(server: Server, headers: dict[str, str]) -> None:
    data = {"reference": "NC-13", "name": "x", "comment": "x" * OVER_THE_LIMIT}
    _assert_refused_in_sales_format(_create(server, headers, data=data))


@pytest.mark.usefixtures("nothing_stored")
def test_a_multipart_image_over_the_limit(server: Server, headers: dict[str, str]) -> None:
    files = {"imageFile": ("huge.png", _png() + b"\0" * OVER_THE_LIMIT, "image/png")}
    r = _create(server, headers, data={"reference": "NC-14", "name": "x"}, files=files)
    _assert_refused_in_sales_format(r)


@pytest.mark.usefixtures("nothing_stored")
def test_a_chunked_body_over_the_limit(server: Server, headers: dict[str, str]) -> None:
    """No Content-Length: the limit is found while the body is read."""

    def chunks() -> Iterator[bytes]:
        yield b"reference=NC-15&name=x&comment="
        for _ in range(OVER_THE_LIMIT // 65536 + 1):
            yield b"x" * 65536

    r = _create(
        server,
        {**headers, "Content-Type": "application/x-www-form-urlencoded"},
        data=chunks(),
    )
    assert r.request.headers.get("transfer-encoding") == "chunked"
    _assert_refused_in_sales_format(r)

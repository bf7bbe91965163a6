"""Realistic, reproducible rows for the bench database: entities, their sales catalogues,
customers with the partner, billing and sales fields, and their entity links.

Ids are explicit (customers are 1..N) so the load generator can be given ids it knows exist.
Every customer has an external id, a code, or both, as the partner API requires. The rows
come from a fixed seed: every run loads the same data.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

SEED = 20_240_601
LOADED_BY = "bench-loader"
START = datetime(2021, 1, 4, 8, 0, 0)
_SPAN = timedelta(days=3 * 365)
_EDITORS = ("ops@bboxx.example", "support@bboxx.example", "crm-sync", None)

FIRST_NAMES = (
    "Amani", "Aisha", "Baraka", "Chiara", "Daniel", "Esther", "Fatuma", "Grace", "Habib",
    "Imani", "Jean", "Kofi", "Lina", "Moses", "Nadia", "Olivier", "Patience", "Rehema",
    "Samuel", "Tendai", "Uwase", "Victor", "Wanjiru", "Yusuf", "Zawadi",
)  # fmt: skip
LAST_NAMES = (
    "Abimana", "Banda", "Chege", "Diallo", "Essien", "Habimana", "Kamau", "Kariuki", "Mensah",
    "Mugisha", "Mutua", "Ndayisaba", "Niyonzima", "Njoroge", "Nkurunziza", "Odhiambo",
    "Okafor", "Otieno", "Sow", "Tshisekedi", "Uwimana", "Wambui",
)  # fmt: skip
# Names are drawn by Zipf's law (the rank-th name weighs 1/rank^0.6), as real names are: a
# few are common, most are not. The most common full name is about 2 % of an entity's
# customers, so the filtered list scenarios, which ask for it, show a full page of 50 with
# its total at 10,000 customers (about 70 match) as at 1,000,000 (about 7,000).
_NAME_SKEW = 0.6


def _zipf(count: int) -> list[float]:
    """Cumulative weights, computed once rather than at every draw."""
    return list(itertools.accumulate(1 / rank**_NAME_SKEW for rank in range(1, count + 1)))


def _pick(rng: random.Random, names: Sequence[str], cumulative: list[float]) -> str:
    # `rng.choices(names, cum_weights=…)[0]` without its per-call lists (a million draws).
    return names[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


_FIRST_WEIGHTS = _zipf(len(FIRST_NAMES))
_LAST_WEIGHTS = _zipf(len(LAST_NAMES))
COMMON_NAME = f"{FIRST_NAMES[0]} {LAST_NAMES[0]}"
_STREETS = (
    "Market Road", "Church Street", "Station Road", "Hospital Road", "School Lane",
    "Lake Drive", "Hill Road", "Main Street", "Airport Road", "River Road",
)  # fmt: skip
_BUSINESS_SUFFIXES = ("Solar Shop", "Trading", "Enterprises", "Agro", "Clinic", "School")
_COMPANY_TYPES = ("SME", "Sole proprietor", "Cooperative", "NGO")
_COMMENTS = (
    "Prefers SMS reminders.",
    "Call before visiting.",
    "Pays at the agent in town.",
    "Second system installed for the shop.",
)

ENTITY_COLUMNS = (
    "entity_id", "name", "bboxx_company_flag", "tariff", "financier", "geic", "created_at",
    "created_by",
)  # fmt: skip
CATEGORY_COLUMNS = (
    "category_id", "parent_id", "entity_id", "reference", "name", "created_at", "created_by",
)  # fmt: skip
SEGMENTATION_COLUMNS = (
    "segmentation_id", "entity_id", "reference", "name", "created_at", "created_by",
)  # fmt: skip
CURRENCY_COLUMNS = (
    "currency_id", "exchange_rate", "is_default", "entity_id", "reference", "name", "created_at",
    "created_by",
)  # fmt: skip
# The customer columns loaded; every other column keeps its default (NULL, or the schema's
# server default for the not-null flags: brand 1, charge VAT, not on hold, …).
CUSTOMER_COLUMNS = (
    "customer_id", "entity_id", "name", "external_id", "code", "secondary_code",
    "trading_name", "registration_number", "tax_registration_number", "company_type",
    "address_line1", "postal_code", "city", "country", "website", "email", "phone", "mobile",
    "comment", "active", "is_reseller", "vip", "category_id", "segmentation_id", "currency_id",
    "barcode", "billing_lat", "billing_lng", "is_same_address", "shipping_country",
    "shipping_city", "shipping_postal_code", "shipping_address", "shipping_lat", "shipping_lng",
    "credit_limit", "due_date_config_number", "due_date_config_type", "created_at",
    "created_by", "modified_at", "modified_by",
)  # fmt: skip
LINK_COLUMNS = (
    "customer_entity_linker_id", "customer_id", "entity_id", "date_added", "created_at",
    "created_by",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class City:
    name: str
    lat: float
    lng: float


@dataclass(frozen=True, slots=True)
class BenchEntity:
    entity_id: int
    name: str
    code_prefix: str
    weight: int  # share of the customers
    bboxx_company: bool
    financier: bool
    country: str  # ISO 3166 alpha-2, as the sales API stores it
    dialling_code: str
    currency: tuple[str, str]  # ISO 4217 code, name
    cities: tuple[City, ...]

    # The sales catalogues' ids: explicit, so customers can name them. Entity 1's root
    # category (id 1) comes from the migrations; each bench entity gets a block of ids.
    @property
    def root_category_id(self) -> int:
        return 10 * self.entity_id

    @property
    def category_ids(self) -> tuple[int, ...]:
        """The root first, then its children."""
        return tuple(10 * self.entity_id + k for k in range(len(_CHILD_CATEGORIES) + 1))

    @property
    def segmentation_ids(self) -> tuple[int, ...]:
        return tuple(10 * self.entity_id + k for k in range(len(_SEGMENTATIONS)))

    @property
    def currency_id(self) -> int:
        return self.entity_id


# Entity 1 ("default") is created by the migrations; these come after it. The bench user
# (and so every sales and billing request) belongs to the first one.
ENTITIES = (
    BenchEntity(2, "Bboxx Rwanda", "RW", 35, True, False, "RW", "+250", ("RWF", "Rwandan franc"),
                (City("Kigali", -1.95, 30.06), City("Musanze", -1.50, 29.63),
                 City("Huye", -2.60, 29.74), City("Rubavu", -1.68, 29.26))),
    BenchEntity(3, "Bboxx Kenya", "KE", 25, True, False, "KE", "+254", ("KES", "Kenyan shilling"),
                (City("Nairobi", -1.29, 36.82), City("Kisumu", -0.09, 34.77),
                 City("Nakuru", -0.30, 36.07), City("Eldoret", 0.51, 35.27))),
    BenchEntity(4, "Bboxx DRC", "CD", 20, True, False, "CD", "+243", ("CDF", "Congolese franc"),
                (City("Goma", -1.68, 29.22), City("Bukavu", -2.51, 28.86),
                 City("Kinshasa", -4.33, 15.31))),
    BenchEntity(5, "Bboxx Togo", "TG", 12, True, False, "TG", "+228", ("XOF", "CFA franc BCEAO"),
                (City("Lome", 6.13, 1.22), City("Kara", 9.55, 1.19),
                 City("Sokode", 8.98, 1.13))),
    BenchEntity(6, "SunFinance Partners", "SF", 8, False, True, "UG", "+256",
                ("UGX", "Ugandan shilling"),
                (City("Kampala", 0.35, 32.58), City("Gulu", 2.78, 32.30),
                 City("Mbarara", -0.61, 30.65))),
)  # fmt: skip
BENCH_ENTITY = ENTITIES[0]

_CHILD_CATEGORIES = (("HOME", "Households"), ("BIZ", "Businesses"), ("INST", "Institutions"))
_SEGMENTATIONS = (("PAYG", "Pay as you go"), ("CASH", "Cash buyers"), ("LOAN", "Financed"))


def entity_records() -> list[tuple[object, ...]]:
    return [
        (
            e.entity_id,
            e.name,
            e.bboxx_company,
            "standard" if e.bboxx_company else None,
            e.financier,
            f"GEIC-{e.code_prefix}-{e.entity_id:03d}",
            START,
            LOADED_BY,
        )
        for e in ENTITIES
    ]


def category_records() -> list[tuple[object, ...]]:
    """Each entity's root category (the tree's root always exists) and three children."""
    rows: list[tuple[object, ...]] = []
    for e in ENTITIES:
        rows.append((e.root_category_id, None, e.entity_id, "root", "Root", START, LOADED_BY))
        for key, (reference, name) in zip(e.category_ids[1:], _CHILD_CATEGORIES, strict=True):
            rows.append((key, e.root_category_id, e.entity_id, reference, name, START, LOADED_BY))
    return rows


def segmentation_records() -> list[tuple[object, ...]]:
    return [
        (key, e.entity_id, reference, name, START, LOADED_BY)
        for e in ENTITIES
        for key, (reference, name) in zip(e.segmentation_ids, _SEGMENTATIONS, strict=True)
    ]


def currency_records() -> list[tuple[object, ...]]:
    """One configured currency per entity, its default."""
    return [
        (e.currency_id, 1.0, True, e.entity_id, e.currency[0], e.currency[1], START, LOADED_BY)
        for e in ENTITIES
    ]


def _identifiers(rng: random.Random, entity: BenchEntity, n: int) -> tuple[int | None, str | None]:
    """External id and code, unique within the entity; about 1 in 10 lacks one of the two."""
    draw = rng.random()
    external_id = None if draw < 0.04 else 70_000_000 + n * 7
    code = None if 0.04 <= draw < 0.10 else f"{entity.code_prefix}-{n:08d}"
    return external_id, code


def _modified(rng: random.Random, created_at: datetime) -> tuple[datetime | None, str | None]:
    """About a third of the customers were edited some time after they were created."""
    if rng.random() >= 0.33:
        return None, None
    later = created_at + timedelta(seconds=rng.randrange(60, 400 * 86_400), microseconds=1)
    return later, rng.choice(_EDITORS)


def _business(
    rng: random.Random, entity: BenchEntity, n: int, last: str
) -> tuple[object, object, object, object, object]:
    """About 1 in 7 customers is a business: trading name, type, registration, tax, site."""
    if rng.random() >= 0.15:
        return None, None, None, None, None
    trading = f"{last} {rng.choice(_BUSINESS_SUFFIXES)}"
    tax = f"TIN{n:09d}" if rng.random() < 0.7 else None
    site = f"https://{last.lower()}-{n}.example" if rng.random() < 0.3 else None
    return trading, rng.choice(_COMPANY_TYPES), f"{entity.code_prefix}-RC-{n:07d}", tax, site


def customer_records(count: int, seed: int = SEED) -> Iterator[tuple[object, ...]]:
    """N customers spread over the entities by weight, in CUSTOMER_COLUMNS' order."""
    rng = random.Random(seed)
    entities = rng.choices(ENTITIES, weights=[e.weight for e in ENTITIES], k=count)
    step = _SPAN / max(count, 1)
    for n, e in enumerate(entities, start=1):
        first = _pick(rng, FIRST_NAMES, _FIRST_WEIGHTS)
        last = _pick(rng, LAST_NAMES, _LAST_WEIGHTS)
        created_at = START + step * n + timedelta(microseconds=rng.randrange(1, 1_000_000))
        external_id, code = _identifiers(rng, e, n)
        modified_at, modified_by = _modified(rng, created_at)
        trading, company_type, registration, tax, website = _business(rng, e, n, last)
        city = rng.choice(e.cities)
        has_address = rng.random() < 0.8
        address = f"{rng.randrange(1, 400)} {rng.choice(_STREETS)}" if has_address else None
        postal = f"{rng.randrange(10_000, 99_999)}" if has_address and rng.random() < 0.3 else None
        lat: float | None
        lng: float | None
        if rng.random() < 0.7:
            lat = round(city.lat + rng.uniform(-0.2, 0.2), 6)
            lng = round(city.lng + rng.uniform(-0.2, 0.2), 6)
        else:
            lat = lng = None
        same = rng.random() < 0.9
        shipping: tuple[object, ...]
        if same:  # the service keeps the shipping address a copy of the billing one
            shipping = (e.country, city.name, postal, address, lat, lng)
        else:
            other = rng.choice(e.cities)
            shipping = (e.country, other.name, None, f"{rng.randrange(1, 400)} Depot Road",
                        None, None)  # fmt: skip
        draw = rng.random()
        due = (30, 1) if draw < 0.15 else (15, 2) if draw < 0.25 else (None, None)
        yield (
            n, e.entity_id, f"{first} {last}", external_id, code,
            f"{e.code_prefix}A{n:08d}" if draw < 0.3 else None,
            trading, registration, tax, company_type,
            address, postal, city.name, e.country, website,
            f"{first}.{last}{n}@example.com".lower() if rng.random() < 0.6 else None,
            f"{e.dialling_code} 7{rng.randrange(10_000_000, 99_999_999)}",
            f"{e.dialling_code} 7{rng.randrange(10_000_000, 99_999_999)}" if draw < 0.5 else None,
            rng.choice(_COMMENTS) if draw > 0.97 else None,
            rng.random() < 0.94, draw > 0.99, 0.45 < draw < 0.46,
            e.category_ids[0 if draw < 0.4 else 1 + int(draw * 30) % 3],
            e.segmentation_ids[int(draw * 70) % 3] if draw < 0.8 else None,
            e.currency_id,
            f"{n:013d}" if 0.6 < draw < 0.7 else None,
            lat, lng, same, *shipping,
            float(rng.choice((500, 1000, 5000, 20000))) if draw > 0.8 else None,
            *due,
            created_at, LOADED_BY, modified_at, modified_by,
        )  # fmt: skip


_ENTITY = CUSTOMER_COLUMNS.index("entity_id")
_CODE = CUSTOMER_COLUMNS.index("code")
_NAME = CUSTOMER_COLUMNS.index("name")
_CREATED = CUSTOMER_COLUMNS.index("created_at")


def link_record(customer: Sequence[object]) -> tuple[object, ...]:
    """The customer's `customer_entity_linker` row, as creating a customer writes."""
    customer_id, created_at = customer[0], customer[_CREATED]
    return (customer_id, customer_id, customer[_ENTITY], created_at, created_at, LOADED_BY)


@dataclass(frozen=True, slots=True)
class Key:
    """A customer the load generator may ask for: in the bench entity, with a code."""

    customer_id: int
    code: str
    name: str


class KeySampler:
    """Keeps a uniform random sample (reservoir) of the bench entity's customers with a code,
    fed row by row while the rows are loaded."""

    def __init__(self, size: int, seed: int = SEED) -> None:
        self._size = size
        self._seen = 0
        self._rng = random.Random(seed + 1)
        self.keys: list[Key] = []

    def offer(self, row: Sequence[object]) -> None:
        if row[_ENTITY] != BENCH_ENTITY.entity_id or row[_CODE] is None:
            return
        self._seen += 1
        customer_id = row[0]
        assert isinstance(customer_id, int), customer_id
        key = Key(customer_id, str(row[_CODE]), str(row[_NAME]))
        if len(self.keys) < self._size:
            self.keys.append(key)
            return
        slot = self._rng.randrange(self._seen)
        if slot < self._size:
            self.keys[slot] = key

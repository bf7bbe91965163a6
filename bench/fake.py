"""Realistic, reproducible rows for the bench database: entities, customers and their links.

Ids are explicit (customers are 1..N) so the load generator can ask for any id in 1..N.
Every customer has an external id, a code, or both, as the partner API requires.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

SEED = 20_240_601
LOADED_BY = "bench-loader"
_START = datetime(2021, 1, 4, 8, 0, 0)
_SPAN = timedelta(days=3 * 365)
_EDITORS = ("ops@bboxx.example", "support@bboxx.example", "crm-sync", None)

_FIRST_NAMES = (
    "Amani", "Aisha", "Baraka", "Chiara", "Daniel", "Esther", "Fatuma", "Grace", "Habib",
    "Imani", "Jean", "Kofi", "Lina", "Moses", "Nadia", "Olivier", "Patience", "Rehema",
    "Samuel", "Tendai", "Uwase", "Victor", "Wanjiru", "Yusuf", "Zawadi",
)  # fmt: skip
_LAST_NAMES = (
    "Abimana", "Banda", "Chege", "Diallo", "Essien", "Habimana", "Kamau", "Kariuki", "Mensah",
    "Mugisha", "Mutua", "Ndayisaba", "Niyonzima", "Njoroge", "Nkurunziza", "Odhiambo",
    "Okafor", "Otieno", "Sow", "Tshisekedi", "Uwimana", "Wambui",
)  # fmt: skip

ENTITY_COLUMNS = (
    "entity_id", "name", "bboxx_company_flag", "tariff", "financier", "geic", "created_at",
    "created_by",
)  # fmt: skip
CUSTOMER_COLUMNS = (
    "customer_id", "entity_id", "name", "external_id", "code", "created_at", "created_by",
    "modified_at", "modified_by",
)  # fmt: skip
LINK_COLUMNS = (
    "customer_entity_linker_id", "customer_id", "entity_id", "date_added", "created_at",
    "created_by",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class BenchEntity:
    entity_id: int
    name: str
    code_prefix: str
    weight: int  # share of the customers
    bboxx_company: bool
    financier: bool


# Entity 1 ("default") is created by the migrations; these come after it.
ENTITIES = (
    BenchEntity(2, "Bboxx Rwanda", "RW", 35, bboxx_company=True, financier=False),
    BenchEntity(3, "Bboxx Kenya", "KE", 25, bboxx_company=True, financier=False),
    BenchEntity(4, "Bboxx DRC", "CD", 20, bboxx_company=True, financier=False),
    BenchEntity(5, "Bboxx Togo", "TG", 12, bboxx_company=True, financier=False),
    BenchEntity(6, "SunFinance Partners", "SF", 8, bboxx_company=False, financier=True),
)


def entity_records() -> list[tuple[object, ...]]:
    return [
        (
            e.entity_id,
            e.name,
            e.bboxx_company,
            "standard" if e.bboxx_company else None,
            e.financier,
            f"GEIC-{e.code_prefix}-{e.entity_id:03d}",
            _START,
            LOADED_BY,
        )
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


def customer_records(count: int, seed: int = SEED) -> list[tuple[object, ...]]:
    rng = random.Random(seed)
    entities = rng.choices(ENTITIES, weights=[e.weight for e in ENTITIES], k=count)
    step = _SPAN / max(count, 1)
    records: list[tuple[object, ...]] = []
    for n, entity in enumerate(entities, start=1):
        name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
        created_at = _START + step * n + timedelta(microseconds=rng.randrange(1, 1_000_000))
        external_id, code = _identifiers(rng, entity, n)
        modified_at, modified_by = _modified(rng, created_at)
        records.append(
            (n, entity.entity_id, name, external_id, code, created_at, LOADED_BY, modified_at,
             modified_by)
        )  # fmt: skip
    return records


def link_records(customers: list[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
    """One `customer_entity_linker` row per customer, as creating a customer writes."""
    for customer_id, entity_id, _name, _ext, _code, created_at, *_rest in customers:
        yield (customer_id, customer_id, entity_id, created_at, created_at, LOADED_BY)

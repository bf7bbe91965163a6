"""What a typed model per resource would cost on the hot paths: the service's own rendering
and parsing of today against the same work through a msgspec Struct and a Pydantic v2 model.

    .venv/bin/python -m bench.models

Rendering: one partner customer, from the core's `Customer` to JSON bytes (a GET by id
renders one; a list page fifty). Parsing: a sales create form of strings, typed with the
loose rules of a form (numbers and booleans as text), to the values the core takes. Each
figure is the best of several timed runs in one process, so the ratios hold on a busy
machine where the absolute figures do not.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
import orjson
import pydantic

from customer_registry.apis.partner_v1.render import customer_json, timestamp
from customer_registry.apis.sales_v1_0.names import CUSTOMER_PARAMETERS
from customer_registry.apis.sales_v1_0.params import convert
from customer_registry.core.customer_details import CustomerDetails
from customer_registry.core.customers import Customer

_NOW = datetime(2021, 1, 4, 8, 0, 0, 123456, tzinfo=UTC).replace(tzinfo=None)
CUSTOMER = Customer(
    customer_id=17,
    entity_id=1,
    name="Amani Abimana",
    external_id=1234,
    code="RW-00000017",
    details=CustomerDetails(),
    created_at=_NOW,
    created_by="bench",
    modified_at=_NOW,
    modified_by="bench",
)
FORM = {
    "reference": "S1",
    "name": "Amani Abimana",
    "reference2": "S1-B",
    "email": "s1@example.com",
    "phone": "+250 788000000",
    "isActive": "true",
    "creditLimit": "1500.50",
    "latitude": "-1.95",
    "longitude": "30.06",
    "dueDateConfigNumber": "30",
}


# --- rendering ------------------------------------------------------------------------------


def render_today(customer: Customer) -> bytes:
    return orjson.dumps(customer_json(customer))


class PartnerCustomerStruct(msgspec.Struct):
    customer_id: int
    name: str
    external_customer_id: int | None
    external_customer_code: str | None
    created_at: str | None
    created_by: str | None
    modified_at: str | None
    modified_by: str | None


_ENCODER = msgspec.json.Encoder()


def render_msgspec(customer: Customer) -> bytes:
    return _ENCODER.encode(
        PartnerCustomerStruct(
            customer.customer_id,
            customer.name,
            customer.external_id,
            customer.code,
            timestamp(customer.created_at),
            customer.created_by,
            timestamp(customer.modified_at),
            customer.modified_by,
        )
    )


class PartnerCustomerModel(pydantic.BaseModel):
    customer_id: int
    name: str
    external_customer_id: int | None
    external_customer_code: str | None
    created_at: str | None
    created_by: str | None
    modified_at: str | None
    modified_by: str | None


def render_pydantic(customer: Customer) -> bytes:
    return (
        PartnerCustomerModel(
            customer_id=customer.customer_id,
            name=customer.name,
            external_customer_id=customer.external_id,
            external_customer_code=customer.code,
            created_at=timestamp(customer.created_at),
            created_by=customer.created_by,
            modified_at=timestamp(customer.modified_at),
            modified_by=customer.modified_by,
        )
        .model_dump_json(round_trip=False)
        .encode()
    )


# --- parsing --------------------------------------------------------------------------------


def parse_today(form: dict[str, str]) -> dict[str, Any]:
    return convert(form, CUSTOMER_PARAMETERS, required=("reference", "name"))


def _meta(**constraints: Any) -> msgspec.Meta:
    return msgspec.Meta(**constraints)


# The sales names are camelCase; the two references are renamed outright.
_SALES_NAMES = {
    "code": "reference",
    "secondary_code": "reference2",
    "active": "isActive",
    "credit_limit": "creditLimit",
    "due_date_config_number": "dueDateConfigNumber",
}


class SalesFormStruct(msgspec.Struct, rename=_SALES_NAMES):
    code: Annotated[str, _meta(max_length=64)]
    name: Annotated[str, _meta(max_length=255)]
    secondary_code: str | None = None
    email: str | None = None
    phone: str | None = None
    active: bool | None = None
    credit_limit: float | None = None
    latitude: Annotated[float, _meta(ge=-90, le=90)] | None = None
    longitude: Annotated[float, _meta(ge=-180, le=180)] | None = None
    due_date_config_number: Annotated[int, _meta(ge=0, le=3650)] | None = None


def parse_msgspec(form: dict[str, str]) -> SalesFormStruct:
    return msgspec.convert(form, SalesFormStruct, strict=False)


class SalesFormModel(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(alias_generator=lambda name: _SALES_NAMES.get(name, name))

    code: Annotated[str, pydantic.Field(max_length=64)]
    name: Annotated[str, pydantic.Field(max_length=255)]
    secondary_code: str | None = None
    email: str | None = None
    phone: str | None = None
    active: bool | None = None
    credit_limit: float | None = None
    latitude: Annotated[float, pydantic.Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, pydantic.Field(ge=-180, le=180)] | None = None
    due_date_config_number: Annotated[int, pydantic.Field(ge=0, le=3650)] | None = None


def parse_pydantic(form: dict[str, str]) -> SalesFormModel:
    return SalesFormModel.model_validate(form)


# --- the measurement ------------------------------------------------------------------------


def _best_microseconds(work: Callable[[], object], number: int = 50_000) -> float:
    return min(timeit.repeat(work, number=number, repeat=7)) / number * 1e6


def main() -> None:
    assert (
        orjson.loads(render_today(CUSTOMER))
        == orjson.loads(render_msgspec(CUSTOMER))
        == orjson.loads(render_pydantic(CUSTOMER))
    )
    assert parse_msgspec(FORM).credit_limit == parse_pydantic(FORM).credit_limit == 1500.5
    rows: list[tuple[str, Callable[[], object]]] = [
        ("render a partner customer: today", lambda: render_today(CUSTOMER)),
        ("                           msgspec", lambda: render_msgspec(CUSTOMER)),
        ("                           pydantic", lambda: render_pydantic(CUSTOMER)),
        ("parse a sales form: today", lambda: parse_today(FORM)),
        ("                    msgspec", lambda: parse_msgspec(FORM)),
        ("                    pydantic", lambda: parse_pydantic(FORM)),
    ]
    for label, work in rows:
        print(f"{label:40} {_best_microseconds(work):6.2f} µs")


if __name__ == "__main__":
    main()

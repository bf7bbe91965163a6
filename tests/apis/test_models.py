"""The model declarations every API derives its names, readers and response schemas from."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

import msgspec
import msgspec.inspect as mi
import pytest

from customer_registry.apis import openapi as oa
from customer_registry.apis.models import (
    core_names,
    described,
    filters,
    keys,
    meanings,
    readers,
    response_schema,
    shows,
)

_Id = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class _Link(msgspec.Struct):
    id: _Id
    name: str | None


def _country(value: object) -> object:
    return value


class _Sample(msgspec.Struct):
    id: Annotated[_Id, shows("customer_id")]
    city: Annotated[str | None, shows("city")]
    active: Annotated[bool, shows("active")]
    seen: Annotated[str | None, msgspec.Meta(extra_json_schema={"format": "date-time"})]
    country: Annotated[str | None, shows("country", reads=_country)]
    postcode: Annotated[str | None, shows("postal_code", sent_as=("postcode", "zip"))]
    region: _Link | None
    links: list[_Link]


def test_keys_keep_the_model_order_and_say_what_each_shows() -> None:
    found = keys(_Sample)
    assert [key.name for key in found] == [
        "id",
        "city",
        "active",
        "seen",
        "country",
        "postcode",
        "region",
        "links",
    ]
    assert [key.core for key in found] == [
        "customer_id",
        "city",
        "active",
        None,
        "country",
        "postal_code",
        None,
        None,
    ]
    assert [key.nullable for key in found] == [False, True, False, True, True, True, True, False]
    assert core_names(_Sample) == {
        "id": "customer_id",
        "city": "city",
        "active": "active",
        "country": "country",
        "postcode": "postal_code",
    }


def test_readers_come_from_the_type_unless_the_key_names_one() -> None:
    found = readers(_Sample, {mi.StrType: str, mi.BoolType: bool})
    assert found == {
        "city": ("city", str),
        "active": ("active", bool),
        "country": ("country", _country),
        "postcode": ("postal_code", str),
        "zip": ("postal_code", str),
    }


def test_the_response_schema_states_every_key_with_its_nullability_and_bounds() -> None:
    schema = response_schema(_Sample)
    link = oa.record({"id": oa.ID, "name": oa.string()})
    assert schema == oa.record(
        {
            "id": oa.ID,
            "city": oa.string(),
            "active": oa.boolean(nullable=False),
            "seen": oa.timestamp(),
            "country": oa.string(),
            "postcode": oa.string(),
            "region": oa.record({"id": oa.ID, "name": oa.string()}, nullable=True),
            "links": oa.array(link),
        }
    )


def test_a_key_shown_only_is_never_read_and_a_key_may_be_left_out_of_filters() -> None:
    class Shown(msgspec.Struct):
        id: Annotated[_Id, shows("customer_id", sent=False)]
        category: Annotated[int | None, shows("category_id", sent_as=("categoryId",))]
        comment: Annotated[str | None, shows("comment", filtered=False)]
        seen: Annotated[str | None, shows("created_at", sent=False, filtered=False)]
        balance: float | None

    assert [key.sent_as for key in keys(Shown)] == [
        (),
        ("categoryId",),
        ("comment",),
        (),
        ("balance",),
    ]
    assert readers(Shown, {mi.StrType: str, mi.IntType: int}) == {
        "categoryId": ("category_id", int),
        "comment": ("comment", str),
    }
    assert filters(Shown) == {"id": "customer_id", "categoryId": "category_id"}


def test_a_key_of_two_types_is_refused() -> None:
    class Mixed(msgspec.Struct):
        value: int | str

    with pytest.raises(TypeError):
        keys(Mixed)


def test_a_constant_key_is_documented_as_its_value_and_keeps_its_default() -> None:
    class Constants(msgspec.Struct, kw_only=True):
        id: Annotated[_Id, shows("customer_id")]
        never: None = None
        one: Literal[1] = 1
        kind: Annotated[Literal["a", "b"], msgspec.Meta(extra_json_schema={"description": "d"})]

    assert [key.default for key in keys(Constants)] == [
        msgspec.NODEFAULT,
        None,
        1,
        msgspec.NODEFAULT,
    ]
    assert response_schema(Constants)["properties"] == {
        "id": oa.ID,
        "never": oa.NULL,
        "one": oa.integer(nullable=False, enum=[1]),
        "kind": oa.string(nullable=False, enum=["a", "b"], description="d"),
    }


def test_an_api_describes_the_values_of_a_type_its_own_way() -> None:
    class Timed(msgspec.Struct):
        at: Annotated[datetime, shows("created_at")] | None
        name: Annotated[str, msgspec.Meta(max_length=9)]
        region: _Link | None

    def text(kind: mi.StrType, nullable: bool) -> oa.Schema:
        return oa.string(nullable=nullable, maxLength=kind.max_length)

    schema = response_schema(
        Timed,
        by_type={
            mi.DateTimeType: lambda _, nullable: oa.timestamp(nullable=nullable),
            mi.StrType: text,
        },
    )
    assert schema == oa.record(
        {
            "at": oa.timestamp(),
            "name": oa.string(nullable=False, maxLength=9),
            "region": oa.record({"id": oa.ID, "name": oa.string(maxLength=None)}, nullable=True),
        }
    )


# A type that says what its values are (as the billing API's flags do).
_Flag = Annotated[int, msgspec.Meta(extra_json_schema={"enum": [0, 1], "description": "1 or 0"})]


def test_a_key_says_what_it_means_once_for_its_answers_and_its_parameters() -> None:
    """The meaning goes before what the type says of its values (a flag's 1 or 0), with the
    key's example; a parameter sent by another name takes the same words; the model's
    `ABOUT` describes its objects."""

    class Described(msgspec.Struct):
        ABOUT: ClassVar[str] = "A thing"
        active: Annotated[_Flag, shows("active", "Whether it is", example=1)]
        region: Annotated[
            int | None, shows("region_id", "Its region", sent_as=("regionId",), example=3)
        ]
        kept: Annotated[None, described("Not kept here")] = None

    schema = response_schema(Described)
    assert schema["description"] == "A thing"
    active = schema["properties"]["active"]
    assert active["description"] == f"Whether it is{oa.MEANING_SEPARATOR}1 or 0"
    assert (active["enum"], active["example"]) == ([0, 1], 1)
    assert schema["properties"]["region"]["example"] == 3
    assert schema["properties"]["kept"]["description"] == "Not kept here"
    assert meanings(Described) == {
        "active": "Whether it is",
        "region": "Its region",
        "regionId": "Its region",
        "kept": "Not kept here",
    }
    assert [key.core for key in keys(Described)] == ["active", "region_id", None]

"""One declaration per API resource: a msgspec Struct whose fields are the keys the API shows,
in its order, each typed as the API shows it and annotated with the core field behind it.

From a model come the API's names for core fields (for parameters, filters and messages),
the order and types of what it renders, and the response schema of its OpenAPI document
(`response_schema`); a key that a client may also send is read with the API's reader for
its type, unless the annotation names another (`shows(core, reads=…)`).

    class Customer(msgspec.Struct):
        id: Annotated[int, shows("customer_id")]
        billingCity: Annotated[str | None, shows("city")]
        balance: float | None  # shown, never kept: no core field
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
import msgspec.inspect as mi

from customer_registry.apis import openapi as oa

_CORE = "core"
_READS = "reads"
_SENT_AS = "sent_as"
_SENT = "sent"
_FILTERED = "filtered"
# A key's meaning, in the original documents' words: kept in `extra` rather than msgspec's
# own `description` so that it joins, not replaces, what the key's type says of its values
# (a time's format, a flag's 1 or 0).
_ABOUT = "about"
# What a model's objects are, for readers of the documents: a class variable of the model
# (`ABOUT: ClassVar[str] = "A customer of the entity"`), the description of its schema.
ABOUT = "ABOUT"
_EXAMPLE = "example"


def shows(
    core: str,
    about: str | None = None,
    *,
    example: object = msgspec.UNSET,
    reads: object = None,
    sent_as: tuple[str, ...] = (),
    sent: bool = True,
    filtered: bool = True,
) -> msgspec.Meta:
    """The annotation of a key showing core field `core`, and what it means (`about`, with
    an `example` value: the documents' words and values, where they give some). `reads`
    replaces the reader the API would choose by the key's type (a country, an id that may be
    a reference…); `sent_as` are the names a client sends the field by, where they are not
    the key's own (a record that shows `customerCategory` but takes `categoryId`).
    `sent=False`: shown only, never read from a client (an id, a timestamp);
    `filtered=False`: not among what a list may filter and sort on."""
    extra: dict[str, object] = {_CORE: core, **_meaning(about, example)}
    if reads is not None:
        extra[_READS] = reads
    if sent_as:
        extra[_SENT_AS] = sent_as
    if not sent:
        extra[_SENT] = False
    if not filtered:
        extra[_FILTERED] = False
    return msgspec.Meta(extra=extra)


def described(about: str | None, *, example: object = msgspec.UNSET) -> msgspec.Meta:
    """The annotation of what a key means (and an example value), for a key no core field
    fills (one the registry does not keep)."""
    return msgspec.Meta(extra=_meaning(about, example))


def _meaning(about: str | None, example: object) -> dict[str, object]:
    found: dict[str, object] = {}
    if about is not None:
        found[_ABOUT] = about
    if example is not msgspec.UNSET:
        found[_EXAMPLE] = example
    return found


def explained(meaning: str | None, schema: oa.Schema) -> oa.Schema:
    """`schema` with `meaning` before what it says of its values (`oa.explain`)."""
    if meaning is None:
        return schema
    return {**schema, "description": oa.explain(meaning, schema.get("description"))}


@dataclass(frozen=True, slots=True)
class Key:
    """One key of a model, as the API's modules use it."""

    name: str  # the API's name
    core: str | None  # the core field it shows; None for a key the registry does not keep
    type: mi.Type  # without None and without its annotations
    nullable: bool
    reads: object  # the reader `shows` named, or None: the API's reader for `type`
    sent_as: tuple[str, ...]  # the names a client sends it by; () if never sent
    filtered: bool  # whether a list may filter and sort on it (a key that shows a core field)
    # The model's default (msgspec.NODEFAULT: none): what is shown of a key no core field fills.
    default: object = msgspec.NODEFAULT
    about: str | None = None  # what it means, in the documents' words
    example: object = msgspec.UNSET

    def explain(self, schema: oa.Schema) -> oa.Schema:
        """`schema` (the key's values, as shown or as sent) with the key's meaning and
        example."""
        found = explained(self.about, schema)
        if self.example is not msgspec.UNSET and "example" not in schema:
            found["example"] = self.example
        return found


def keys(model: type[msgspec.Struct]) -> tuple[Key, ...]:
    """The model's keys, in its order."""
    return tuple(_key(field) for field in _struct(model).fields)


def core_names(model: type[msgspec.Struct]) -> dict[str, str]:
    """API name -> core field, for the keys that show one."""
    return {key.name: key.core for key in keys(model) if key.core is not None}


def readers(
    model: type[msgspec.Struct], by_type: Mapping[type[mi.Type], Callable[[Any], Any]]
) -> dict[str, tuple[str, object]]:
    """Sent name -> (core field, reader) for each key a client may send, by each name it is
    sent as: the keys that show a core field and have a reader (the annotation's, or
    `by_type`'s for the key's type). In the model's order."""
    found: dict[str, tuple[str, object]] = {}
    for key in keys(model):
        reader = key.reads if key.reads is not None else by_type.get(type(key.type))
        if key.core is not None and reader is not None:
            found |= dict.fromkeys(key.sent_as, (key.core, reader))
    return found


def meanings(model: type[msgspec.Struct]) -> dict[str, str]:
    """Name -> what the key means, by the key's name and each name it is sent by: the words a
    parameter or a filter named after a key takes from it."""
    found: dict[str, str] = {}
    for key in keys(model):
        if key.about is not None:
            found |= dict.fromkeys((key.name, *key.sent_as), key.about)
    return found


def filters(model: type[msgspec.Struct]) -> dict[str, str]:
    """Name -> core field, for each key a list may filter and sort on, by each name it is
    sent as (its own, if never sent). In the model's order."""
    found: dict[str, str] = {}
    for key in keys(model):
        if key.core is not None and key.filtered:
            found |= dict.fromkeys(key.sent_as or (key.name,), key.core)
    return found


# An API's own schema for values of one msgspec type: (the type, nullable) -> schema.
Describe = Callable[[Any, bool], oa.Schema]


def response_schema(
    model: type[msgspec.Struct],
    *,
    nullable: bool = False,
    by_type: Mapping[type[mi.Type], Describe] | None = None,
) -> oa.Schema:
    """The OpenAPI 3.0 schema of the model as rendered: every key present, null where the
    type allows it, with the bounds and formats its annotations state. `by_type` describes
    the values of some types the API's own way (how it writes a time, a text's length…)."""
    return _schema(_struct(model), nullable=nullable, by_type=by_type or {})


def dict_display(
    items: Iterable[tuple[str, str]], names: Mapping[str, object] | None = None
) -> Callable[[Any], dict[str, Any]]:
    """`record -> {key: expression, …}` for `items` (each key with a Python expression over
    `record`, which may call `names`), compiled once into the dict display one would write
    by hand. Rendering runs it for every object of every answer: a loop over the keys, or
    `dict(zip(keys, attrgetter(…)(record)))`, costs a quarter to three times more per record.
    The keys are written as literals; the expressions come from the models' core names."""
    shown = ", ".join(f"{key!r}: {expression}" for key, expression in items)
    namespace: dict[str, Any] = dict(names or {})
    exec(f"def display(record):\n    return {{{shown}}}\n", namespace)  # noqa: S102
    display: Callable[[Any], dict[str, Any]] = namespace["display"]
    return display


def attribute(name: str, *, of: str = "record") -> str:
    """The expression reading attribute `name` of `of`, for `dict_display` (checked: a name
    that is no identifier could be any code)."""
    if not name.isidentifier():
        raise ValueError(f"{name!r} cannot name an attribute")
    return f"{of}.{name}"


# --- reading msgspec's description of a type ---------------------------------------------


def _struct(model: type[msgspec.Struct]) -> mi.StructType:
    info = mi.type_info(model)
    if not isinstance(info, mi.StructType):
        raise TypeError(f"{model!r} is not a msgspec Struct")
    return info


def _key(field: mi.Field) -> Key:
    kind, nullable, extra = _unwrap(field.type)
    core = extra.get(_CORE)
    return Key(
        name=field.encode_name,
        core=core if isinstance(core, str) else None,
        type=kind,
        nullable=nullable,
        reads=extra.get(_READS),
        sent_as=_sent_as(field.encode_name, extra),
        filtered=isinstance(core, str) and extra.get(_FILTERED, True),
        default=field.default,
        about=extra.get(_ABOUT),
        example=extra.get(_EXAMPLE, msgspec.UNSET),
    )


def _sent_as(name: str, extra: dict[str, Any]) -> tuple[str, ...]:
    if extra.get(_SENT, True) is False:
        return ()
    return tuple(extra.get(_SENT_AS, ())) or (name,)


def _unwrap(kind: mi.Type) -> tuple[mi.Type, bool, dict[str, Any]]:
    """The type without None and annotations; whether None is allowed; the annotations'
    `extra`, outermost last."""
    nullable, extra = False, dict[str, Any]()
    while True:
        if isinstance(kind, mi.Metadata):
            extra = {**(kind.extra or {}), **extra}
            kind = kind.type
        elif isinstance(kind, mi.UnionType):
            others = [t for t in kind.types if not isinstance(t, mi.NoneType)]
            nullable = nullable or len(others) < len(kind.types)
            if len(others) != 1:
                raise TypeError(f"a key has one type besides None, not {kind!r}")
            kind = others[0]
        else:
            return kind, nullable, extra


def _schema(
    kind: mi.Type, *, nullable: bool = False, by_type: Mapping[type[mi.Type], Describe]
) -> oa.Schema:
    more: dict[str, Any] = {}
    about: dict[str, Any] = {}
    while isinstance(kind, mi.Metadata | mi.UnionType):
        if isinstance(kind, mi.Metadata):
            more |= kind.extra_json_schema or {}  # a description, a format…
            about = {**(kind.extra or {}), **about}  # the outermost's words win
            kind = kind.type
        else:
            others = [t for t in kind.types if not isinstance(t, mi.NoneType)]
            nullable = nullable or len(others) < len(kind.types)
            (kind,) = others
    describe = by_type.get(type(kind))
    base = describe(kind, nullable) if describe is not None else _base(kind, nullable, by_type)
    found = explained(about.get(_ABOUT), {**base, **more})
    if _EXAMPLE in about:
        found["example"] = about[_EXAMPLE]
    return found


def _base(kind: mi.Type, nullable: bool, by_type: Mapping[type[mi.Type], Describe]) -> oa.Schema:
    if isinstance(kind, mi.StrType):
        return oa.string(nullable=nullable)
    if isinstance(kind, mi.BoolType):
        return oa.boolean(nullable=nullable)
    if isinstance(kind, mi.IntType):
        bounds = {"minimum": kind.ge, "maximum": kind.le}
        return oa.integer(nullable=nullable, **{k: v for k, v in bounds.items() if v is not None})
    if isinstance(kind, mi.FloatType):
        return oa.number(nullable=nullable)
    if isinstance(kind, mi.NoneType):  # a key always shown null
        return dict(oa.NULL)
    if isinstance(kind, mi.LiteralType):  # a key always shown as one of these values
        base = _base(_literal_type(kind.values), nullable, by_type)
        return {**base, "enum": list(kind.values)}
    if isinstance(kind, mi.ListType):
        return oa.array(_schema(kind.item_type, by_type=by_type))
    if isinstance(kind, mi.StructType):
        properties = {f.encode_name: _schema(f.type, by_type=by_type) for f in kind.fields}
        found = oa.record(properties, nullable=nullable)
        about = getattr(kind.cls, ABOUT, None)
        return found if about is None else {**found, "description": about}
    raise TypeError(f"no OpenAPI schema for {kind!r}")


def _literal_type(values: tuple[object, ...]) -> mi.Type:
    if all(isinstance(value, str) for value in values):
        return mi.StrType()
    if all(isinstance(value, int) for value in values):
        return mi.IntType()
    raise TypeError(f"a literal of one type, not {values!r}")

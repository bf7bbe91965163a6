"""Administration in the console: users (their level, visibility, password, disabling),
their API keys, entities, the sales catalogues and the billing brands, through the core."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from customer_registry.apis.context import context
from customer_registry.auth import tokens
from customer_registry.console import forms
from customer_registry.console.access import console_page
from customer_registry.console.forms import label, typed
from customer_registry.console.pages import page, path_id, redirect
from customer_registry.core import brands, catalogues, entities, users
from customer_registry.core.errors import (
    DomainError,
    InUse,
    Invalid,
    NotFound,
    NotUnique,
    missing,
)
from customer_registry.core.fields import (
    Kind,
    NotAnInteger,
    NotANumber,
    parse_integer,
)
from customer_registry.core.permissions import Caller, Level, Visibility
from customer_registry.core.query import ListQuery, Order, PageRequest

_LISTED = PageRequest(per_page=500)  # an administration page lists this many at most


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _problems(error: DomainError) -> dict[str, str]:
    """A refusal as messages by field (`""`: the form's), with the form's labels."""
    if isinstance(error, Invalid):
        return {k: m.replace("{field}", label(k)) for k, m in error.errors.items()}
    if isinstance(error, NotUnique):
        return {error.field: f"This {label(error.field).lower()} is already taken."}
    return {"": str(error)}


# --- users and their keys -------------------------------------------------------------------


def _grantable(caller: Caller) -> dict[str, Any]:
    """The levels and visibilities the caller may give (no more than their own)."""
    visibilities = list(Visibility) if caller.sees_all_entities else [Visibility.ENTITY]
    return {
        "levels": [level for level in Level if level <= caller.level],
        "visibilities": visibilities,
    }


async def _users_page(
    request: Request, caller: Caller, *, status: int = 200, **values: Any
) -> Response:
    async with context(request).db.read() as conn:
        found = await users.list_page(conn, caller, ListQuery(), _LISTED)
        choices = await entities.list_page(conn, caller, ListQuery(), _LISTED)
    values.setdefault("problems", {})
    values.setdefault("typed", {})
    return page(
        request,
        "users.html",
        caller,
        status=status,
        users=found.items,
        entity_choices=choices.items,
        **_grantable(caller),
        **values,
    )


@console_page(Level.SYSTEM)
async def list_users(request: Request, caller: Caller) -> Response:
    return await _users_page(request, caller)


@console_page(Level.SYSTEM)
async def create_user(request: Request, caller: Caller) -> Response:
    form = await request.form()
    typed = {
        name: _text(form, name)
        for name in ("username", "display_name", "level", "visibility", "entity_id")
    }
    try:
        level, visibility = Level[typed["level"]], Visibility(typed["visibility"])
    except (KeyError, ValueError):
        raise Invalid({"level": "{field} must be one of the listed."}) from None
    try:
        entity_id = parse_integer(typed["entity_id"], blank=True)
    except NotAnInteger:
        raise Invalid({"entity_id": "{field} must be one of the listed."}) from None
    try:
        async with context(request).db.write() as conn:
            user = await users.create(
                conn,
                caller,
                username=typed["username"],
                password=_text(form, "password"),
                level=level,
                visibility=visibility,
                entity_id=entity_id or caller.entity_id,
                display_name=typed["display_name"] or None,
            )
    except (Invalid, NotUnique) as error:
        return await _users_page(
            request, caller, status=422, problems=_problems(error), typed=typed
        )
    return redirect(request, f"/users/{user.user_id}")


async def _user_page(
    request: Request,
    caller: Caller,
    user_id: int,
    *,
    status: int = 200,
    **values: Any,
) -> Response:
    async with context(request).db.read() as conn:
        user = await users.manageable(conn, caller, user_id)
        keys = await tokens.api_keys(conn, user_id)
    values.setdefault("problems", {})
    values.setdefault("new_key", None)
    return page(
        request,
        "user.html",
        caller,
        status=status,
        user=user,
        keys=keys,
        **_grantable(caller),
        **values,
    )


@console_page(Level.SYSTEM)
async def show_user(request: Request, caller: Caller) -> Response:
    return await _user_page(request, caller, path_id(request, "user_id", "user"))


@console_page(Level.SYSTEM)
async def change_user(request: Request, caller: Caller) -> Response:
    """One of the user page's forms: access (level and visibility), disabled, password."""
    user_id = path_id(request, "user_id", "user")
    form = await request.form()
    changes: dict[str, Any] = {}
    try:
        if "level" in form:
            changes["level"] = Level[_text(form, "level")]
            changes["visibility"] = Visibility(_text(form, "visibility"))
        if "disabled" in form:
            changes["disabled"] = _text(form, "disabled") == "yes"
        if "password" in form:
            changes["password"] = _text(form, "password")
    except (KeyError, ValueError):
        raise Invalid({"level": "{field} must be one of the listed."}) from None
    try:
        async with context(request).db.write() as conn:
            await users.change(conn, caller, user_id, **changes)
    except Invalid as error:
        return await _user_page(request, caller, user_id, status=422, problems=_problems(error))
    return redirect(request, f"/users/{user_id}")


@console_page(Level.SYSTEM)
async def create_key(request: Request, caller: Caller) -> Response:
    """A new API key for the user, shown once on this page (never in a URL, never again)."""
    user_id = path_id(request, "user_id", "user")
    form = await request.form()
    days = _text(form, "days").strip()
    if days and not (days.isdigit() and 0 < int(days) <= 3650):
        return await _user_page(
            request, caller, user_id, status=422, problems={"days": "Days must be 1 to 3650."}
        )
    async with context(request).db.write() as conn:
        user = await users.manageable(conn, caller, user_id)
        issued = await tokens.issue(
            conn,
            user.user_id,
            idle_seconds=None,
            lifetime_seconds=int(days) * 86400 if days else None,
        )
    return await _user_page(request, caller, user_id, new_key=issued)


@console_page(Level.SYSTEM)
async def revoke_key(request: Request, caller: Caller) -> Response:
    user_id = path_id(request, "user_id", "user")
    token_id = path_id(request, "token_id", "API key")
    async with context(request).db.write() as conn:
        await users.manageable(conn, caller, user_id)
        await tokens.revoke_api_key(conn, user_id, token_id)
    context(request).authenticator.forget_id(token_id)
    return redirect(request, f"/users/{user_id}")


# --- entities -------------------------------------------------------------------------------


async def _entities_page(
    request: Request, caller: Caller, *, status: int = 200, **values: Any
) -> Response:
    async with context(request).db.read() as conn:
        found = await entities.list_page(
            conn, caller, ListQuery(order_by=(Order("name"),)), _LISTED
        )
    values.setdefault("problems", {})
    return page(request, "entities.html", caller, status=status, entities=found.items, **values)


@console_page(Level.ADMIN)
async def list_entities(request: Request, caller: Caller) -> Response:
    return await _entities_page(request, caller)


@console_page(Level.SYSTEM)
async def create_entity(request: Request, caller: Caller) -> Response:
    name = _text(await request.form(), "name")
    try:
        async with context(request).db.write() as conn:
            await entities.create(conn, caller, {"name": name})
    except (Invalid, NotUnique) as error:
        return await _entities_page(request, caller, status=422, problems=_problems(error))
    return redirect(request, "/entities")


# An entity's form: its text fields and its company flag as a box; `financier` may also be
# unknown (None), so a box (always true or false) cannot show it: a choice of three.
_ENTITY_FIELDS = {
    "name": Kind.TEXT,
    "tariff": Kind.TEXT,
    "geic": Kind.TEXT,
    "bboxx_company_flag": Kind.BOOL,
}
_FINANCIER = {"": None, "yes": True, "no": False}


def _entity_values(entity: entities.Entity) -> dict[str, Any]:
    """The entity's values of its form's fields."""
    return {name: getattr(entity, name) for name in (*_ENTITY_FIELDS, "financier")}


def _entity_form(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    values, problems = _typed(_ENTITY_FIELDS, form)
    if "financier" in form:
        chosen = _text(form, "financier")
        if chosen in _FINANCIER:
            values["financier"] = _FINANCIER[chosen]
        else:
            problems["financier"] = f"{label('financier')} must be one of the listed."
    return values, problems


def _entity_page(
    request: Request,
    caller: Caller,
    entity: entities.Entity,
    *,
    status: int = 200,
    **values: Any,
) -> Response:
    values.setdefault("problems", {})
    values.setdefault("values", _entity_values(entity))
    return page(request, "entity.html", caller, status=status, entity=entity, **values)


async def _entity(request: Request, caller: Caller) -> entities.Entity:
    """The entity the path names, if the caller sees it (NotFound: the 404 page)."""
    entity_id = path_id(request, "entity_id", "entity")
    async with context(request).db.read() as conn:
        return await entities.get(conn, caller, entity_id)


@console_page(Level.SYSTEM)
async def edit_entity(request: Request, caller: Caller) -> Response:
    return _entity_page(request, caller, await _entity(request, caller))


@console_page(Level.SYSTEM)
async def update_entity(request: Request, caller: Caller) -> Response:
    """The partner API's update (PUT, SYSTEM) with the fields the operator changed (an
    ENTITY user's form keeps the name and geic as they are: only GLOBAL users change them)."""
    entity = await _entity(request, caller)
    form = await request.form()
    values, problems = _entity_form(form)
    try:
        if problems:
            raise Invalid(problems)
        async with context(request).db.write() as conn:
            changed = forms.for_update(values, _as_read(_entity_values(entity)))
            await entities.update(conn, caller, entity.entity_id, changed)
    except (Invalid, NotUnique) as error:
        return _entity_page(
            request, caller, entity, status=422, problems=_problems(error), values=_sent(form)
        )
    return redirect(request, "/entities")


# --- the sales catalogues and the billing brands ---------------------------------------------


@dataclass(frozen=True, slots=True)
class _Kind:
    """One catalogue as the console shows it: its path, title and the fields of its form."""

    path: str
    title: str
    catalogue: catalogues.Catalogue[Any]

    @property
    def fields(self) -> dict[str, Kind]:
        return {
            "reference": Kind.TEXT,
            "name": Kind.TEXT,
            **{name: attribute.kind for name, attribute in self.catalogue.fields.items()},
        }


CATALOGUES = {
    kind.path: kind
    for kind in (
        _Kind("categories", "Customer categories", catalogues.CUSTOMER_CATEGORIES),
        _Kind("segmentations", "Customer segmentations", catalogues.CUSTOMER_SEGMENTATIONS),
        _Kind("payment-types", "Payment types", catalogues.CUSTOMER_PAYMENT_TYPES),
        _Kind("regions", "Regions", catalogues.CUSTOMER_REGIONS),
        _Kind("currencies", "Currencies", catalogues.CUSTOMER_CURRENCIES),
    )
}


def _catalogue(request: Request) -> _Kind:
    found = CATALOGUES.get(request.path_params["catalogue"])
    if found is None:
        raise missing("catalogue", "name", request.path_params["catalogue"])
    return found


def _as_read(current: Mapping[str, Any]) -> dict[str, Any]:
    """Stored values as `_typed` would read them back from their form (text stripped): a
    value stored with spaces around it (the APIs keep them), or empty, is not changed by a save that
    left its field alone, and a read-only field left alone is not sent."""
    return {name: (v.strip() or None) if isinstance(v, str) else v for name, v in current.items()}


def _typed(fields: Mapping[str, Kind], form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's values in the core's types (empty: None; a box: true or false; a field the
    form did not have: left out, as in `forms.read`). A create sends the filled ones
    (`forms.for_create`), an edit the changed ones (`forms.for_update`)."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, kind in fields.items():
        raw = _text(form, name).strip()
        if kind is Kind.BOOL:
            values[name] = raw == "on"
            continue
        if name not in form:
            continue
        try:
            values[name] = typed(kind, raw)
        except (NotAnInteger, NotANumber):
            problems[name] = f"{label(name)} must be a number."
    return values, problems


async def _catalogue_page(
    request: Request, caller: Caller, kind: _Kind, *, status: int = 200, **values: Any
) -> Response:
    async with context(request).db.read() as conn:
        found = await catalogues.list_page(
            conn, caller, kind.catalogue, ListQuery(order_by=(Order("reference"),)), _LISTED
        )
    values.setdefault("problems", {})
    values.setdefault("values", {})
    return page(
        request,
        "catalogue.html",
        caller,
        status=status,
        kind=kind,
        kinds=CATALOGUES.values(),
        items=found.items,
        labels={name: label(name) for name in kind.fields},
        **values,
    )


@console_page(Level.ADMIN, own_entity=True)
async def list_catalogue(request: Request, caller: Caller) -> Response:
    return await _catalogue_page(request, caller, _catalogue(request))


@console_page(Level.ADMIN, own_entity=True)
async def create_in_catalogue(request: Request, caller: Caller) -> Response:
    kind = _catalogue(request)
    form = await request.form()
    values, problems = _typed(kind.fields, form)
    try:
        if problems:
            raise Invalid(problems)
        async with context(request).db.write() as conn:
            await catalogues.create(conn, caller, kind.catalogue, forms.for_create(values))
    except (Invalid, NotUnique, NotFound) as error:  # NotFound: the parent or currency named
        return await _catalogue_page(
            request, caller, kind, status=422, problems=_problems(error), values=_sent(form)
        )
    return redirect(request, f"/catalogues/{kind.path}")


def _sent(form: FormData) -> dict[str, str]:
    """A refused form's text as it was typed, to show it again (a box: ticked or not)."""
    return {name: value for name, value in form.items() if isinstance(value, str)}


def _current(item: catalogues.Item[Any]) -> dict[str, Any]:
    """The object's values of its form's fields."""
    return {"reference": item.reference, "name": item.name, **msgspec.structs.asdict(item.extra)}


def _item_page(
    request: Request,
    caller: Caller,
    kind: _Kind,
    item: catalogues.Item[Any],
    *,
    status: int = 200,
    **values: Any,
) -> Response:
    values.setdefault("problems", {})
    values.setdefault("values", _current(item))
    return page(
        request,
        "catalogue_item.html",
        caller,
        status=status,
        kind=kind,
        item=item,
        labels={name: label(name) for name in kind.fields},
        **values,
    )


async def _item(request: Request, caller: Caller, kind: _Kind) -> catalogues.Item[Any]:
    """The object the path names (NotFound: the 404 page)."""
    key = path_id(request, "item_id", kind.catalogue.kind)
    async with context(request).db.read() as conn:
        return await catalogues.get(conn, kind.catalogue, caller.scope, key)


@console_page(Level.ADMIN, own_entity=True)
async def edit_in_catalogue(request: Request, caller: Caller) -> Response:
    kind = _catalogue(request)
    return _item_page(request, caller, kind, await _item(request, caller, kind))


@console_page(Level.ADMIN, own_entity=True)
async def update_in_catalogue(request: Request, caller: Caller) -> Response:
    """The sales API's update (PUT/PATCH) with the fields the operator changed: an unchanged
    field is not sent, as an API client would not send it, so the rules that look at what is
    sent (a currency made the default, a region's level) see only what the operator meant."""
    kind = _catalogue(request)
    item = await _item(request, caller, kind)
    form = await request.form()
    values, problems = _typed(kind.fields, form)
    try:
        if problems:
            raise Invalid(problems)
        async with context(request).db.write() as conn:
            changed = forms.for_update(values, _as_read(_current(item)))
            await catalogues.update(conn, caller, kind.catalogue, item.id, changed)
    except (Invalid, NotUnique, NotFound) as error:  # NotFound: the parent or currency named
        return _item_page(
            request, caller, kind, item, status=422, problems=_problems(error), values=_sent(form)
        )
    return redirect(request, f"/catalogues/{kind.path}")


@console_page(Level.SYSTEM, own_entity=True)
async def delete_from_catalogue(request: Request, caller: Caller) -> Response:
    kind = _catalogue(request)
    key = path_id(request, "item_id", kind.catalogue.kind)
    try:
        async with context(request).db.write() as conn:
            await catalogues.delete(conn, caller, kind.catalogue, key)
    except InUse as error:
        return await _catalogue_page(request, caller, kind, status=409, problems=_problems(error))
    return redirect(request, f"/catalogues/{kind.path}")


async def _brands_page(
    request: Request, caller: Caller, *, status: int = 200, **values: Any
) -> Response:
    async with context(request).db.read() as conn:
        found = await brands.list_page(conn, caller, ListQuery(order_by=(Order("name"),)), _LISTED)
    values.setdefault("problems", {})
    return page(request, "brands.html", caller, status=status, brands=found.items, **values)


@console_page(Level.ADMIN, own_entity=True)
async def list_brands(request: Request, caller: Caller) -> Response:
    return await _brands_page(request, caller)


@console_page(Level.ADMIN, own_entity=True)
async def create_brand(request: Request, caller: Caller) -> Response:
    name = _text(await request.form(), "name").strip()
    try:
        async with context(request).db.write() as conn:
            await brands.create(conn, caller, {"name": name or None})
    except (Invalid, NotUnique) as error:
        return await _brands_page(request, caller, status=422, problems=_problems(error))
    return redirect(request, "/brands")


def _brand_page(
    request: Request, caller: Caller, brand: brands.Brand, *, status: int = 200, **values: Any
) -> Response:
    values.setdefault("problems", {})
    values.setdefault("values", {"name": brand.name})
    return page(request, "brand.html", caller, status=status, brand=brand, **values)


async def _brand(request: Request, caller: Caller) -> brands.Brand:
    """The brand the path names (NotFound: the 404 page)."""
    brand_id = path_id(request, "brand_id", "brand")
    async with context(request).db.read() as conn:
        return await brands.get(conn, caller, brand_id)


@console_page(Level.ADMIN, own_entity=True)
async def edit_brand(request: Request, caller: Caller) -> Response:
    return _brand_page(request, caller, await _brand(request, caller))


@console_page(Level.ADMIN, own_entity=True)
async def update_brand(request: Request, caller: Caller) -> Response:
    """The billing API's update (PUT/PATCH), sent only when the name changed."""
    brand = await _brand(request, caller)
    form = await request.form()
    values, _ = _typed({"name": Kind.TEXT}, form)
    try:
        async with context(request).db.write() as conn:
            changed = forms.for_update(values, _as_read({"name": brand.name}))
            await brands.update(conn, caller, brand.brand_id, changed)
    except (Invalid, NotUnique, InUse) as error:  # InUse: a shared brand
        return _brand_page(
            request,
            caller,
            brand,
            status=409 if isinstance(error, InUse) else 422,
            problems=_problems(error),
            values=_sent(form),
        )
    return redirect(request, "/brands")


@console_page(Level.SYSTEM, own_entity=True)
async def delete_brand(request: Request, caller: Caller) -> Response:
    brand_id = path_id(request, "brand_id", "brand")
    try:
        async with context(request).db.write() as conn:
            await brands.delete(conn, caller, brand_id)
    except InUse as error:
        return await _brands_page(request, caller, status=409, problems=_problems(error))
    return redirect(request, "/brands")

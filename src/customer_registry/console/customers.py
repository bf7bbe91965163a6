"""Customers in the console: the search, a customer's page (its fields, each API's record,
its history), and the forms that create, edit and delete one, all through the core."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from customer_registry.apis.context import context
from customer_registry.console import forms
from customer_registry.console.access import console_page
from customer_registry.console.api_views import customer_views
from customer_registry.console.pages import page, path_id, redirect
from customer_registry.console.session import session_token
from customer_registry.core import (
    catalogues,
    changes,
    contacts,
    customers,
    entities,
    history,
    links,
)
from customer_registry.core.errors import Forbidden, InUse, Invalid, NotUnique
from customer_registry.core.fields import NotAnInteger, is_key, parse_integer
from customer_registry.core.permissions import Caller, Level, Visibility
from customer_registry.core.query import (
    Condition,
    Filter,
    ListQuery,
    Op,
    Order,
    PageRequest,
    contains,
)
from customer_registry.core.scope import Scope
from customer_registry.storage.database import Connection
from customer_registry.storage.schema import SEARCHED_COLUMNS
from customer_registry.transfer.columns import NAMINGS
from customer_registry.transfer.exporting import csv_of_found

PER_PAGE = 25
_ACTIVE = {"yes": True, "no": False}
_PAGE_MAX = 100_000  # past it, a page's offset would outgrow what a database counts in
_RELATED_MAX = 100  # a customer's contacts, links or product moves shown on its page
# Pickers list at most this many entities or categories (an operator types an id past it).
_PICKER_MAX = 500


def _integer(text: str | None) -> int | None:
    try:
        return parse_integer((text or "").strip(), blank=True)
    except NotAnInteger:
        return None


def _row_id(text: str | None) -> int | None:
    """A filter's row id: None when none is asked; 0 (which names no row, so the filter
    finds nothing) for what cannot be an id."""
    if not (text or "").strip():
        return None
    found = _integer(text)
    return found if found is not None and is_key(found) else 0


@dataclass(frozen=True, slots=True)
class _Search:
    """The search as the page shows it (and its links repeat it)."""

    q: str
    entity: int | None
    category: int | None
    active: str  # "", "yes" or "no"

    @classmethod
    def read(cls, request: Request) -> _Search:
        params = request.query_params
        active = params.get("active", "")
        return cls(
            q=params.get("q", "").strip(),
            entity=_row_id(params.get("entity")),
            category=_row_id(params.get("category")),
            active=active if active in _ACTIVE else "",
        )

    def seen_by(self, caller: Caller) -> Caller | None:
        """Who lists: the caller, narrowed to the entity chosen (None: one it cannot see)."""
        if self.entity is None:
            return caller
        if not is_key(self.entity) or not caller.can_see_entity(self.entity):
            return None
        return dataclasses.replace(caller, entity_id=self.entity, visibility=Visibility.ENTITY)

    @property
    def searches(self) -> bool:
        """Whether the text is long enough to search for (shorter, it is not used)."""
        return len(self.q) >= customers.SEARCH_MIN

    def equal(self) -> dict[str, Any]:
        """The filters other than the text: field -> the value it must have."""
        found: dict[str, Any] = {}
        if self.category is not None:
            found["category_id"] = self.category
        if self.active:
            found["active"] = _ACTIVE[self.active]
        return found

    def query(self) -> ListQuery:
        """The filters as a list query (the text too: an export holds every match)."""
        filters: list[Filter] = [Condition(k, Op.EQ, v) for k, v in self.equal().items()]
        if self.searches:
            filters.append(contains(SEARCHED_COLUMNS, self.q))
        return ListQuery(filters=tuple(filters), order_by=(Order("name"), Order("customer_id")))


async def _pickers(conn: Connection, caller: Caller) -> dict[str, Any]:
    everything = PageRequest(per_page=_PICKER_MAX)
    by_name = ListQuery(order_by=(Order("name"),))
    return {
        "entities": (await entities.list_page(conn, caller, by_name, everything)).items,
        "categories": (
            await catalogues.list_page(
                conn, caller, catalogues.CUSTOMER_CATEGORIES, by_name, everything
            )
        ).items,
    }


@console_page()
async def list_customers(request: Request, caller: Caller) -> Response:
    search = _Search.read(request)
    number = _integer(request.query_params.get("page")) or 1
    asked = PageRequest(page=min(max(number, 1), _PAGE_MAX), per_page=PER_PAGE)
    fragment = "fragment" in request.query_params  # the script's search as one types
    async with context(request).db.read() as conn:
        found = await _found(conn, search, search.seen_by(caller), asked)
        pickers = {} if fragment else await _pickers(conn, caller)
    values: dict[str, Any] = {
        "search": search,
        "found": found,
        "page_number": asked.page,
        "pages": max((found.total + PER_PAGE - 1) // PER_PAGE, 1),
        "search_min": customers.SEARCH_MIN,
        "search_max": customers.SEARCH_MAX,
    }
    if fragment:
        return page(request, "_results.html", caller, **values)
    deleted = _integer(request.query_params.get("deleted"))
    return page(request, "customers.html", caller, **values, **pickers, deleted=deleted)


async def _found(
    conn: Connection, search: _Search, lister: Caller | None, asked: PageRequest
) -> customers.Found:
    """The page of the search's matches (its text searched once long enough), by name."""
    if lister is None:  # an entity the caller cannot see
        return customers.Found([], 0, complete=True)
    if search.searches:
        return await customers.search(conn, lister, search.q, search.equal(), asked)
    listed = await customers.list_page(conn, lister, search.query(), asked)
    return customers.Found(listed.items, listed.total, complete=True)


@console_page()
async def export_customers(request: Request, caller: Caller) -> Response:
    """The search's customers as CSV, named as the chosen API names them (so the file
    imports back), streamed."""
    search = _Search.read(request)
    naming = NAMINGS.get(request.query_params.get("api", ""), NAMINGS["billing"])
    lister = search.seen_by(caller)
    if lister is None:
        raise Forbidden("You may not see that entity's customers.")
    rows = csv_of_found(context(request).db, lister, search.query().filters, naming)
    name = f"customers-{naming.api}.csv"
    return StreamingResponse(
        rows,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@console_page()
async def show_customer(request: Request, caller: Caller) -> Response:
    wanted = path_id(request, "customer_id", "customer")
    async with context(request).db.read() as conn:
        customer = await customers.get(conn, caller, wanted)
        history = await changes.of_customer(conn, caller, wanted)
        related = await _related(conn, caller, wanted)
    token = session_token(request)
    assert token is not None  # signed in
    views = await customer_views(request, request.app.state.service, token, wanted)
    return page(
        request,
        "customer.html",
        caller,
        customer=customer,
        values=forms.current_values(customer),
        fields=forms.CUSTOMER_FIELDS,
        views=views,
        history=reversed(history),
        labels=forms.LABELS,
        **related,
    )


async def _related(conn: Connection, caller: Caller, customer_id: int) -> dict[str, Any]:
    """The customer's contacts, entity links and products (their moves), newest first."""
    own = (Condition("customer_id", Op.EQ, customer_id),)
    shown = PageRequest(per_page=_RELATED_MAX)
    link_query = ListQuery(filters=own, order_by=(Order("customer_entity_linker_id", True),))
    moves = ListQuery(filters=own, order_by=(Order("customer_product_history_id", True),))
    return {
        "contacts": (await contacts.of_customer(conn, caller, customer_id, shown)).items,
        "links": (
            await links.list_page(conn, caller, links.CUSTOMER_LINKS, link_query, shown)
        ).items,
        "products": (await history.list_page(conn, caller, moves, shown)).items,
    }


def _form_page(
    request: Request,
    caller: Caller,
    *,
    customer: customers.Customer | None,
    values: dict[str, Any],
    problems: dict[str, str] | None = None,
    entity_choices: list[entities.Entity] | None = None,
    status: int = 200,
) -> Response:
    return page(
        request,
        "customer_form.html",
        caller,
        status=status,
        customer=customer,
        fields=forms.CUSTOMER_FIELDS,
        values=values,
        problems=forms.worded(problems or {}),
        entity_choices=entity_choices or [],
    )


def _typed_back(form: FormData) -> dict[str, Any]:
    """What the user typed, shown again beside the problems found in it."""
    shown: dict[str, Any] = {}
    for field in forms.CUSTOMER_FIELDS:
        raw = form.get(field.name)
        if field.input_type == "checkbox":
            shown[field.name] = raw == "on"
        else:
            shown[field.name] = raw if isinstance(raw, str) else ""
    return shown


def _text_form(form: FormData) -> dict[str, str]:
    return {key: value for key, value in form.multi_items() if isinstance(value, str)}


async def _refusals(
    conn: Connection,
    values: dict[str, Any],
    problems: dict[str, str],
    scope: Scope,
    customer_id: int | None = None,
) -> dict[str, str]:
    """Every problem at once: the form's own (text not of its field's kind), each field's
    rules, and those of the rules that read other rows (identifiers taken in the entity of
    `scope`). The write checks them all again and the database decides a race."""
    typed = {name: value for name, value in values.items() if name not in problems}
    found = await customers.rule_problems(conn, scope, typed, customer_id)
    return {**customers.field_problems(typed), **found, **problems}


def _refused(error: Invalid | NotUnique) -> dict[str, str]:
    if isinstance(error, NotUnique):
        return {error.field: "Another customer of this entity has this {field}."}
    return error.errors


@console_page(Level.ADMIN)
async def new_customer(request: Request, caller: Caller) -> Response:
    async with context(request).db.read() as conn:
        choices = (await _pickers(conn, caller))["entities"]
    values = {**forms.initial_values(), "entity_id": caller.entity_id}
    return _form_page(request, caller, customer=None, values=values, entity_choices=choices)


@console_page(Level.ADMIN)
async def create_customer(request: Request, caller: Caller) -> Response:
    form = await request.form()
    values, problems = forms.read(_text_form(form))
    entity_id = _integer(str(form.get("entity_id", ""))) or caller.entity_id
    sent = forms.for_create(values)
    sent.setdefault("name", None)  # required: its rule then says so
    async with context(request).db.write() as conn:
        try:
            scope = await customers.new_customers_scope(conn, caller, entity_id)
            problems = await _refusals(conn, sent, problems, scope)
            if problems:
                raise Invalid(problems)
            identity = {k: sent.pop(k, None) for k in ("name", "code", "external_id")}
            new = customers.NewCustomer(
                entity_id=entity_id,
                name=identity["name"] or "",
                code=identity["code"],
                external_id=identity["external_id"],
                details=sent,
            )
            created = await customers.create(conn, caller, new, generate_code=True)
        except (Invalid, NotUnique) as error:
            choices = (await _pickers(conn, caller))["entities"]
            shown = {**_typed_back(form), "entity_id": entity_id}
            return _form_page(
                request,
                caller,
                customer=None,
                values=shown,
                problems=_refused(error),
                entity_choices=choices,
                status=422,
            )
    return redirect(request, f"/customers/{created.customer.customer_id}")


@console_page(Level.ADMIN)
async def edit_customer(request: Request, caller: Caller) -> Response:
    async with context(request).db.read() as conn:
        customer = await customers.get(conn, caller, path_id(request, "customer_id", "customer"))
    return _form_page(request, caller, customer=customer, values=forms.current_values(customer))


@console_page(Level.ADMIN)
async def update_customer(request: Request, caller: Caller) -> Response:
    wanted = path_id(request, "customer_id", "customer")
    form = await request.form()
    values, problems = forms.read(_text_form(form))
    async with context(request).db.write() as conn:
        customer = await customers.get(conn, caller, wanted, for_update=True)
        changed = forms.for_update(values, forms.current_values(customer))
        try:
            scope = caller.scope.for_entity(customer.entity_id)
            problems = await _refusals(conn, changed, problems, scope, wanted)
            if problems:
                raise Invalid(problems)
            if changed:
                await customers.update(conn, caller, wanted, changed)
        except (Invalid, NotUnique) as error:
            return _form_page(
                request,
                caller,
                customer=customer,
                values=_typed_back(form),
                problems=_refused(error),
                status=422,
            )
    return redirect(request, f"/customers/{wanted}")


@console_page(Level.SYSTEM)
async def confirm_delete(request: Request, caller: Caller) -> Response:
    async with context(request).db.read() as conn:
        customer = await customers.get(conn, caller, path_id(request, "customer_id", "customer"))
    return page(request, "customer_delete.html", caller, customer=customer, problem=None)


@console_page(Level.SYSTEM)
async def delete_customer(request: Request, caller: Caller) -> Response:
    wanted = path_id(request, "customer_id", "customer")
    try:
        async with context(request).db.write() as conn:
            await customers.delete(conn, caller, wanted, context(request).media)
    except InUse as error:  # sub-customers still name it
        async with context(request).db.read() as conn:
            customer = await customers.get(conn, caller, wanted)
        return page(
            request,
            "customer_delete.html",
            caller,
            status=409,
            customer=customer,
            problem=str(error),
        )
    return redirect(request, f"/customers?deleted={wanted}")

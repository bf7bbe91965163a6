"""The layout's import rules (docs/development/layout.md), read from every module's imports.

Each module of `src/customer_registry` is parsed and every import in it (at the top, inside a
function, or for the type checker only) is checked against the rules of its package. A new
import that breaks one fails here, with the rule it breaks.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

import customer_registry
from customer_registry.core.media import MediaFiles

ROOT = Path(customer_registry.__file__).parent
PACKAGE = "customer_registry"
HTTP = ("starlette", "uvicorn", "httpx", "swagger_ui_bundle")
# The server process's own modules.
ENTRY_POINTS = ("app", "cli", "protocol", "logs", "memory", "dispatcher", "operations")
API_PACKAGES = tuple(sorted(path.parent.name for path in (ROOT / "apis").glob("*/__init__.py")))
# What an API package may take from storage: connections and transactions, what the database
# refused, and the tables its document describes. Never a repository: data is reached through
# the core; nor the image store: the core writes and removes image files with the transaction
# that names them.
STORAGE_FOR_APIS = ("database", "errors", "schema")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(part for part in parts if part != "__init__")


@functools.cache
def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in sorted(ROOT.rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts
    }


def _resolved(module: str, name: str) -> str:
    """`from module import name`: the module `name` is, if it is one, else `module`."""
    candidate = f"{module}.{name}"
    return candidate if candidate in _modules() else module


@functools.cache
def imports_of(module: str) -> frozenset[str]:
    """Every module `module` imports, wherever in it the import stands."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(_modules()[module].read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            assert node.level == 0, f"{module}: relative imports hide what is imported"
            found.update(_resolved(node.module, alias.name) for alias in node.names)
    return frozenset(found)


def _within(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(f"{p}.") for p in packages)


def _ours(*names: str) -> tuple[str, ...]:
    return tuple(f"{PACKAGE}.{name}" for name in names)


@functools.cache
def _reaches_storage(module: str) -> bool:
    """Whether `module` imports storage, directly or through other modules of ours."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        if current in seen or current not in _modules():
            continue
        seen.add(current)
        for imported in imports_of(current):
            if _within(imported, *_ours("storage")):
                return True
            todo.append(imported)
    return False


def _api_package(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) > 2 and parts[1] == "apis" and parts[2] in API_PACKAGES:
        return parts[2]
    return None


def broken_rule(importer: str, imported: str) -> str | None:
    """The rule `importer` breaks by importing `imported`, if any."""
    # An import read from a running API (transfer.remote) is the one HTTP client; no server.
    http_client = _within(imported, "httpx") and importer == f"{PACKAGE}.transfer.remote"
    if (
        _within(imported, *HTTP)
        and _within(importer, *_ours("core", "storage", "auth", "transfer"))
        and not http_client
    ):
        return "core, storage, auth and transfer (files in and out) know no HTTP"
    if not _within(imported, PACKAGE) or imported == PACKAGE:
        return None  # other libraries, and the package's version
    if _within(importer, *_ours("settings")):
        return "settings import nothing of the service"
    if _within(imported, *_ours(*ENTRY_POINTS)) and not _within(importer, *_ours(*ENTRY_POINTS)):
        return "the server process's modules (app, cli, protocol, logs, memory, operations…) are imported by none of the layers"
    if _within(importer, *_ours("core", "storage", "auth")) and _within(imported, *_ours("apis")):
        return "core, storage and auth import no API code"
    if (
        _within(importer, *_ours("core"))
        and _within(imported, *_ours("auth"))
        and imported != f"{PACKAGE}.auth.passwords"
    ):
        return "the core takes from auth only password hashing (auth.passwords)"
    if _within(importer, *_ours("storage")):
        if _within(imported, *_ours("auth")):
            return "storage imports no auth: auth calls storage"
        if imported == f"{PACKAGE}.core.permissions":
            return "a repository is handed the request's Scope (core.scope), never its caller"
        if _within(imported, *_ours("core")) and _reaches_storage(imported):
            return "storage takes from the core only values and errors (modules that import no storage)"
    if _within(imported, *_ours("transfer")) and not _within(
        importer, *_ours("transfer", "console", *ENTRY_POINTS)
    ):
        return (
            "imports and exports (transfer) are called by the entry points and the console, "
            "never by a layer"
        )
    if (
        _within(importer, *_ours("transfer"))
        and _within(imported, *_ours("storage"))
        and not _within(
            imported, *_ours(*(f"storage.{name}" for name in (*STORAGE_FOR_APIS, "files")))
        )
    ):
        return "transfer reaches data through the core, as the APIs do (files: its uploads)"
    if _within(imported, *_ours("console")) and not _within(
        importer, *_ours("console", *ENTRY_POINTS)
    ):
        return "the console is a surface the app mounts: no layer imports it"
    if (
        _within(importer, *_ours("console"))
        and _within(imported, *_ours("storage"))
        and not _within(imported, *_ours(*(f"storage.{name}" for name in STORAGE_FOR_APIS)))
    ):
        return "the console reaches data through the core, as the APIs do"
    if _within(importer, *_ours("apis")):
        api = _api_package(importer)
        other = _api_package(imported)
        if other is not None and other != api:
            return "an API package imports no other API package (shared code lives in apis/)"
        if _within(imported, *_ours("storage")) and not _within(
            imported, *_ours(*(f"storage.{name}" for name in STORAGE_FOR_APIS))
        ):
            return "the APIs reach data through the core, never a repository or the list engine"
    return None


def _violations() -> Iterator[str]:
    for module in _modules():
        for imported in sorted(imports_of(module)):
            rule = broken_rule(module, imported)
            if rule is not None:
                yield f"{module} imports {imported}: {rule}"


def test_every_import_keeps_the_layout() -> None:
    assert API_PACKAGES == ("billing_v1", "partner_v1", "sales_v1_0")
    assert list(_violations()) == []


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("customer_registry.core.customers", "starlette.requests"),
        ("customer_registry.core.customers", "customer_registry.apis.http"),
        ("customer_registry.core.users", "customer_registry.auth.tokens"),
        ("customer_registry.storage.customers", "customer_registry.core.permissions"),
        ("customer_registry.storage.customers", "customer_registry.core.customers"),
        ("customer_registry.storage.customers", "customer_registry.auth.login"),
        ("customer_registry.storage.listing", "customer_registry.apis.partner_v1.query"),
        ("customer_registry.auth.tokens", "starlette.requests"),
        ("customer_registry.apis.partner_v1.render", "customer_registry.apis.sales_v1_0.render"),
        ("customer_registry.apis.http", "customer_registry.apis.billing_v1.names"),
        ("customer_registry.apis.sales_v1_0.customers", "customer_registry.storage.customers"),
        ("customer_registry.apis.billing_v1.query", "customer_registry.storage.listing"),
        ("customer_registry.apis.context", "customer_registry.storage.media"),
        ("customer_registry.apis.media", "customer_registry.storage.media"),
        ("customer_registry.apis.http", "customer_registry.app"),
        ("customer_registry.settings", "customer_registry.core.fields"),
        ("customer_registry.core.imports", "customer_registry.transfer.files"),
        ("customer_registry.apis.http", "customer_registry.transfer.files"),
        ("customer_registry.transfer.files", "starlette.requests"),
        ("customer_registry.transfer.files", "httpx"),
        ("customer_registry.transfer.remote", "starlette.requests"),
        ("customer_registry.transfer.files", "customer_registry.storage.customers"),
        ("customer_registry.console.customers", "customer_registry.storage.customers"),
        ("customer_registry.console.customers", "customer_registry.storage.listing"),
        ("customer_registry.apis.http", "customer_registry.console.session"),
        ("customer_registry.core.customers", "customer_registry.console.forms"),
    ],
)
def test_each_rule_refuses_what_it_forbids(importer: str, imported: str) -> None:
    assert importer in _modules()
    assert broken_rule(importer, imported) is not None


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("customer_registry.core.customers", "customer_registry.storage.customers"),
        ("customer_registry.core.users", "customer_registry.auth.passwords"),
        ("customer_registry.storage.customers", "customer_registry.core.scope"),
        ("customer_registry.storage.customers", "customer_registry.core.errors"),
        ("customer_registry.apis.partner_v1.render", "customer_registry.apis.http"),
        ("customer_registry.apis.partner_v1.openapi", "customer_registry.storage.schema"),
        ("customer_registry.apis.billing_v1.login", "customer_registry"),
        ("customer_registry.transfer.remote", "httpx"),
        ("customer_registry.cli", "customer_registry.protocol"),
        ("customer_registry.cli", "customer_registry.transfer.files"),
        ("customer_registry.transfer.files", "customer_registry.core.imports"),
    ],
)
def test_what_the_layout_allows_passes(importer: str, imported: str) -> None:
    assert broken_rule(importer, imported) is None


def _methods_called(module: str) -> set[str]:
    """The names of the methods `module` calls (`x.name(…)`), wherever in it."""
    tree = ast.parse(_modules()[module].read_text())
    return {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }


def test_the_apis_write_and_remove_no_image_files() -> None:
    """Image files are the core's (`core.media`, called by `core.customers`): no API module
    calls the image store's methods, so none writes or removes files on the event loop or
    out of step with its transaction."""
    store_methods = {name for name in vars(MediaFiles) if not name.startswith("_")}
    assert store_methods == {"save", "remove"}
    calling = {
        module: sorted(_methods_called(module) & store_methods)
        for module in _modules()
        if _within(module, *_ours("apis"))
    }
    assert {module: names for module, names in calling.items() if names} == {}

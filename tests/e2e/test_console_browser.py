"""The console in a real browser (Chromium, driven by Playwright), against the server
started the README's way: an operator's day, from sign-in to an import's error report.

Chromium is Debian's (`apt-get install chromium`; `.ci/run` installs it), found on the PATH
or at CUSTOMER_REGISTRY_TEST_CHROMIUM. With CUSTOMER_REGISTRY_SCREENSHOTS=<dir>, the main
pages are also saved there (how `docs/console/` is made).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, expect, sync_playwright

from tests.e2e.conftest import Server

XSS = "<script>alert(1)</script>"
TIMEOUT = 30


def _chromium() -> str:
    found = os.environ.get("CUSTOMER_REGISTRY_TEST_CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail("Chromium is needed: apt-get install chromium", pytrace=False)
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        yield launched
        launched.close()


class Watched:
    """A page whose script errors, refused resources (a CSP violation) and dialogs (an
    `alert` a name could run) fail the test."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on("dialog", self._dialog)

    def _console(self, message: ConsoleMessage) -> None:
        # A page answered with an error status is logged too ("Failed to load resource"):
        # those are the tests' own refusals, not problems.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.problems.append(message.text)

    def _dialog(self, dialog: Dialog) -> None:
        self.problems.append(f"a dialog opened: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    watched = Watched(context.new_page())
    yield watched
    context.close()
    assert watched.problems == []


def _shot(page: Page, name: str) -> None:
    folder = os.environ.get("CUSTOMER_REGISTRY_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _token(server: Server) -> dict[str, str]:
    answer = requests.post(
        timeout=TIMEOUT,
        url=f"{server.url}/v1/auth/login",
        data={"username": server.username, "password": server.password},
    )
    token = answer.json()["message"]["login_successful"]["API_token"]
    return {"Authorization": f"Token token={token}"}


def _create(server: Server, headers: dict[str, str], **fields: str) -> int:
    answer = requests.post(
        timeout=TIMEOUT, url=f"{server.url}/api/v1/customers", headers=headers, data=fields
    )
    assert answer.status_code == 201, answer.text
    customer_id: int = answer.json()["response"]
    return customer_id


def _sign_in(page: Page, server: Server, username: str, password: str) -> None:
    page.goto(f"{server.url}/console/")
    expect(page).to_have_url(re.compile(r"/console/sign-in"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/console/customers"))


def test_an_operators_day(server: Server, watched: Watched, tmp_path: Path) -> None:
    page = watched.page
    admin = _token(server)
    kept = _create(server, admin, name="Uwase Boutique", customerAccount="UW-1", phone="0788")
    _create(server, admin, name="Mugisha Hardware", customerAccount="MU-1")
    _create(server, admin, name=XSS, customerAccount="XSS-1")

    # Sign in (a wrong password first: the message, no session).
    page.goto(f"{server.url}/console/sign-in")
    page.get_by_label("Username").fill(server.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Invalid username or password.")
    _shot(page, "sign-in")
    _sign_in(page, server, server.username, server.password)

    # Search as one types; the search is a link.
    page.get_by_label("Search").fill("uwase")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"q=uwase"))
    page.get_by_label("Search").fill("")
    expect(page.locator("#results tbody tr")).to_have_count(3)
    expect(page.get_by_role("link", name=XSS)).to_be_visible()  # shown as text, ran nothing
    _shot(page, "customers")

    # Open a customer: its fields, each API's record as that API returns it.
    page.get_by_role("link", name="Uwase Boutique").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Uwase Boutique")
    page.get_by_role("tab", name="Billing API").click()
    shown = page.locator('pre[data-api="billing"]').inner_text()
    billing = requests.get(
        timeout=TIMEOUT, url=f"{server.url}/api/v1/customers/{kept}", headers=admin
    ).json()
    assert json.loads(shown) == billing
    page.get_by_role("tab", name="Fields").click()
    _shot(page, "customer")

    # Edit: a validation error beside its field, then a change that saves.
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Latitude", exact=True).fill("north")
    page.get_by_label("Customer risk color").fill("red")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#e-billing_lat")).to_have_text("Latitude must be a number.")
    expect(page.locator("#e-customer_risk_color")).to_contain_text("must be a colour")
    _shot(page, "edit-refused")
    page.get_by_label("Latitude", exact=True).fill("-1.95")
    page.get_by_label("Customer risk color").fill("")
    page.get_by_label("Name", exact=True).fill("Uwase Boutique Ltd")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Uwase Boutique Ltd")
    after = requests.get(
        timeout=TIMEOUT, url=f"{server.url}/api/v1/customers/{kept}", headers=admin
    ).json()
    assert after["customer"]["name"] == "Uwase Boutique Ltd"
    page.get_by_role("tab", name="History").click()
    expect(page.locator("#history")).to_contain_text("through console")

    # A user, and a key shown once that works.
    page.get_by_role("link", name="Users").click()
    page.get_by_label("Username").fill("agent@example.com")
    page.get_by_label("Password").fill("agent password 1")
    page.get_by_label("Level").select_option("OVERVIEW")
    page.get_by_label("Visibility").select_option("ENTITY")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("agent@example.com")
    page.get_by_role("button", name="Create API key").click()
    key = page.locator("[data-new-key]").inner_text()
    assert key not in page.url
    answered = requests.get(
        timeout=TIMEOUT,
        url=f"{server.url}/api/v1/customers",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answered.status_code == 200
    _shot(page, "user")

    # An import with bad rows: its dry run's report, its run, its error report.
    upload = tmp_path / "customers.csv"
    upload.write_text(
        "customerAccount,name,mainAddressCity\n"
        "IM-1,Imported One,Kigali\n"
        "IM-2,,Huye\n"
        "IM-3,Imported Three,Rubavu\n"
    )
    page.get_by_role("link", name="Import").click()
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator('[data-field="state"]')).to_have_text("done", timeout=20_000)
    expect(page.locator("body")).to_contain_text("The name field is required.")
    page.get_by_role("button", name="Run the import").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("^Import: done"))).to_be_visible(
        timeout=20_000
    )
    expect(page.locator('[data-field="created"]')).to_have_text("2")
    _shot(page, "import")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the error report").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert rows == [["line", "message"], ["3", "The name field is required."]]


def test_a_catalogue_item_and_a_brand_edited(server: Server, watched: Watched) -> None:
    page = watched.page
    admin = _token(server)
    _sign_in(page, server, server.username, server.password)

    # A payment type: a refusal beside its field, then a name that the sales API shows.
    page.goto(f"{server.url}/console/catalogues/payment-types")
    page.get_by_label("Reference").fill("MOMO")
    page.get_by_label("Name", exact=True).fill("Mobile money")
    page.get_by_role("button", name="Create").click()
    page.get_by_role("link", name="Edit MOMO").click()
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#e-name")).to_have_text("Name may not be null.")
    page.get_by_label("Name", exact=True).fill("Mobile money (MTN)")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("tbody")).to_contain_text("Mobile money (MTN)")
    sales = requests.get(
        timeout=TIMEOUT, url=f"{server.url}/api/v1.0/paymentTypes", headers=admin
    ).json()
    assert {t["reference"]: t["name"] for t in sales["data"]}["MOMO"] == "Mobile money (MTN)"

    # A brand, renamed: the billing API shows the new name.
    page.get_by_role("link", name="Brands").click()
    page.get_by_label("Name").fill("Zola")
    page.get_by_role("button", name="Create brand").click()
    page.get_by_role("link", name="Edit brand Zola").click()
    page.get_by_label("Name").fill("Zola Electric")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("tbody")).to_contain_text("Zola Electric")
    billing = requests.get(timeout=TIMEOUT, url=f"{server.url}/api/v1/brands", headers=admin)
    assert "Zola Electric" in [brand["name"] for brand in billing.json()["data"]]


def test_an_entity_user_cannot_reach_another_entity(server: Server, watched: Watched) -> None:
    page = watched.page
    admin = _token(server)
    entity = requests.post(
        timeout=TIMEOUT,
        url=f"{server.url}/v1/entities",
        headers=admin,
        json={"name": "Far Away Ltd"},
    ).json()
    far = _create(server, admin, name="Far Customer", customerAccount="FAR-1")
    _sign_in(page, server, server.username, server.password)
    page.goto(f"{server.url}/console/users")
    page.get_by_label("Username").fill("local@example.com")
    page.get_by_label("Password").fill("local password 1")
    page.get_by_label("Level").select_option("SYSTEM")
    page.get_by_label("Visibility").select_option("ENTITY")
    page.get_by_label("Entity").select_option(label="Far Away Ltd")
    page.get_by_role("button", name="Create user").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/console/sign-in"))

    _sign_in(page, server, "local@example.com", "local password 1")
    answer = page.goto(f"{server.url}/console/customers/{far}")
    assert answer is not None
    assert answer.status == 404
    expect(page.locator("body")).not_to_contain_text("Far Customer")
    page.goto(f"{server.url}/console/customers?q=far")
    expect(page.locator(".count")).to_have_text("0 customers")
    assert entity["entity_id"] > 1


def test_the_console_at_a_phones_width(server: Server, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    _sign_in(page, server, server.username, server.password)
    # The URL changes before the style sheet is applied; unstyled, the page is wider (402).
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing runs off the screen
    page.keyboard.press("Tab")  # the first stop is the skip link
    expect(page.locator(":focus")).to_have_text("Skip to content")
    _shot(page, "customers-phone")
    context.close()

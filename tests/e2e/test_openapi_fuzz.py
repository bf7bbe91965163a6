"""Each API against its own OpenAPI document, with every check schemathesis has, over a real
server.

For every document, schemathesis' engine runs what `schemathesis run --checks all` runs: the
documents' examples, the coverage phase (each parameter's boundaries, missing and wrong
values, undeclared methods), the fuzzing phase (random valid and invalid requests) and, in a
test of its own, the stateful phase (sequences that follow the documents' `links`: create a
customer, then read, change and delete it by the id the answer gave). Every check is on:
never a 5xx; status, content type, headers and body as documented; a valid request accepted
and an invalid one refused; 405 for an undeclared method; a deleted object gone and a created
one there; credentials required. The figures (requests sent, failures, refusals the documents
cannot state) are printed at the end of each test.

What an OpenAPI document cannot state, and so is dropped from the failures one by one (each
kind in `_documented_refusal`, with its reason, and counted in the printed figures):
- a refusal by a rule of the stored data that the original APIs document: a name or an
  identifier already taken, a reference to a missing object, an object still in use;
- a sales customer update refused by a rule across fields (a due date type needs its days, a
  sub-customer its parent) that reads the stored record for the field the update left out:
  the document states what is refused whatever is stored;
- a sales `imageFile` whose bytes are no image (`unsupported_file_type`): the document names
  the kinds of image, a schema cannot state which bytes decode as one;
- a sales contact answered missing after a stateful step deleted its customer: a customer's
  contacts go with it (schemathesis expects only a delete of the contact itself to remove it;
  `_gone_with_its_customer`, which reads the scenario's steps);
- a parameter the billing API takes from the query string or the body, required in one of
  the two: the document cannot say "required in one of two places", so says it in words;
- an invalid query parameter that the body sends too: the body's wins (Laravel's merged input),
  so the query's never counts; likewise billing's `mainAddressPostalCode` when the body also
  sends `postalCode`, its other spelling;
- a write whose `If-Match` holds none of the record's tags: 412 before the content is read
  (RFC 9110, 13.2.1), whatever the body; the document cannot state which tags are current;
- a create whose `Idempotency-Key` an earlier case sent with another request: 422, whatever
  the body; the document cannot state which keys were sent before;
- an object answered missing after its create was replayed (an earlier case sent the same
  request with the same `Idempotency-Key`): the first create's object, deleted since;
- a partner `q` the query format refuses for what its values mean (a value of another type
  than its field's, an order against null, two fields of different types compared): the
  document describes `q`'s syntax, Flask-Restless's format (`_query_format.md`) the rest, and
  answers 400 "Unable to construct query" as the original library does (or, for what the
  original's PostgreSQL refuses, the name of its driver's error, as the library does).

Failed logins are throttled per username and per client address: the generated usernames are
random (never the test user's), and the requests say they come from a documentation address
(`X-Forwarded-For`, which uvicorn trusts from the loopback), so neither count can lock out
the test user; each test checks that it still logs in afterwards.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import AcceptedNegativeData, Failure
from schemathesis.core.parameters import ParameterLocation
from schemathesis.engine import Status, events, from_schema
from schemathesis.openapi.checks import RejectedPositiveData

from customer_registry.core.errors import DatabaseRefusal
from tests.e2e.conftest import Server

# The same requests on every run, so CI is reproducible; FUZZ_SEED=<n> explores anew.
SEED = int(os.environ.get("FUZZ_SEED", "1"))
# Per operation and phase: the documents have 18 to 47 operations; the coverage phase adds its
# own boundary cases, so each API gets a few thousand requests.
EXAMPLES = {"sales": 10, "partner": 15, "billing": 25}
# The stateful phase: scenarios of up to this many linked steps.
# Sales follows its document's links only (INFERENCE), fewer per scenario: more scenarios.
STATEFUL_EXAMPLES = {"partner": 30, "sales": 500, "billing": 30}
STATEFUL_STEPS = 6
# Where the fuzzing's requests say they come from (TEST-NET-1, RFC 5737): its failed logins
# are counted against this address, not the test machine's.
FUZZ_ADDRESS = "192.0.2.1"
PHASES = ("examples", "coverage", "fuzzing", "stateful")
# How the stateful phase finds links besides the documents' own. Schemathesis' dependency
# analysis guesses links from names; for sales it reads `useExternalId` as the id of an object
# named "UseExternal" and fills it (and `categoryId`, `regionId`, `parentCustomerId`) with the
# id a customer's answer gave, which the document's own links contradict: the sales run
# follows those (every create links to every operation on what it created, with
# `useExternalId=false`) and Location headers only.
INFERENCE: dict[str, list[str]] = {"sales": ["location-headers"]}


@dataclass
class Tally:
    requests: int = 0
    failures: list[str] = field(default_factory=list)
    failing: Counter[tuple[str, str]] = field(default_factory=Counter)
    documented: Counter[str] = field(default_factory=Counter)


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    response = requests.post(
        f"{server.url}/api/login",
        data={"email": server.username, "password": server.password},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


# --- refusals the documents cannot state -------------------------------------------------------

# Per API: refusals by a rule of the stored data, as the original APIs answer them (status,
# pattern every message of the answer matches).
_DATA_RULES: dict[str, tuple[int, re.Pattern[str]]] = {
    # Flask-Restless: 400 with `validation_errors` (`_create_customer.md`: "… is not unique").
    "partner": (
        400,
        re.compile(
            r"is not unique\.$|does not exist\.$|cannot be deleted while .* linked to it"
            r"|identifiers are already used in entity #\d+\.$"
            r"|there is already a current link for this owner\.$"
            # `q` with `"single": true` when several rows match (the document says so).
            r"|^Multiple results found$"
        ),
    ),
    # Laravel: 422 with the rule's message per parameter.
    "billing": (
        422,
        re.compile(
            r"has already been taken\.$|^The selected [\w ]+ is invalid\.$|is shared by every "
            r"entity and cannot be changed\.$|cannot be deleted while customers use it\.$"
        ),
    ),
    # Seed 002: 400 with an error code and its description.
    "sales": (
        400,
        re.compile(
            r"^(not_unique|not_found|in_use): "
            r"|^invalid_param: level must be below its parent region's level\.$"
            r"|^invalid_param: A region cannot be placed under itself\.$"
        ),
    ),
}
# Billing parameters required in the query string or the body (the document says so in words)
# -> the messages their absence gets.
_REQUIRED_IN_WORDS: dict[str, re.Pattern[str]] = {
    "name": re.compile(r"^The name field is required\.$"),
    "contactable_type": re.compile(r"^The selected contactable type is invalid\.$"),
    "contactable_id": re.compile(r"^The contactable id must be a customer id\.$"),
}


def _messages(api: str, body: Any) -> dict[str, list[str]] | None:
    """Each parameter's messages in an error answer (the whole answer's under "")."""
    if not isinstance(body, dict):
        return None
    if api == "partner":
        errors = body.get("validation_errors")
        if isinstance(errors, dict):
            return {name: [str(message)] for name, message in errors.items()}
        return {"": [str(body.get("message"))]}
    if api == "billing":
        errors = body.get("errors")
        if isinstance(errors, dict):
            return {name: [str(m) for m in messages] for name, messages in errors.items()}
        return {"": [str(body.get("message"))]}
    return {"": [f"{body.get('error')}: {body.get('error_description')}"]}


def _sent(case: schemathesis.Case[Any], name: str) -> bool:
    body = case.body if isinstance(case.body, dict) else {}
    return any(part.get(name) not in (None, "") for part in (case.query or {}, body))


def _documented_refusal(
    api: str, failure: Failure, case: schemathesis.Case[Any], response: schemathesis.Response
) -> str | None:
    """Why `failure` is an answer the original API documents but an OpenAPI document cannot
    state (None: a real failure)."""
    if _stale_if_match(failure, case, response):
        return "an If-Match the record's tag is not (412 before the content is read)"
    if _reused_key(failure, case, response):
        return "an Idempotency-Key sent before with another request (422)"
    if isinstance(failure, AcceptedNegativeData):
        if _only_shadowed_query(case):
            return "an invalid query parameter the body overrides"
        if api == "billing" and _only_shadowed_alias(case, failure):
            return "an invalid mainAddressPostalCode the body's postalCode overrides"
        if api == "billing" and _repeated(case):
            return "a repeated parameter, read as PHP reads it: its last value"
        if api == "partner" and (
            _only_negative(case, ParameterLocation.QUERY, {"q"})
            or "at /properties/q/" in failure.message  # a part of q's JSON (`fieldname`)
        ):
            return "a q whose parts Flask-Restless ignores (keys it does not know)"
    if not isinstance(failure, RejectedPositiveData):
        return None
    try:
        messages = _messages(api, response.json())
    except ValueError:
        return None
    if not messages:
        return None
    if api == "sales" and _stored_record_rule(case, messages):
        return "a rule across fields on the stored record"
    if api == "sales" and _not_an_image(case, messages):
        return "a file that is no image"
    if api == "partner" and _refused_query(case, response):
        return "a q the query format refuses for its values"
    status, rule = _DATA_RULES[api]
    texts = [text for found in messages.values() for text in found]
    if response.status_code == status and all(rule.search(text) for text in texts):
        return "a rule of the stored data"
    if api == "billing" and response.status_code == 422:
        # Laravel answers every field's problem at once: each one either of those kinds.
        explained = all(
            rule.search(text)
            or (
                name in _REQUIRED_IN_WORDS
                and not _sent(case, name)
                and bool(_REQUIRED_IN_WORDS[name].match(text))
            )
            for name, found in messages.items()
            for text in found
        )
        if explained:
            return "a parameter required in the query string or the body, or a data rule"
    return None


def _stale_if_match(
    failure: Failure, case: schemathesis.Case[Any], response: schemathesis.Response
) -> bool:
    """A write sent with an `If-Match` that holds none of the record's tags: 412, whatever
    the content (RFC 9110, 13.2.1: a precondition is evaluated before the content is
    processed). Which tags are current, a document cannot state; the 412 itself is
    documented, and `tests/apis/test_conditional_requests.py` checks the tags."""
    headers = {name.lower() for name in case.headers or {}}
    return (
        isinstance(failure, RejectedPositiveData | AcceptedNegativeData)
        and response.status_code == 412
        and "if-match" in headers
    )


def _reused_key(
    failure: Failure, case: schemathesis.Case[Any], response: schemathesis.Response
) -> bool:
    """A create sent with an `Idempotency-Key` an earlier case sent with another request:
    the API's 422, whatever the content. The generated keys repeat (`0`, `00`…); which ones
    were sent before, a document cannot state. `tests/apis/test_idempotency.py` checks it."""
    headers = {name.lower() for name in case.headers or {}}
    return (
        isinstance(failure, RejectedPositiveData)
        and response.status_code == 422
        and "idempotency-key" in headers
        and b"Idempotency-Key" in response.content
    )


# A sales customer update's fields left out keep their stored values, which these rules read.
_STORED_RECORD_RULES = re.compile(
    r"^missing_param: (dueDateConfigNumber|parentCustomerId) parameter is missing$"
)


def _stored_record_rule(case: schemathesis.Case[Any], messages: dict[str, list[str]]) -> bool:
    texts = [text for found in messages.values() for text in found]
    return (
        case.method in ("PUT", "PATCH")
        and case.path == "/customers/{customer}"
        and bool(texts)
        and all(_STORED_RECORD_RULES.match(text) for text in texts)
    )


def _not_an_image(case: schemathesis.Case[Any], messages: dict[str, list[str]]) -> bool:
    """The body sent a file as `imageFile` (the document allows one in a multipart body only),
    refused for its content."""
    body = case.body if isinstance(case.body, dict) else {}
    sent = body.get("imageFile")
    # A file is schemathesis' `Binary`, a str whose text is empty: only a plain "" is no file.
    no_file = sent is None or (type(sent) is str and not sent)
    return not no_file and messages == {"": ["unsupported_file_type: image format not supported."]}


def _repeated(case: schemathesis.Case[Any]) -> bool:
    """A query or form parameter sent more than once (PHP, like Starlette, keeps the last):
    a list, or an object (whose values a query string carries as repeated pairs)."""
    body = case.body if isinstance(case.body, dict) else {}
    parts = (case.query or {}, body)
    return any(isinstance(value, list | dict) for part in parts for value in part.values())


# Flask-Restless's answers to a `q` it cannot build, and to one its database refuses.
QUERY_REFUSALS = ("Unable to construct query", *(refusal.value for refusal in DatabaseRefusal))


def _refused_query(case: schemathesis.Case[Any], response: schemathesis.Response) -> bool:
    return (
        case.method == "GET"
        and "q" in (case.query or {})
        and response.status_code == 400
        and response.json().get("message") in QUERY_REFUSALS
    )


def _only_shadowed_alias(case: schemathesis.Case[Any], failure: Failure) -> bool:
    """Billing's `postalCode` (the pack's spelling) and `mainAddressPostalCode` (the customer
    object's) name one field; sent both, `postalCode` is read."""
    body = case.body if isinstance(case.body, dict) else {}
    return "postalCode" in body and "in body - mainAddressPostalCode:" in failure.message


def _only_negative(
    case: schemathesis.Case[Any], location: ParameterLocation, names: set[str]
) -> bool:
    """Only these parameters, in this location, are what makes the case invalid."""
    meta = case.meta
    if meta is None:
        return False
    negative = {where for where, component in meta.components.items() if component.mode.is_negative}
    data = meta.phase.data
    mutated = {data.parameter} if data.parameter else {m.parameter for m in data.mutations}
    return negative == {location} and bool(mutated) and mutated <= names


def _only_shadowed_query(case: schemathesis.Case[Any]) -> bool:
    """Only query parameters are invalid, and the body sends each of them too: the body's
    values are the ones read."""
    meta = case.meta
    if meta is None or not isinstance(case.body, dict):
        return False
    negative = {
        location for location, component in meta.components.items() if component.mode.is_negative
    }
    data = meta.phase.data
    names = {data.parameter} if data.parameter else {m.parameter for m in data.mutations}
    return (
        negative == {ParameterLocation.QUERY}
        and bool(names)
        and None not in names
        and names <= set(case.body)
    )


# --- the run --------------------------------------------------------------------------------


def _config(api: str, headers: Mapping[str, str], examples: int, phases: tuple[str, ...]) -> Any:
    stateful: dict[str, Any] = {"enabled": "stateful" in phases, "max-steps": STATEFUL_STEPS}
    if api in INFERENCE:
        stateful["inference"] = {"algorithms": INFERENCE[api]}
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "workers": 1,
            "continue-on-failure": True,
            "headers": dict(headers),
            "checks": {"enabled": True},
            "generation": {"max-examples": examples},
            "phases": {
                **{name: {"enabled": name in phases} for name in PHASES},
                "stateful": stateful,
            },
            "warnings": False,
        }
    )


def _fuzz(
    server: Server,
    api: str,
    document: str,
    headers: Mapping[str, str],
    *,
    phases: tuple[str, ...],
    examples: int,
) -> Tally:
    config = _config(api, headers, examples, phases)
    schema = schemathesis.openapi.from_url(f"{server.url}{document}", config=config)
    tally = Tally()

    @schema.hook
    def filter_failure(
        context: Any, failure: Failure, case: schemathesis.Case[Any], response: Any
    ) -> bool:
        reason = _documented_refusal(api, failure, case, response)
        if reason is not None:
            tally.documented[reason] += 1
        return reason is None

    for event in from_schema(schema).execute():
        _record(api, event, tally)
    return tally


def _answer(recorder: Any, case_id: str) -> str:
    interaction = recorder.interactions.get(case_id)
    if interaction is None or interaction.response is None:
        return "(no answer)"
    response = interaction.response
    return f"answered {response.status_code}: {(response.content or b'')[:300]!r}"


def _gone_with_its_customer(recorder: Any, check: str, case_id: str) -> bool:
    """A sales contact answered missing after a step of the scenario deleted its customer:
    a customer's contacts go with it, which no document can state (schemathesis counts only
    deletes of the contact's own path)."""
    parent = recorder.find_parent(case_id=case_id)
    if check != "ensure_resource_availability" or parent is None:
        return False
    created = recorder.find_response(case_id=parent.id)
    if parent.operation.label != "POST /contacts" or created is None:
        return False
    customer = str(created.json().get("customerId"))
    for prior in recorder.find_all_cases():
        answer = recorder.find_response(case_id=prior.id)
        if (
            prior.operation.label == "DELETE /customers/{customer}"
            and str((prior.path_parameters or {}).get("customer")) == customer
            and answer is not None
            and answer.status_code == 204
        ):
            return True
    return False


def _replayed_create(recorder: Any, check: str, case_id: str) -> bool:
    """An object answered missing after its create was replayed: the create's
    `Idempotency-Key` had been sent with the same request before, so the answer is that
    first create's, whose object a later step may have deleted (`Idempotent-Replayed`)."""
    parent = recorder.find_parent(case_id=case_id)
    if check != "ensure_resource_availability" or parent is None:
        return False
    created = recorder.find_response(case_id=parent.id)
    return created is not None and created.headers.get("idempotent-replayed") == ["true"]


def _record(api: str, event: events.EngineEvent, tally: Tally) -> None:
    if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
        recorder = event.recorder
        tally.requests += len(recorder.interactions)
        for case_id, nodes in recorder.checks.items():
            for node in nodes:
                if node.status == Status.FAILURE and node.failure_info is not None:
                    failure = node.failure_info.failure
                    if api == "sales" and _gone_with_its_customer(recorder, node.name, case_id):
                        tally.documented["a contact deleted with its customer"] += 1
                        continue
                    if _replayed_create(recorder, node.name, case_id):
                        tally.documented["a replayed create of an object deleted since"] += 1
                        continue
                    tally.failing[(node.name, str(failure.operation))] += 1
                    tally.failures.append(
                        f"{failure.operation} [{node.name}]: {failure.message}\n"
                        f"{_answer(recorder, case_id)}\n{node.failure_info.code_sample}"[:3000]
                    )
    elif isinstance(event, events.NonFatalError):
        tally.failures.append(f"{event.label}: {event.value!r}"[:3000])
    elif isinstance(event, events.FatalError):
        raise event.exception


# --- the data the runs start from -----------------------------------------------------------


def _session(headers: Mapping[str, str]) -> requests.Session:
    session = requests.Session()
    session.headers.update(headers)
    return session


def _ok(response: requests.Response) -> Any:
    assert response.status_code in (200, 201), f"{response.url}: {response.text}"
    return response.json()


def _seed_partner(server: Server, headers: Mapping[str, str]) -> None:
    """Entities, customers, products and their links, through the partner API: lists that
    answer rows, for the answers' schemas to be checked on."""
    api, session = f"{server.url}/v1", _session(headers)
    entities = [
        _ok(session.post(f"{api}/entities", json={"name": f"fuzz entity {i}"}))["entity_id"]
        for i in range(3)
    ]
    for i in range(6):
        entity = entities[i % 3]
        customer = {"entity_id": entity, "external_customer_id": 9000 + i}
        _ok(
            session.post(
                f"{api}/customers/create_customer",
                json={**customer, "name": f"fuzz customer {i}", "external_customer_code": f"fz{i}"},
            )
        )
        imei = f"{990000000000000 + i}"
        _ok(session.post(f"{api}/products", json={"product_imei": imei, "entity_id": entity}))
        _ok(session.put(f"{api}/products/{imei}/change_customer", json=customer))


def _seed_billing(server: Server, headers: Mapping[str, str]) -> None:
    """Brands, customers and contacts in the caller's entity, through the billing API."""
    api, session = f"{server.url}/api/v1", _session(headers)
    brand = str(_ok(session.post(f"{api}/brands", json={"name": "fuzz brand"}))["response"])
    for i in range(6):
        fields = {"name": f"fuzz customer {i}", "customerAccount": f"FZ{i:04}", "brand_id": brand}
        customer = str(_ok(session.post(f"{api}/customers", json=fields))["response"])
        contact = {"contactable_type": "App\\Customer", "contactable_id": customer}
        _ok(session.post(f"{api}/contacts", json={**contact, "firstName": f"fuzz {i}"}))


def _assert_test_user_logs_in(server: Server) -> None:
    """The fuzzing's failed logins locked out neither the test user nor this machine."""
    for path, fields in (
        ("/api/login", {"email": server.username, "password": server.password}),
        ("/v1/auth/login", {"username": server.username, "password": server.password}),
    ):
        response = requests.post(f"{server.url}{path}", data=fields, timeout=30)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"


def _report(name: str, tally: Tally, *, at_least: int) -> None:
    documented = ", ".join(f"{count} {reason}" for reason, count in tally.documented.items())
    print(
        f"\n{name}: {tally.requests} requests, {len(tally.failures)} failures"
        f" (refusals the document cannot state: {documented or 'none'})"
    )
    assert tally.requests >= at_least
    failing = "\n".join(f"{n} {check} {op}" for (check, op), n in sorted(tally.failing.items()))
    assert not tally.failures, failing + "\n\n" + "\n\n".join(tally.failures[:10])


# --- the tests ------------------------------------------------------------------------------

_APIS: dict[str, tuple[str, Callable[[str], dict[str, str]]]] = {
    "partner": ("/v1/openapi.json", lambda token: {"Authorization": f"Token token={token}"}),
    "sales": ("/api/v1.0/openapi.json", lambda token: {"Authorization": f"Bearer {token}"}),
    "billing": ("/api/v1/openapi.json", lambda token: {"Authorization": f"Bearer {token}"}),
}
_SEED: dict[str, Callable[[Server, Mapping[str, str]], None]] = {
    "partner": _seed_partner,
    "billing": _seed_billing,
}


def _headers(api: str, token: str) -> dict[str, str]:
    return {**_APIS[api][1](token), "X-Forwarded-For": FUZZ_ADDRESS}


@pytest.mark.parametrize("api", list(_APIS))
def test_api_against_its_document(server: Server, token: str, api: str) -> None:
    headers = _headers(api, token)
    if api in _SEED:
        _SEED[api](server, headers)
    phases = ("examples", "coverage", "fuzzing")
    tally = _fuzz(server, api, _APIS[api][0], headers, phases=phases, examples=EXAMPLES[api])
    _assert_test_user_logs_in(server)
    _report(api, tally, at_least=1000)


@pytest.mark.parametrize("api", list(_APIS))
def test_api_stateful_links(server: Server, token: str, api: str) -> None:
    headers = _headers(api, token)
    tally = _fuzz(
        server, api, _APIS[api][0], headers, phases=("stateful",), examples=STATEFUL_EXAMPLES[api]
    )
    # Each API's scenarios take 131-265 requests on a quiet machine with the fixed seed, but
    # fewer under load (the sales ones 98 once, at a load average of 5-8): the floor is for
    # a phase that stopped exercising the API, not for the machine's speed.
    _report(f"{api} (stateful)", tally, at_least=50)

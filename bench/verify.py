"""Before measuring a scenario: one sample request to each server, both must succeed, and
answer the same JSON (reads) or JSON of the same shape (writes, whose ids differ)."""

from __future__ import annotations

import http.client
import json
import re
from typing import Any

from bench.errors import BenchError
from bench.fake import Key
from bench.options import LOCALHOST
from bench.processes import Server
from bench.scenarios import Scenario, fill

_HOST = re.compile(rf"{re.escape(LOCALHOST)}:\d+")


def request(server: Server, scenario: Scenario, key: Key, token: str, nonce: int) -> Any:
    """The scenario's request for `key`, as request.lua would build it; answers the JSON."""
    uid, xid = f"{nonce}x0x0", nonce * 10**9

    def filled(template: str) -> str:
        return fill(template, key.customer_id, key.code, key.name, uid, xid)

    headers = {"Authorization": f"Token token={token}"}
    if scenario.content_type:
        headers["Content-Type"] = scenario.content_type
    conn = http.client.HTTPConnection(LOCALHOST, server.port, timeout=30)
    try:
        conn.request(scenario.method, filled(scenario.path), filled(scenario.body) or None,
                     headers)  # fmt: skip
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != scenario.status:
        raise BenchError(
            f"{server.name} {scenario.name}: {scenario.method} {filled(scenario.path)} answered "
            f"{response.status}, not {scenario.status}: {body[:500]!r}"
        )
    # The same request to the other server differs only in its port.
    return json.loads(_HOST.sub("HOST", body.decode()))


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    return type(value).__name__ if value is not None else None


def _difference(ours: Any, theirs: Any, path: str = "") -> str | None:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        if list(ours) != list(theirs):
            return f"{path or 'top'}: keys {list(ours)} vs {list(theirs)}"
        for key in ours:
            found = _difference(ours[key], theirs[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return f"{path}: {len(ours)} items vs {len(theirs)}"
        for n, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            found = _difference(a, b, f"{path}[{n}]")
            if found:
                return found
        return None
    return None if ours == theirs else f"{path}: {ours!r} vs {theirs!r}"


def same_answers(scenario: Scenario, ours: Any, theirs: Any) -> None:
    """Reads: the very same JSON. Writes: the same keys, in the same order."""
    if scenario.reads:
        found = _difference(ours, theirs)
    else:
        shape_ours, shape_theirs = _shape(ours), _shape(theirs)
        found = None if shape_ours == shape_theirs else _difference(shape_ours, shape_theirs)
    if found:
        raise BenchError(f"{scenario.name}: ours and the baseline answer differently: {found}")

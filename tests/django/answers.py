"""Send a contract scenario through Django and check the exact answer (status, headers, body):
the one the contract table prescribes, and the core's own, unchanged."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.test import AsyncClient, Client

from jwtguard.testing import parse_challenge
from tests.answers import HeaderValues, check_core_answer, check_error_answer
from tests.contract import Minter, Scenario, core_answer


def send(client: Client, path: str, scenario: Scenario, minter: Minter) -> Any:
    return client.generic(
        scenario.method, _url(path, scenario, minter), headers=scenario.headers(minter)
    )


async def asend(client: AsyncClient, path: str, scenario: Scenario, minter: Minter) -> Any:
    return await client.generic(
        scenario.method, _url(path, scenario, minter), headers=scenario.headers(minter)
    )


def _url(path: str, scenario: Scenario, minter: Minter) -> str:
    query = urlencode(scenario.query(minter), doseq=True)
    return f"{path}?{query}" if query else path


def expected_body(scenario: Scenario, *, drf: bool = False) -> bytes:
    """The core's JSON body; DRF adds ``detail`` mirroring the description."""
    assert scenario.body is not None
    body = dict(scenario.body)
    if drf:
        body["detail"] = scenario.expected_description
    return json.dumps(body, separators=(",", ":")).encode()


def check_answer(response: Any, scenario: Scenario, *, drf: bool = False) -> None:
    """The exact answer of design §2 for ``scenario`` (success: the view's JSON)."""
    if scenario.code is None:
        assert response.status_code == 200, response.content
        answer = response.json()
        assert answer["sub"] == "alice"
        assert answer["scopes"] == ["notes:read"]
        assert answer["user"] == "alice"
        return
    headers = response.headers.get
    check_error_answer(scenario, response.status_code, headers, response.content, detail=drf)
    assert response.content == expected_body(scenario, drf=drf), "byte for byte"
    assert ("Retry-After" in response.headers) == (scenario.status == 503)


def check_contract(response: Any, scenario: Scenario, minter: Minter, *, drf: bool = False) -> None:
    """:func:`check_answer`, and the answer is the core's own to ``scenario``
    (:func:`~tests.contract.core_answer`): the same token, or the same refusal unchanged."""
    check_answer(response, scenario, drf=drf)
    core = core_answer(scenario, minter)
    check_core_answer(core, response.status_code, _values(response), response.content, detail=drf)


def _values(response: Any) -> HeaderValues:
    """A Django response's header values (Django keeps one per name)."""

    def values(name: str) -> list[str]:
        value = response.headers.get(name)
        return [] if value is None else [value]

    return values


def check_challenge(response: Any, expected: dict[str, str] | None) -> None:
    """``WWW-Authenticate`` parses strictly to ``expected``, attributes in order."""
    header = response.headers.get("WWW-Authenticate")
    if expected is None:
        assert header is None
        return
    assert header is not None
    scheme, params = parse_challenge(header)
    assert scheme == "Bearer"
    assert list(params.items()) == list(expected.items())

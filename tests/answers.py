"""Checking a real HTTP answer against a contract :class:`~tests.contract.Scenario`, and
against the core's own rendered answer (:func:`~tests.contract.core_answer`).

Framework-neutral: the Flask test client, a Django client or ``requests`` over a socket each pass
the status, a case-insensitive header getter and the raw body, and get the same strict checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from jwtguard import AccessToken, ErrorResponse
from jwtguard.testing import parse_challenge
from tests.contract import Scenario

HeaderGetter = Callable[[str], str | None]
#: Every value a response has for a header (case-insensitive); ``[]`` when it has none.
HeaderValues = Callable[[str], list[str]]


def check_error_answer(
    scenario: Scenario, status: int, header: HeaderGetter, body: bytes, *, detail: bool = False
) -> None:
    """Exact status, JSON body, headers and (parsed, ordered) challenge of a rejection.

    ``detail``: the body also has DRF's ``"detail"``, mirroring ``error_description``.
    """
    assert scenario.code is not None, "use this for scenarios that fail"
    expected = dict(scenario.body or {})
    if detail:
        expected["detail"] = scenario.expected_description
    assert (status, json.loads(body)) == (scenario.status, expected)
    assert header("Content-Type") == "application/json"
    assert header("Cache-Control") == "no-store"
    challenge = header("WWW-Authenticate")
    if scenario.challenge is None:
        assert challenge is None
    else:
        assert challenge is not None
        scheme, params = parse_challenge(challenge)
        assert scheme == "Bearer"
        assert list(params.items()) == list(scenario.challenge.items()), "order: design §2"
    if scenario.status == 503:
        assert header("Retry-After") is not None


def check_core_answer(
    core: AccessToken | ErrorResponse,
    status: int,
    values: HeaderValues,
    body: bytes,
    *,
    detail: bool = False,
) -> None:
    """The adapter's answer is the core's own (:func:`~tests.contract.core_answer`).

    Accepted: the view ran and reports the core's token (its JSON ``sub`` and ``scopes``).
    Refused: the core's rendered refusal unchanged: its status, each of its headers once with
    the core's value, no challenge or ``Retry-After`` the core did not send, its body byte for
    byte (``detail``: plus DRF's ``"detail"``, mirroring the description).
    """
    if isinstance(core, AccessToken):
        assert status == 200, body
        answer = json.loads(body)
        assert (answer["sub"], answer["scopes"]) == (core.subject, sorted(core.scopes))
        return
    assert status == core.status
    for name, value in core.headers:
        assert values(name) == [value], name
    for name in ("WWW-Authenticate", "Retry-After"):
        if core.header(name) is None:
            assert values(name) == [], name
    expected = core.body
    if detail:
        document = json.loads(core.body)
        document["detail"] = document["error_description"]
        expected = json.dumps(document, separators=(",", ":")).encode()
    assert body == expected, "byte for byte"

"""The contract table against the example notes APIs of design §6, for every framework's e2e.

A scenario's required scopes pick the endpoint: none → ``GET /api/me``, ``notes:read`` →
``GET /api/notes``, ``notes:write`` → ``POST /api/notes``. The servers are configured with the
contract settings through ``JWTGUARD_*`` environment variables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests

from tests.answers import check_error_answer
from tests.contract import ISSUER, SCENARIOS, SETTINGS, Minter, Scenario

ENDPOINTS: dict[tuple[str, ...], tuple[str, str]] = {
    (): ("GET", "/api/me"),
    ("notes:read",): ("GET", "/api/notes"),
    ("notes:write",): ("POST", "/api/notes"),
}

#: What ``GET /api/me`` answers for the contract's valid tokens.
EXPECTED_ME = {"sub": "alice", "scopes": ["notes:read"], "iss": ISSUER}

#: gunicorn refuses header fields over 8190 bytes itself (400, before any app sees them).
_NOT_OVER_HTTP = {"oversized token"}

E2E_SCENARIOS = tuple(
    scenario
    for scenario in SCENARIOS
    if scenario.scopes in ENDPOINTS and scenario.name not in _NOT_OVER_HTTP
)


def contract_environment(jwks_file: Path) -> dict[str, str]:
    """The contract settings as ``JWTGUARD_*`` variables, trusting the JWK Set in ``jwks_file``."""
    environ = {
        f"JWTGUARD_{key}": ",".join(value) if isinstance(value, list) else str(value)
        for key, value in SETTINGS.items()
    }
    return environ | {"JWTGUARD_JWKS_FILE": str(jwks_file)}


def run_scenario(
    session: requests.Session,
    base_url: str,
    scenario: Scenario,
    minter: Minter,
    *,
    detail: bool = False,
) -> requests.Response:
    """Send ``scenario`` to its endpoint and check the answer: the error, or what the endpoint
    returns for the contract's valid tokens.

    ``detail``: the answer comes from DRF, whose body adds ``"detail"``.
    """
    method, path = ENDPOINTS[scenario.scopes]
    body: Any = {"text": scenario.name} if method == "POST" else None
    response = session.request(
        method,
        base_url + path,
        headers=scenario.headers(minter),
        params=scenario.query(minter),
        json=body,
        timeout=10,
    )
    if scenario.code is None:
        assert response.status_code == 200, response.text
        if scenario.scopes == ():
            assert response.json() == EXPECTED_ME
        else:
            assert isinstance(response.json(), list), "GET /api/notes lists the notes"
    else:
        check_error_answer(
            scenario, response.status_code, response.headers.get, response.content, detail=detail
        )
    return response

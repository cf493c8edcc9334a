"""The Flask example API served by gunicorn on 127.0.0.1, hit over real HTTP (design §6)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from jwtguard.testing import parse_challenge
from tests.contract import Minter, Scenario, bearer
from tests.e2e.notes_api import E2E_SCENARIOS, run_scenario


@pytest.fixture
def base_url(contract_api: Callable[[str], str]) -> str:
    """The run's Flask example API with the contract settings (``conftest.py``)."""
    return contract_api("flask")


@pytest.mark.parametrize("scenario", E2E_SCENARIOS, ids=lambda s: s.name)
def test_contract_over_http(
    base_url: str, session: requests.Session, minter: Minter, scenario: Scenario
) -> None:
    run_scenario(session, base_url, scenario, minter)


def test_the_e2e_table_covers_the_required_cases() -> None:
    names = {scenario.name for scenario in E2E_SCENARIOS}
    required = {
        "no token",
        "Basic scheme",
        "SSWS scheme",
        "Bearer with non-b64token characters",
        "not a JWT",
        "expired",
        "wrong audience",
        "wrong issuer",
        "wrong key, known kid",
        "alg none",
        "missing scope",
        "valid token",
        "valid token with scope",
    }
    assert required <= names


def test_health_is_public(base_url: str, session: requests.Session) -> None:
    response = session.get(base_url + "/health", timeout=10)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_writing_and_reading_notes(
    base_url: str, session: requests.Session, minter: Minter
) -> None:
    writer = bearer(minter.token(scope="notes:write"))
    created = session.post(
        base_url + "/api/notes", headers=writer, json={"text": "e2e"}, timeout=10
    )
    assert created.status_code == 201
    assert created.json()["text"] == "e2e"
    listed = session.get(base_url + "/api/notes", headers=bearer(minter.token()), timeout=10)
    assert created.json() in listed.json()
    refused = session.post(
        base_url + "/api/notes", headers=bearer(minter.token()), json={"text": "x"}, timeout=10
    )
    assert refused.status_code == 403
    assert parse_challenge(refused.headers["WWW-Authenticate"])[1]["scope"] == "notes:write"

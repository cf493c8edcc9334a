"""Flask sends exactly what the core renders: same status, same headers, same body bytes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from jwtguard import AuthError, ErrorResponse, Guard, GuardConfig, KeySourceUnavailable, Validator
from jwtguard.keys import TrustedKey
from jwtguard.request import SimpleRequest
from tests.answers import check_error_answer
from tests.contract import SCENARIOS, Minter, Scenario, bearer
from tests.flask.conftest import AppFactory, contract_app, route

FAILURES = [scenario for scenario in SCENARIOS if scenario.code is not None]


class UnreachableKeySource:
    """A key source whose server is down (as ``tests/core/test_conformance.py`` has it)."""

    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        raise KeySourceUnavailable(detail="connection refused", retry_after=12)


def core_answer(guard: Guard, scenario: Scenario, minter: Minter) -> ErrorResponse:
    request = SimpleRequest(headers=scenario.headers(minter), query=scenario.query(minter))
    try:
        token = guard.authenticate(request)
        assert token is not None
        guard.authorize(token, scenario.scopes)
    except AuthError as error:
        return guard.render(error)
    raise AssertionError(f"{scenario.name} should fail")


def flask_answer(app: Flask, scenario: Scenario, minter: Minter) -> TestResponse:
    return app.test_client().get(
        route(scenario.scopes),
        headers=scenario.headers(minter),
        query_string=scenario.query(minter),
    )


def assert_same(core: ErrorResponse, flask: TestResponse) -> None:
    assert flask.status_code == core.status
    assert flask.get_data() == core.body
    for name, value in core.headers:
        assert flask.headers.getlist(name) == [value], name
    for name in ("WWW-Authenticate", "Retry-After"):
        assert (core.header(name) is None) == (name not in flask.headers), name


@pytest.mark.parametrize("scenario", FAILURES, ids=lambda s: s.name)
def test_flask_answer_is_the_core_answer(
    contract_apps: AppFactory, settings: dict[str, Any], minter: Minter, scenario: Scenario
) -> None:
    core = core_answer(Guard(GuardConfig.from_mapping(settings)), scenario, minter)
    assert_same(core, flask_answer(contract_apps("decorator"), scenario, minter))


@pytest.mark.parametrize("mode", ["decorator", "blueprint"])
def test_key_source_outage_is_503_with_retry_after(
    settings: dict[str, Any], minter: Minter, mode: str
) -> None:
    scenario = Scenario(
        "key source down", 503, "key_source_unavailable", lambda m: bearer(m.token())
    )
    config = GuardConfig.from_mapping(settings)
    core_guard = Guard(config, validator=Validator(config, key_source=UnreachableKeySource()))
    app = contract_app(settings, mode, key_source=UnreachableKeySource())
    response = flask_answer(app, scenario, minter)
    check_error_answer(scenario, response.status_code, response.headers.get, response.data)
    assert response.headers["Retry-After"] == "12"
    assert_same(core_answer(core_guard, scenario, minter), response)

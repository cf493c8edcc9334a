"""Design §2 and §3 through Flask.

The contract table (and the key-source outage) runs once per entry point: ``@jwt_required`` on a
sync view, :meth:`JWTGuard.protect` on a blueprint, :func:`verify_request` in the view; each
answer is the table's and the core's own, unchanged. The matrix sends one scenario per answer
class (:data:`SAMPLES`) to the other ways a view is protected: ``@jwt_required`` on an async view,
``PROTECT_APP``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from werkzeug.test import TestResponse

from tests.answers import check_core_answer, check_error_answer
from tests.contract import CONTRACT, SAMPLES, Minter, Scenario, core_answer
from tests.flask.conftest import AppFactory, route

ENTRY_POINTS = ("decorator", "blueprint", "manual")
MATRIX = ("async", "app")


def _name(scenario: Scenario) -> str:
    return scenario.name


Send = Callable[[str, Scenario], TestResponse]


@pytest.fixture
def send(contract_apps: AppFactory, outage_apps: AppFactory, minter: Minter) -> Send:
    """``send(mode, scenario)``: the answer of the contract app for ``mode`` (its key source
    down for ``KEYS_DOWN``)."""

    def send(mode: str, scenario: Scenario) -> TestResponse:
        app = (outage_apps if scenario.keys_down else contract_apps)(mode)
        return app.test_client().open(
            route(scenario.scopes),
            method=scenario.method,
            headers=scenario.headers(minter),
            query_string=scenario.query(minter),
        )

    return send


def check_contract(response: TestResponse, scenario: Scenario, minter: Minter) -> None:
    """The table's answer to ``scenario``, and the core's own, unchanged."""
    if scenario.code is None:
        assert response.get_json() == {"sub": "alice", "scopes": ["notes:read"]}
    else:
        check_error_answer(scenario, response.status_code, response.headers.get, response.data)
    core = core_answer(scenario, minter)
    check_core_answer(core, response.status_code, response.headers.getlist, response.data)


@pytest.mark.parametrize("mode", ENTRY_POINTS)
@pytest.mark.parametrize("scenario", CONTRACT, ids=_name)
def test_contract(send: Send, minter: Minter, scenario: Scenario, mode: str) -> None:
    check_contract(send(mode, scenario), scenario, minter)


@pytest.mark.parametrize("mode", MATRIX)
@pytest.mark.parametrize("scenario", SAMPLES, ids=_name)
def test_matrix(send: Send, minter: Minter, scenario: Scenario, mode: str) -> None:
    check_contract(send(mode, scenario), scenario, minter)

"""Design §2 and §3 through Flask: the shared table, in every way a view can be protected."""

from __future__ import annotations

import pytest

from tests.answers import check_error_answer
from tests.contract import SCENARIOS, Minter, Scenario
from tests.flask.conftest import MODES, AppFactory, route


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_contract_scenario(
    contract_apps: AppFactory, minter: Minter, scenario: Scenario, mode: str
) -> None:
    client = contract_apps(mode).test_client()
    response = client.open(
        route(scenario.scopes),
        method=scenario.method,
        headers=scenario.headers(minter),
        query_string=scenario.query(minter),
    )
    if scenario.code is None:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json() == {"sub": "alice", "scopes": ["notes:read"]}
    else:
        check_error_answer(scenario, response.status_code, response.headers.get, response.data)

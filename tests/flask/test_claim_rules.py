"""Claim rules and the audience fallback (issue 14 §1) through Flask, in every way a view can be
protected: the same 401 ``invalid_token`` as in Django, whose description names the claim and
never a value a rule expects."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from flask import Flask

from tests.claim_rule_table import SCENARIOS, SETTINGS, reveals
from tests.contract import Minter, Scenario
from tests.flask.conftest import MODES, contract_app, route
from tests.flask.entry_points import check_scenario


@pytest.fixture(scope="module")
def apps(settings: dict[str, Any]) -> Any:
    @cache
    def app(mode: str) -> Flask:
        return contract_app({**settings, **SETTINGS}, mode)

    return app


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_claim_rules(apps: Any, minter: Minter, scenario: Scenario, mode: str) -> None:
    response = apps(mode).test_client().get(route(()), headers=scenario.headers(minter))
    check_scenario(response, scenario, reveals)


def test_the_rules_from_the_environment_form(minter: Minter, settings: dict[str, Any]) -> None:
    """``JWTGUARD_CLAIM_RULES`` as the environment gives it: JSON text in the app's config."""
    text = {name: json.dumps(value) for name, value in SETTINGS.items()}
    client = contract_app({**settings, **text}, "decorator").test_client()
    for scenario in SCENARIOS:
        response = client.get(route(()), headers=scenario.headers(minter))
        assert response.status_code == scenario.status, scenario.name
        if scenario.code is not None:
            assert response.get_json()["code"] == scenario.code

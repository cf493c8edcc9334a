"""Claim rules and the audience fallback (issue 14 §1) through Django: the middleware (sync and
async views), ``@jwt_required`` (sync and async, alone and behind an annotating middleware) and
DRF (in every stack) give the same 401 ``invalid_token``, whose description names the claim and
never a value a rule expects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import AsyncClient, Client, override_settings

from jwtguard_django.checks import check_settings
from tests.claim_rule_table import SCENARIOS, SETTINGS, reveals
from tests.contract import Minter, Scenario
from tests.django.answers import asend, check_answer, send
from tests.django.stacks import DRF_STACKS, drf_stack


def _name(scenario: Scenario) -> str:
    return scenario.name


@pytest.fixture(autouse=True)
def claim_rules(jwtguard_setting: dict[str, object]) -> Iterator[dict[str, object]]:
    value = {**jwtguard_setting, **SETTINGS}
    with override_settings(JWTGUARD=value):
        yield value


@pytest.fixture(params=["without middleware", "annotating middleware"])
def decorator_stack(
    request: pytest.FixtureRequest, claim_rules: dict[str, object]
) -> Iterator[None]:
    if request.param == "without middleware":
        with override_settings(MIDDLEWARE=[]):
            yield
    else:
        with override_settings(JWTGUARD={**claim_rules, "MODE": "annotate"}):
            yield


def check(response: Any, scenario: Scenario, *, drf: bool = False) -> None:
    check_answer(response, scenario, drf=drf)
    if scenario.code is not None:
        challenge = response.headers["WWW-Authenticate"]
        assert reveals(response.content.decode(), challenge) == []


@pytest.mark.parametrize("scenario", SCENARIOS, ids=_name)
@pytest.mark.parametrize("path", ["/plain/", "/async-plain/"])
def test_middleware(client: Client, minter: Minter, scenario: Scenario, path: str) -> None:
    check(send(client, path, scenario, minter), scenario)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=_name)
async def test_middleware_async(
    async_client: AsyncClient, minter: Minter, scenario: Scenario
) -> None:
    check(await asend(async_client, "/async-plain/", scenario, minter), scenario)


@pytest.mark.usefixtures("decorator_stack")
@pytest.mark.parametrize("scenario", SCENARIOS, ids=_name)
@pytest.mark.parametrize("view", ["sync", "async"])
def test_jwt_required(client: Client, minter: Minter, scenario: Scenario, view: str) -> None:
    check(send(client, f"/decorated/{view}/none/", scenario, minter), scenario)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=_name)
@pytest.mark.parametrize("stack", DRF_STACKS)
def test_drf(
    minter: Minter, scenario: Scenario, stack: str, claim_rules: dict[str, object]
) -> None:
    with drf_stack(stack, claim_rules):
        check(send(Client(), "/drf/none/", scenario, minter), scenario, drf=True)


def test_a_wrong_rule_is_a_system_check_error(claim_rules: dict[str, object]) -> None:
    wrong = {**claim_rules, "CLAIM_RULES": [{"claim": "hd", "one_of": "example.com"}]}
    with override_settings(JWTGUARD=wrong):
        [message] = check_settings()
    assert message.id == "jwtguard.E006"
    assert message.msg == (
        "CLAIM_RULES[0]: one_of must be a non-empty list of values (for one value, use equals)"
    )

"""Design §2 and §3 through Django: every row of the shared contract table, answered by the
middleware (plain views), ``@jwt_required`` and DRF (the same with or without the middleware),
in sync and async stacks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import AsyncClient, Client, override_settings

from tests.contract import SCENARIOS, Minter, Scenario
from tests.django.answers import asend, check_answer, check_unavailable, send
from tests.django.stacks import DRF_STACKS, drf_stack, wire
from tests.django.urls import scope_key

UNSCOPED = [scenario for scenario in SCENARIOS if not scenario.scopes]
VALID = next(scenario for scenario in SCENARIOS if scenario.name == "valid token")
KINDS = ["sync", "async"]


def _name(scenario: Scenario) -> str:
    return scenario.name


@pytest.fixture(params=["without middleware", "annotating middleware"])
def decorator_stack(
    request: pytest.FixtureRequest, jwtguard_setting: dict[str, object]
) -> Iterator[None]:
    """``@jwt_required`` on its own, and behind a middleware that only annotates."""
    if request.param == "without middleware":
        with override_settings(MIDDLEWARE=[]):
            yield
    else:
        with override_settings(JWTGUARD={**jwtguard_setting, "MODE": "annotate"}):
            yield


# --- (a) the middleware in front of plain views (scopes are the views' business) -------------


@pytest.mark.parametrize("scenario", UNSCOPED, ids=_name)
@pytest.mark.parametrize("path", ["/plain/", "/async-plain/"])
def test_middleware(client: Client, minter: Minter, scenario: Scenario, path: str) -> None:
    check_answer(send(client, path, scenario, minter), scenario)


@pytest.mark.parametrize("scenario", UNSCOPED, ids=_name)
@pytest.mark.parametrize("path", ["/plain/", "/async-plain/"])
async def test_middleware_async(
    async_client: AsyncClient, minter: Minter, scenario: Scenario, path: str
) -> None:
    check_answer(await asend(async_client, path, scenario, minter), scenario)


# --- (b) @jwt_required, alone and behind an annotating middleware ----------------------------


@pytest.mark.usefixtures("decorator_stack")
@pytest.mark.parametrize("scenario", SCENARIOS, ids=_name)
@pytest.mark.parametrize("view", KINDS)
def test_decorator(client: Client, minter: Minter, scenario: Scenario, view: str) -> None:
    path = f"/decorated/{view}/{scope_key(scenario.scopes)}/"
    check_answer(send(client, path, scenario, minter), scenario)


@pytest.mark.usefixtures("decorator_stack")
@pytest.mark.parametrize("scenario", SCENARIOS, ids=_name)
@pytest.mark.parametrize("view", KINDS)
async def test_decorator_async(
    async_client: AsyncClient, minter: Minter, scenario: Scenario, view: str
) -> None:
    path = f"/decorated/{view}/{scope_key(scenario.scopes)}/"
    check_answer(await asend(async_client, path, scenario, minter), scenario)


# --- (c) DRF: JWTAuthentication + HasScopes, without and behind the middleware ---------------


@pytest.mark.parametrize("scenario", SCENARIOS, ids=_name)
def test_drf(minter: Minter, scenario: Scenario, jwtguard_setting: dict[str, object]) -> None:
    """DRF answers every row itself, byte for byte the same with or without the middleware."""
    answers = {}
    for stack in DRF_STACKS:
        with drf_stack(stack, jwtguard_setting):
            response = send(Client(), f"/drf/{scope_key(scenario.scopes)}/", scenario, minter)
        check_answer(response, scenario, drf=True)
        answers[stack] = wire(response)
    assert len(set(answers.values())) == 1, answers


@pytest.mark.parametrize("scenario", SCENARIOS, ids=_name)
async def test_drf_async_stack(
    minter: Minter, scenario: Scenario, jwtguard_setting: dict[str, object]
) -> None:
    answers = {}
    for stack in DRF_STACKS:
        with drf_stack(stack, jwtguard_setting):
            path = f"/drf/{scope_key(scenario.scopes)}/"
            response = await asend(AsyncClient(), path, scenario, minter)
        check_answer(response, scenario, drf=True)
        answers[stack] = wire(response)
    assert len(set(answers.values())) == 1, answers


# --- 503: the key source is unreachable, through each path ----------------------------------


OUTAGES = pytest.mark.parametrize(
    ("path", "middleware", "drf"),
    [
        ("/plain/", True, False),
        ("/async-plain/", True, False),
        ("/decorated/sync/none/", False, False),
        ("/decorated/async/none/", False, False),
        ("/drf/none/", False, True),
        ("/drf/none/", True, True),
    ],
)


def _stack(middleware: bool) -> override_settings:
    return override_settings() if middleware else override_settings(MIDDLEWARE=[])


@pytest.mark.usefixtures("unreachable_keys")
@OUTAGES
def test_key_source_outage(
    client: Client, minter: Minter, path: str, middleware: bool, drf: bool
) -> None:
    with _stack(middleware):
        check_unavailable(send(client, path, VALID, minter), drf=drf)


@pytest.mark.usefixtures("unreachable_keys")
@OUTAGES
async def test_key_source_outage_async(
    async_client: AsyncClient, minter: Minter, path: str, middleware: bool, drf: bool
) -> None:
    with _stack(middleware):
        check_unavailable(await asend(async_client, path, VALID, minter), drf=drf)

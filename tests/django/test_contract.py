"""Design §2 and §3 through Django.

The contract table (and the key-source outage) runs once per entry point: the middleware in front
of a plain view, ``@jwt_required`` on its own, DRF's ``JWTAuthentication`` + ``HasScopes`` on its
own; each answer is the table's and the core's own, unchanged (:func:`check_contract`). The
sync/async x stack matrices send one scenario per answer class (:data:`SAMPLES`): sync and async
views and clients, ``@jwt_required`` behind an annotating middleware, DRF behind an enforcing or
annotating one (where it must answer byte for byte as without).
"""

from __future__ import annotations

import pytest
from django.test import AsyncClient, Client

from tests.contract import CONTRACT, SAMPLES, Minter, Scenario
from tests.django.answers import asend, check_contract, send
from tests.django.conftest import cut_off_keys
from tests.django.stacks import DRF_STACKS, stack, wire
from tests.django.urls import scope_key

UNSCOPED = [scenario for scenario in CONTRACT if not scenario.scopes]
UNSCOPED_SAMPLES = [scenario for scenario in SAMPLES if not scenario.scopes]
NONE, ANNOTATING = "without middleware", "annotating middleware"


def _name(scenario: Scenario) -> str:
    return scenario.name


def _keys(scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    """Take the configured guard's key source down if ``scenario`` says so."""
    if scenario.keys_down:
        cut_off_keys(monkeypatch)


def test_the_samples_are_one_per_answer_class() -> None:
    classes = [scenario.answer_class for scenario in SAMPLES]
    assert len(set(classes)) == len(classes)
    assert set(classes) == {scenario.answer_class for scenario in CONTRACT}


# --- the table, once per entry point ---------------------------------------------------------


@pytest.mark.parametrize("scenario", UNSCOPED, ids=_name)
def test_middleware(
    client: Client, minter: Minter, monkeypatch: pytest.MonkeyPatch, scenario: Scenario
) -> None:
    """A plain view behind the middleware (scopes are the view's business)."""
    _keys(scenario, monkeypatch)
    check_contract(send(client, "/plain/", scenario, minter), scenario, minter)


@pytest.mark.parametrize("scenario", CONTRACT, ids=_name)
def test_decorator(
    client: Client,
    minter: Minter,
    monkeypatch: pytest.MonkeyPatch,
    scenario: Scenario,
    jwtguard_setting: dict[str, object],
) -> None:
    """``@jwt_required`` on a sync view, without the middleware."""
    _keys(scenario, monkeypatch)
    with stack(NONE, jwtguard_setting):
        response = send(client, f"/decorated/sync/{scope_key(scenario.scopes)}/", scenario, minter)
    check_contract(response, scenario, minter)


@pytest.mark.parametrize("scenario", CONTRACT, ids=_name)
def test_drf(
    client: Client,
    minter: Minter,
    monkeypatch: pytest.MonkeyPatch,
    scenario: Scenario,
    jwtguard_setting: dict[str, object],
) -> None:
    """DRF's ``JWTAuthentication`` + ``HasScopes``, without the middleware."""
    _keys(scenario, monkeypatch)
    with stack(NONE, jwtguard_setting):
        response = send(client, f"/drf/{scope_key(scenario.scopes)}/", scenario, minter)
    check_contract(response, scenario, minter, drf=True)


# --- the matrices: one scenario per answer class -----------------------------------------------


@pytest.mark.parametrize("scenario", UNSCOPED_SAMPLES, ids=_name)
def test_middleware_matrix(
    client: Client, minter: Minter, monkeypatch: pytest.MonkeyPatch, scenario: Scenario
) -> None:
    """A sync stack in front of an async view (the table ran the sync view)."""
    _keys(scenario, monkeypatch)
    check_contract(send(client, "/async-plain/", scenario, minter), scenario, minter)


@pytest.mark.parametrize("scenario", UNSCOPED_SAMPLES, ids=_name)
@pytest.mark.parametrize("path", ["/plain/", "/async-plain/"])
async def test_middleware_matrix_async(
    async_client: AsyncClient,
    minter: Minter,
    monkeypatch: pytest.MonkeyPatch,
    scenario: Scenario,
    path: str,
) -> None:
    """An async stack in front of a sync and an async view."""
    _keys(scenario, monkeypatch)
    check_contract(await asend(async_client, path, scenario, minter), scenario, minter)


@pytest.mark.parametrize("scenario", SAMPLES, ids=_name)
@pytest.mark.parametrize(
    ("setup", "view"), [(NONE, "async"), (ANNOTATING, "sync"), (ANNOTATING, "async")]
)
def test_decorator_matrix(
    minter: Minter,
    monkeypatch: pytest.MonkeyPatch,
    scenario: Scenario,
    setup: str,
    view: str,
    jwtguard_setting: dict[str, object],
) -> None:
    """``@jwt_required`` on a sync or async view, alone or behind an annotating middleware, in
    a sync stack."""
    with stack(setup, jwtguard_setting):
        _keys(scenario, monkeypatch)
        path = f"/decorated/{view}/{scope_key(scenario.scopes)}/"
        response = send(Client(), path, scenario, minter)
    check_contract(response, scenario, minter)


@pytest.mark.parametrize("scenario", SAMPLES, ids=_name)
@pytest.mark.parametrize("view", ["sync", "async"])
@pytest.mark.parametrize("setup", [NONE, ANNOTATING])
async def test_decorator_matrix_async(
    minter: Minter,
    monkeypatch: pytest.MonkeyPatch,
    scenario: Scenario,
    setup: str,
    view: str,
    jwtguard_setting: dict[str, object],
) -> None:
    """The same in an async stack."""
    with stack(setup, jwtguard_setting):
        _keys(scenario, monkeypatch)
        path = f"/decorated/{view}/{scope_key(scenario.scopes)}/"
        response = await asend(AsyncClient(), path, scenario, minter)
    check_contract(response, scenario, minter)


@pytest.mark.parametrize("scenario", SAMPLES, ids=_name)
def test_drf_matrix(
    minter: Minter,
    monkeypatch: pytest.MonkeyPatch,
    scenario: Scenario,
    jwtguard_setting: dict[str, object],
) -> None:
    """DRF answers itself, byte for byte the same with or without the middleware."""
    answers = {}
    for setup in DRF_STACKS:
        with stack(setup, jwtguard_setting):
            _keys(scenario, monkeypatch)
            response = send(Client(), f"/drf/{scope_key(scenario.scopes)}/", scenario, minter)
        check_contract(response, scenario, minter, drf=True)
        answers[setup] = wire(response)
    assert len(set(answers.values())) == 1, answers


@pytest.mark.parametrize("scenario", SAMPLES, ids=_name)
async def test_drf_matrix_async(
    minter: Minter,
    monkeypatch: pytest.MonkeyPatch,
    scenario: Scenario,
    jwtguard_setting: dict[str, object],
) -> None:
    """The same in an async stack."""
    answers = {}
    for setup in DRF_STACKS:
        with stack(setup, jwtguard_setting):
            _keys(scenario, monkeypatch)
            path = f"/drf/{scope_key(scenario.scopes)}/"
            response = await asend(AsyncClient(), path, scenario, minter)
        check_contract(response, scenario, minter, drf=True)
        answers[setup] = wire(response)
    assert len(set(answers.values())) == 1, answers

"""Scopes and roles through Django (#14 §2): every case of :mod:`tests.roles` answered by
``@jwt_required`` (sync and async views, alone and behind an annotating middleware) and by DRF's
``HasScopes`` + ``HasRoles`` (with and without the middleware): the same status, challenge and
body everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import AsyncClient, Client, override_settings

from tests.contract import Minter, bearer
from tests.django.stacks import DRF_STACKS, drf_stack, wire
from tests.roles import CASES, VIEWS, RoleCase, check_role_answer, settings_of

pytestmark = pytest.mark.urls("tests.django.role_views")

DRF_CASES = [case for case in CASES if VIEWS[case.view].drf]


def _name(case: RoleCase) -> str:
    return case.name


@pytest.fixture
def role_settings(request: pytest.FixtureRequest, minter: Minter) -> Iterator[dict[str, object]]:
    case: RoleCase = request.getfixturevalue("case")
    value = settings_of(case.config, minter)
    with override_settings(JWTGUARD=value):
        yield value


@pytest.fixture(params=["without middleware", "annotating middleware"])
def decorator_stack(
    request: pytest.FixtureRequest, role_settings: dict[str, object]
) -> Iterator[None]:
    if request.param == "without middleware":
        with override_settings(MIDDLEWARE=[]):
            yield
    else:
        with override_settings(JWTGUARD={**role_settings, "MODE": "annotate"}):
            yield


def check(response: Any, case: RoleCase, *, drf: bool = False) -> None:
    status, headers, body = response.status_code, response.headers.get, response.content
    check_role_answer(case, status, headers, body, detail=drf)


@pytest.mark.usefixtures("decorator_stack")
@pytest.mark.parametrize("case", CASES, ids=_name)
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_decorator(minter: Minter, case: RoleCase, kind: str) -> None:
    response = Client().get(f"/roles/{kind}/{case.view}/", headers=case.headers(minter))
    check(response, case)


@pytest.mark.usefixtures("decorator_stack")
@pytest.mark.parametrize("case", CASES, ids=_name)
async def test_decorator_in_an_async_stack(minter: Minter, case: RoleCase) -> None:
    response = await AsyncClient().get(f"/roles/async/{case.view}/", headers=case.headers(minter))
    check(response, case)


@pytest.mark.parametrize("case", DRF_CASES, ids=_name)
def test_drf(minter: Minter, case: RoleCase, role_settings: dict[str, object]) -> None:
    """HasScopes then HasRoles: byte for byte the same with or without the middleware."""
    answers = {}
    for stack in DRF_STACKS:
        with drf_stack(stack, role_settings):
            response = Client().get(f"/roles/drf/{case.view}/", headers=case.headers(minter))
        check(response, case, drf=True)
        answers[stack] = wire(response)
        if case.code is None:
            assert response.json()["auth"] is True
    assert len(set(answers.values())) == 1, answers


@pytest.mark.parametrize(
    ("method", "roles", "status"),
    [
        ("GET", ["Notes Reader"], 200),
        ("GET", ["Notes", "Reader"], 403),  # a role string is one role
        ("POST", ["Notes Reader"], 403),
        ("POST", ["Notes Reader", "Notes.Write"], 201),
    ],
)
def test_drf_roles_per_method(minter: Minter, method: str, roles: list[str], status: int) -> None:
    response = Client().generic(
        method, "/roles/per-method/", headers=bearer(minter.token(roles=roles))
    )
    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "insufficient_role"
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="notes"'

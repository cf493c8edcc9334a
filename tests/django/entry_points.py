"""A feature's scenario table through every Django entry point: the middleware (sync and async
views), ``@jwt_required`` (sync and async, alone and behind an annotating middleware) and DRF (in
every stack), each answer checked exactly and told nothing the feature's settings hold.

A test module assigns the tests and the fixture :func:`entry_point_tests` returns to its own
names (so pytest collects them there), next to an autouse fixture of the feature's settings."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any, NamedTuple

import pytest
from django.test import AsyncClient, Client, override_settings

from tests.contract import Minter, Scenario
from tests.django.answers import asend, check_answer, send
from tests.django.stacks import DRF_STACKS, drf_stack

#: What a refusal told its client of the values the feature's settings hold (there should be none).
Reveals = Callable[[str, str], list[str]]


class EntryPointTests(NamedTuple):
    """The ``decorator_stack`` fixture and the four tests, in the names a module gives them."""

    decorator_stack: Any
    test_middleware: Callable[..., None]
    test_middleware_async: Callable[..., Coroutine[Any, Any, None]]
    test_jwt_required: Callable[..., None]
    test_drf: Callable[..., None]


def check(response: Any, scenario: Scenario, reveals: Reveals, *, drf: bool = False) -> None:
    """The exact answer to ``scenario``; a refusal reveals none of the settings' values."""
    check_answer(response, scenario, drf=drf)
    if scenario.code is not None:
        challenge = response.headers["WWW-Authenticate"]
        assert reveals(response.content.decode(), challenge) == []


def entry_point_tests(
    scenarios: Sequence[Scenario], reveals: Reveals, guard_settings: str
) -> EntryPointTests:
    """The tests of ``scenarios`` through each entry point; ``guard_settings`` names the
    module's fixture giving its ``JWTGUARD`` setting (which the module already applies)."""

    def name(scenario: Scenario) -> str:
        return scenario.name

    @pytest.fixture(params=["without middleware", "annotating middleware"])
    def decorator_stack(request: pytest.FixtureRequest) -> Iterator[None]:
        if request.param == "without middleware":
            with override_settings(MIDDLEWARE=[]):
                yield
        else:
            value = request.getfixturevalue(guard_settings)
            with override_settings(JWTGUARD={**value, "MODE": "annotate"}):
                yield

    @pytest.mark.parametrize("scenario", scenarios, ids=name)
    @pytest.mark.parametrize("path", ["/plain/", "/async-plain/"])
    def test_middleware(client: Client, minter: Minter, scenario: Scenario, path: str) -> None:
        check(send(client, path, scenario, minter), scenario, reveals)

    @pytest.mark.parametrize("scenario", scenarios, ids=name)
    async def test_middleware_async(
        async_client: AsyncClient, minter: Minter, scenario: Scenario
    ) -> None:
        check(await asend(async_client, "/async-plain/", scenario, minter), scenario, reveals)

    @pytest.mark.usefixtures("decorator_stack")
    @pytest.mark.parametrize("scenario", scenarios, ids=name)
    @pytest.mark.parametrize("view", ["sync", "async"])
    def test_jwt_required(client: Client, minter: Minter, scenario: Scenario, view: str) -> None:
        check(send(client, f"/decorated/{view}/none/", scenario, minter), scenario, reveals)

    @pytest.mark.parametrize("scenario", scenarios, ids=name)
    @pytest.mark.parametrize("stack", DRF_STACKS)
    def test_drf(
        request: pytest.FixtureRequest, minter: Minter, scenario: Scenario, stack: str
    ) -> None:
        with drf_stack(stack, request.getfixturevalue(guard_settings)):
            check(send(Client(), "/drf/none/", scenario, minter), scenario, reveals, drf=True)

    return EntryPointTests(
        decorator_stack, test_middleware, test_middleware_async, test_jwt_required, test_drf
    )

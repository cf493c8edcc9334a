"""Fixtures for the Django tests: the contract configuration as the ``JWTGUARD`` setting."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from django.test import override_settings

from jwtguard import Validator
from jwtguard.keys import StaticKeySource, TrustedKey
from jwtguard_django.conf import get_guard
from tests.contract import SETTINGS, Minter, UnreachableKeySource
from tests.django.stacks import DRF_STACKS, drf_stack


@pytest.fixture(autouse=True)
def jwtguard_setting(minter: Minter) -> Iterator[dict[str, object]]:
    """Every Django test runs with the contract settings (tests may override on top)."""
    value = {**SETTINGS, "JWKS": minter.jwks()}
    with override_settings(JWTGUARD=value):
        yield value


@pytest.fixture
def unreachable_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The configured guard's key source is down (as a remote JWKS can be)."""
    cut_off_keys(monkeypatch)


def cut_off_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Take the currently configured guard's key source down."""
    guard = get_guard()
    validator = Validator(guard.config, key_source=UnreachableKeySource())
    monkeypatch.setattr(guard, "validator", validator)


class AsyncOnlyKeySource:
    """Keys only async code may ask for (the sync lookup would block an event loop)."""

    def __init__(self, static: StaticKeySource) -> None:
        self.static = static
        self.lookups = 0

    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        raise AssertionError("a blocking key lookup from async code")

    async def acandidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        self.lookups += 1
        return self.static.candidates(kid, algorithm)


@pytest.fixture
def async_only_keys(monkeypatch: pytest.MonkeyPatch) -> AsyncOnlyKeySource:
    guard = get_guard()
    keys = AsyncOnlyKeySource(StaticKeySource(guard.config.key_set))
    monkeypatch.setattr(guard, "validator", Validator(guard.config, key_source=keys))
    return keys


@pytest.fixture(params=DRF_STACKS)
def any_drf_stack(
    request: pytest.FixtureRequest, jwtguard_setting: dict[str, object]
) -> Iterator[str]:
    """Each setup a DRF view is served in (:mod:`tests.django.stacks`)."""
    with drf_stack(request.param, jwtguard_setting):
        yield request.param

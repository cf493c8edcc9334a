"""Fixtures for the Django tests: the contract configuration as the ``JWTGUARD`` setting."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from django.test import override_settings

from jwtguard import KeySourceUnavailable
from jwtguard.keys import TrustedKey
from jwtguard_django.conf import get_guard
from tests.contract import SETTINGS, Minter


@pytest.fixture(autouse=True)
def jwtguard_setting(minter: Minter) -> Iterator[dict[str, object]]:
    """Every Django test runs with the contract settings (tests may override on top)."""
    value = {**SETTINGS, "JWKS": minter.jwks()}
    with override_settings(JWTGUARD=value):
        yield value


class UnreachableKeySource:
    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        raise KeySourceUnavailable(detail="connection refused", retry_after=12)


@pytest.fixture
def unreachable_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The configured guard's key source is down (as a remote JWKS can be)."""
    monkeypatch.setattr(get_guard().validator, "key_source", UnreachableKeySource())

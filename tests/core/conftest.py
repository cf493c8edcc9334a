"""Core fixtures: the contract configuration as a GuardConfig and Validator."""

from __future__ import annotations

import pytest

from jwtguard import GuardConfig, Validator
from tests.contract import SETTINGS, Minter


@pytest.fixture(scope="session")
def config(minter: Minter) -> GuardConfig:
    return GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()})


@pytest.fixture(scope="session")
def validator(config: GuardConfig) -> Validator:
    return Validator(config)

"""Fixtures shared by every test package."""

from __future__ import annotations

import pytest

from tests.contract import Minter


@pytest.fixture(scope="session")
def minter() -> Minter:
    """Keys and tokens for the contract configuration (generated once per test session)."""
    return Minter()

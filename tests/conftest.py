"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract import Minter
from tests.oidc_provider import OpenIDProvider
from tests.redis_server import RedisServer


@pytest.fixture(scope="session")
def minter() -> Minter:
    """Keys and tokens for the contract configuration (generated once per test session)."""
    return Minter()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the session (skipped without it, unless ``CI`` is set)."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, emptied for this test."""
    if not redis_server.ping():  # a test stopped it: start it again
        redis_server.start()
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own, which it may kill and restart."""
    directory = tmp_path / "own-redis"
    directory.mkdir()
    server = RedisServer(directory).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def oidc_provider_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenIDProvider]:
    """One real OpenID provider (oidc-provider on node) for the session; skipped without node
    and npm, unless ``CI`` is set."""
    provider = OpenIDProvider(tmp_path_factory.mktemp("oidc-provider")).start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture
def oidc_provider(oidc_provider_process: OpenIDProvider) -> OpenIDProvider:
    """The session's OpenID provider, listening (a test may have taken it down)."""
    oidc_provider_process.up()
    return oidc_provider_process

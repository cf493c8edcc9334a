"""Fixtures shared by the end-to-end tests.

The servers are started once per test run (``servers``), the first time a test needs one, and
stopped when the run ends; each test then reads and writes only what it made itself (its own
notes, tokens with their own ``jti``, subjects of its own). A test that needs a server
configured for it alone (a start-up behaviour, an outage, a per-process store) starts its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests

from tests.contract import Minter
from tests.e2e.dev_api import LOG_FORMAT, PAGE, DevApi, Pages
from tests.e2e.gunicorn import SharedServers
from tests.e2e.notes_api import contract_environment
from tests.servers import RecordingServer, Route, recording_server


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedServers]:
    """The example APIs this run shares, each started at its first use."""
    with ExitStack() as stack:
        shared = SharedServers(stack, tmp_path_factory.mktemp("servers"))
        yield shared
        shared.terminate()


@pytest.fixture(scope="session")
def jwks_file(minter: Minter, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The contract's JWK Set, published to the servers as a file."""
    path = tmp_path_factory.mktemp("keys") / "jwks.json"
    path.write_text(json.dumps(minter.jwks()))
    return path


@pytest.fixture
def contract_api(servers: SharedServers, jwks_file: Path) -> Callable[[str], str]:
    """The base URL of a framework's example API with the contract settings."""

    def url(framework: str) -> str:
        env = contract_environment(jwks_file)
        return servers.api(f"contract-{framework}", framework, env).url

    return url


@pytest.fixture(scope="session")
def pages() -> Iterator[Pages]:
    """The page the browser tests load, on the origin the development APIs allow and on
    another one."""
    with recording_server() as allowed, recording_server() as other:
        for server in (allowed, other):
            server.serve("/", Route(200, PAGE, {"Content-Type": "text/html; charset=utf-8"}))
        yield Pages(allowed.url + "/", other.url + "/")


@pytest.fixture
def dev_api(servers: SharedServers, pages: Pages) -> Callable[[str], DevApi]:
    """A framework's example API as its README runs it (``dev_api.py``)."""

    def api(framework: str) -> DevApi:
        env = {"CORS_ALLOWED_ORIGINS": pages.allowed_origin}
        server = servers.api(f"dev-{framework}", framework, env, access_log_format=LOG_FORMAT)
        assert server.access_log is not None
        return DevApi(framework, server.url, server.access_log)

    return api


@pytest.fixture(scope="session")
def idp() -> Iterator[RecordingServer]:
    """An identity provider for the run; each test serves its keys under paths of its own."""
    with recording_server() as server:
        yield server

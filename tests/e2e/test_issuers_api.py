"""Several issuers (issue 14 §4) over real HTTP: both example APIs under gunicorn, configured by
``JWTGUARD_TRUSTED_ISSUERS`` as JSON in the environment (the contract issuer's keys in a file,
the other issuer's and the tenants' fetched from a real server on 127.0.0.1), answer the shared
table of issuers and keys from DRF (``/api/me`` in Django), a plain Django view behind the
middleware and ``@jwt_required`` (``/plain/me``) and Flask (``/api/me``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.contract import Minter, bearer
from tests.e2e.example_apis import ENDPOINTS, over_http_test, serve_both
from tests.e2e.notes_api import contract_environment
from tests.issuer_table import (
    KEYS,
    SCENARIOS,
    T1,
    T2,
    reveals,
    serve_keys,
    tenant,
    trusted_issuers,
)
from tests.servers import RecordingServer, recording_server


def environment(jwks_file: Path, minter: Minter, url: str) -> dict[str, str]:
    issuers = trusted_issuers(minter, url)
    issuers[next(iter(issuers))] = {"JWKS_FILE": str(jwks_file)}  # the contract issuer's file
    env = {
        name: value
        for name, value in contract_environment(jwks_file).items()
        if name not in ("JWTGUARD_ISSUER", "JWTGUARD_JWKS_FILE")
    }
    env["JWTGUARD_TRUSTED_ISSUERS"] = json.dumps(issuers)
    return env


@pytest.fixture(scope="module")
def idp() -> Iterator[RecordingServer]:
    with recording_server() as server:
        serve_keys(server)
        yield server


@pytest.fixture(scope="module")
def servers(
    minter: Minter, idp: RecordingServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    directory = tmp_path_factory.mktemp("issuers")
    with serve_both(minter, directory, lambda jwks: environment(jwks, minter, idp.url)) as urls:
        yield urls


test_issuers_over_http = over_http_test(SCENARIOS, reveals)


@pytest.mark.parametrize(("project", "path", "drf"), ENDPOINTS)
def test_a_tenants_token_names_its_own_issuer(
    servers: dict[str, str],
    session: requests.Session,
    minter: Minter,
    project: str,
    path: str,
    drf: bool,
) -> None:
    """What ``/api/me`` answers for a tenant is its concrete issuer, never the template."""
    for tid in (T1, T2):
        token = minter.token(KEYS["common"], iss=tenant(tid), tid=tid)
        response = session.get(servers[project] + path, headers=bearer(token), timeout=10)
        assert response.status_code == 200, response.text
        if path == "/api/me":
            assert response.json()["iss"] == tenant(tid)

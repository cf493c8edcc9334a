"""Several issuers (issue 14 §4) through Flask, in every way a view can be protected: the same
answers as in Django to the shared table of issuers and keys (fetched from a real server on
127.0.0.1), with ``TRUSTED_ISSUERS`` as a dict or as the JSON text the environment gives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from flask import Flask

from tests.contract import Minter, Scenario, bearer
from tests.flask.conftest import MODES, contract_app, route
from tests.flask.entry_points import check_scenario
from tests.issuer_table import (
    COMMON_KEYS,
    KEYS,
    SCENARIOS,
    T1,
    T2,
    reveals,
    serve_keys,
    tenant,
    trusted_issuers,
)
from tests.issuer_table import settings as issuer_settings
from tests.servers import RecordingServer, recording_server


@pytest.fixture(scope="module")
def idp() -> Iterator[RecordingServer]:
    with recording_server() as server:
        serve_keys(server)
        yield server


@pytest.fixture(scope="module")
def apps(settings: dict[str, Any], minter: Minter, idp: RecordingServer) -> Any:
    @cache
    def app(mode: str) -> Flask:
        return contract_app(issuer_settings(settings, minter, idp.url), mode)

    return app


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_issuers(apps: Any, minter: Minter, scenario: Scenario, mode: str) -> None:
    response = apps(mode).test_client().get(route(()), headers=scenario.headers(minter))
    check_scenario(response, scenario, reveals)


def test_the_environment_form(
    settings: dict[str, Any], minter: Minter, idp: RecordingServer
) -> None:
    """``JWTGUARD_TRUSTED_ISSUERS`` as the environment gives it: JSON text in the app's config."""
    single = {k: v for k, v in settings.items() if k not in ("ISSUER", "JWKS")}
    text = {**single, "TRUSTED_ISSUERS": json.dumps(trusted_issuers(minter, idp.url))}
    client = contract_app(text, "decorator").test_client()
    for scenario in SCENARIOS:
        check_scenario(client.get(route(()), headers=scenario.headers(minter)), scenario, reveals)


def test_the_tenants_keys_are_fetched_once(
    settings: dict[str, Any], minter: Minter, idp: RecordingServer
) -> None:
    client = contract_app(issuer_settings(settings, minter, idp.url), "app").test_client()
    before = idp.hits(COMMON_KEYS)
    for tid in (T1, T2) * 5:
        token = minter.token(KEYS["common"], iss=tenant(tid), tid=tid)
        assert client.get(route(()), headers=bearer(token)).status_code == 200
    assert idp.hits(COMMON_KEYS) - before == 1

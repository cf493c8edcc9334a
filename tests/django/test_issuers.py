"""Several issuers (issue 14 §4) through Django: the middleware (sync and async views),
``@jwt_required`` (sync and async, alone and behind an annotating middleware) and DRF (in every
stack) give the same answers to the shared table of issuers and keys, whose keys are fetched
from a real server on 127.0.0.1; the tenants' keys are fetched once; a wrong ``TRUSTED_ISSUERS``
is a system check error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, override_settings

from jwtguard_django.checks import check_settings
from tests.contract import Minter, bearer
from tests.django.entry_points import entry_point_tests
from tests.issuer_table import (
    COMMON_KEYS,
    KEYS,
    OTHER,
    SCENARIOS,
    TEMPLATE,
    reveals,
    serve_keys,
    settings,
    tenant,
)
from tests.servers import RecordingServer, recording_server


@pytest.fixture(scope="module")
def idp() -> Iterator[RecordingServer]:
    with recording_server() as server:
        serve_keys(server)
        yield server


@pytest.fixture(autouse=True)
def issuers(
    jwtguard_setting: dict[str, object], minter: Minter, idp: RecordingServer
) -> Iterator[dict[str, Any]]:
    value = settings(dict(jwtguard_setting), minter, idp.url)
    with override_settings(JWTGUARD=value):
        yield value


decorator_stack, test_middleware, test_middleware_async, test_jwt_required, test_drf = (
    entry_point_tests(SCENARIOS, reveals, "issuers")
)


def test_the_tenants_keys_are_fetched_once(
    client: Client, minter: Minter, idp: RecordingServer, issuers: dict[str, Any]
) -> None:
    tenants = [f"72f988bf-0000-4000-8000-{index:012x}" for index in range(12)]
    trusted = {**issuers["TRUSTED_ISSUERS"]}
    trusted[TEMPLATE] = {**trusted[TEMPLATE], "TENANTS": tenants}
    before = idp.hits(COMMON_KEYS)
    with override_settings(JWTGUARD={**issuers, "TRUSTED_ISSUERS": trusted}):  # a new guard
        for tid in tenants:
            token = minter.token(KEYS["common"], iss=tenant(tid), tid=tid)
            assert client.get("/plain/", headers=bearer(token)).status_code == 200
    assert idp.hits(COMMON_KEYS) - before == 1


def test_static_keys_for_several_issuers_are_a_system_check_error(
    jwtguard_setting: dict[str, object],
) -> None:
    shared = {**jwtguard_setting, "ISSUER": [jwtguard_setting["ISSUER"], OTHER]}
    with override_settings(JWTGUARD=shared):
        [message] = check_settings()
    assert message.id == "jwtguard.E006"
    assert message.msg.startswith("JWKS would be trusted for each of the 2 ISSUER values")


def test_a_wrong_entry_is_a_system_check_error(issuers: dict[str, Any]) -> None:
    wrong = {**issuers, "TRUSTED_ISSUERS": {OTHER: {"JWKS_URI": "https://b.example/keys"}}}
    with override_settings(JWTGUARD=wrong):
        [message] = check_settings()
    assert message.id == "jwtguard.E006"
    assert message.msg == (
        f"TRUSTED_ISSUERS[{OTHER!r}]: unknown key 'JWKS_URI' (did you mean JWKS_URL?)"
    )

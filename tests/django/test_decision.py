"""The core's one decision behind every Django entry point: the token is looked for once per
request (refused or not, however many of the middleware, ``@jwt_required`` and the DRF classes
ask), and every refusal is audited once."""

from __future__ import annotations

import logging

import pytest
from django.test import AsyncClient, Client, override_settings

from tests.audit import audit_records
from tests.contract import SCENARIOS, Minter, Scenario, bearer
from tests.extractions import count_extractions

OURS = "jwtguard_django.middleware.JWTGuardMiddleware"
NO_TOKEN = next(s for s in SCENARIOS if s.name == "no token")
EXPIRED = next(s for s in SCENARIOS if s.name == "expired")
BASIC = next(s for s in SCENARIOS if s.name == "Basic scheme")

#: (stack, path, scenario, status): refusals through each entry point and their combinations.
REFUSALS = [
    ([OURS], "/plain/", NO_TOKEN, 401),
    ([OURS], "/plain/", EXPIRED, 401),
    ([OURS], "/plain/", BASIC, 401),
    ([], "/bare/", NO_TOKEN, 401),
    ([], "/bare/", EXPIRED, 401),
    ([], "/decorated/sync/notes_write/", None, 403),
    ([OURS], "/decorated/sync/notes_write/", None, 403),
    ([OURS], "/decorated/async/notes_write/", None, 403),
    ([], "/drf/notes/", NO_TOKEN, 401),
    ([], "/drf/authenticated/", NO_TOKEN, 401),
    ([], "/drf/notes_write/", None, 403),
    ([OURS], "/drf/notes/", NO_TOKEN, 401),
    ([OURS], "/drf/notes/", EXPIRED, 401),
    ([OURS], "/drf/open/", NO_TOKEN, 401),
    ([OURS], "/drf/lazy/", EXPIRED, 401),
]


@pytest.fixture
def caplog_audit(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    return caplog


@pytest.mark.parametrize(("stack", "path", "scenario", "status"), REFUSALS)
def test_a_refused_request_is_searched_for_its_token_once(
    client: Client,
    minter: Minter,
    monkeypatch: pytest.MonkeyPatch,
    caplog_audit: pytest.LogCaptureFixture,
    stack: list[str],
    path: str,
    scenario: Scenario | None,
    status: int,
) -> None:
    headers = bearer(minter.token()) if scenario is None else scenario.headers(minter)
    calls = count_extractions(monkeypatch)
    with override_settings(MIDDLEWARE=stack):
        response = client.get(path, headers=headers)
    assert response.status_code == status
    assert calls == [path], "one extraction per request, the audit record's included"
    assert len(audit_records(caplog_audit)) == 1


@pytest.mark.parametrize("path", ["/async-plain/", "/decorated/async/notes_write/"])
async def test_the_async_stack_searches_once_too(
    async_client: AsyncClient,
    minter: Minter,
    monkeypatch: pytest.MonkeyPatch,
    caplog_audit: pytest.LogCaptureFixture,
    path: str,
) -> None:
    calls = count_extractions(monkeypatch)
    response = await async_client.get(path, headers=EXPIRED.headers(minter))
    assert response.status_code == 401
    assert calls == [path]
    assert len(audit_records(caplog_audit)) == 1


@pytest.mark.parametrize(
    ("stack", "path"),
    [([OURS], "/plain/"), ([OURS], "/decorated/sync/notes_read/"), ([OURS], "/drf/notes/")],
)
def test_an_accepted_request_is_searched_once(
    client: Client, minter: Minter, monkeypatch: pytest.MonkeyPatch, stack: list[str], path: str
) -> None:
    calls = count_extractions(monkeypatch)
    with override_settings(MIDDLEWARE=stack):
        response = client.get(path, headers=bearer(minter.token()))
    assert response.status_code == 200
    assert calls == [path]

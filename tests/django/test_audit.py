"""Audit records and Django signals: one ``jwtguard.audit`` record per refusal, whichever of
the middleware, ``@jwt_required`` or DRF refuses, and ``token_validated`` / ``token_rejected``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.http import HttpRequest
from django.test import AsyncClient, Client, override_settings

from jwtguard import AccessToken, AuthError, Guard
from jwtguard_django.signals import token_rejected, token_validated
from tests.audit import audit_records, check_audit, credentials
from tests.contract import SCENARIOS, Minter, Scenario
from tests.django.stacks import DRF_STACKS, drf_stack
from tests.django.urls import scope_key

FAILURES = [scenario for scenario in SCENARIOS if scenario.code is not None]
VALID = next(scenario for scenario in SCENARIOS if scenario.name == "valid token")
EXPIRED = next(scenario for scenario in SCENARIOS if scenario.name == "expired")
NO_TOKEN = next(scenario for scenario in SCENARIOS if scenario.name == "no token")
MISSING_SCOPE = next(scenario for scenario in SCENARIOS if scenario.name == "missing scope")


def path_for(stack: str, scenario: Scenario) -> str:
    key = scope_key(scenario.scopes)
    return {
        "middleware": "/plain/",
        "decorator": f"/decorated/sync/{key}/",
        "async decorator": f"/decorated/async/{key}/",
        "drf": f"/drf/{key}/",
        "middleware and drf": f"/drf/{key}/",
        "annotating middleware and drf": f"/drf/{key}/",
    }[stack]


@pytest.fixture(
    params=[
        "middleware",
        "decorator",
        "async decorator",
        "drf",
        "middleware and drf",
        "annotating middleware and drf",
    ]
)
def stack(request: pytest.FixtureRequest, jwtguard_setting: dict[str, object]) -> Iterator[str]:
    """Who refuses: the enforcing middleware (then the view or DRF for scopes; DRF for every
    refusal on a DRF view), or, without it, the decorator or DRF."""
    if request.param.startswith("middleware"):
        yield request.param
    elif request.param.startswith("annotating"):
        with override_settings(JWTGUARD={**jwtguard_setting, "MODE": "annotate"}):
            yield request.param
    else:
        with override_settings(MIDDLEWARE=[]):
            yield request.param


def send(client: Client, path: str, scenario: Scenario, minter: Minter) -> tuple[Any, list[str]]:
    headers, query = scenario.headers(minter), scenario.query(minter)
    encoded = urlencode(query, doseq=True)
    url = f"{path}?{encoded}" if encoded else path
    response = client.generic(scenario.method, url, headers=headers)
    return response, credentials(headers, query)


@pytest.mark.parametrize("scenario", FAILURES, ids=lambda s: s.name)
def test_one_audit_record_per_refusal(
    client: Client,
    minter: Minter,
    scenario: Scenario,
    stack: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if stack == "middleware" and scenario.scopes:
        path = path_for("decorator", scenario)  # the middleware lets it by, the view refuses
    else:
        path = path_for(stack, scenario)
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    response, sent = send(client, path, scenario, minter)
    assert response.status_code == scenario.status
    check_audit(audit_records(caplog), scenario, method=scenario.method, path=path, sent=sent)


async def test_async_middleware_audits_once(
    async_client: AsyncClient, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    headers = EXPIRED.headers(minter)
    response = await async_client.get("/async-plain/", headers=headers)
    assert response.status_code == 401
    sent = credentials(headers, {})
    check_audit(audit_records(caplog), EXPIRED, method="GET", path="/async-plain/", sent=sent)


@pytest.mark.usefixtures("unreachable_keys")
def test_an_outage_is_audited_as_a_warning(
    client: Client, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    response, _sent = send(client, "/plain/", VALID, minter)
    assert response.status_code == 503
    [record] = audit_records(caplog)
    assert (record.levelno, record.code) == (logging.WARNING, "key_source_unavailable")
    assert record.detail == "connection refused"


@override_settings(MIDDLEWARE=[])
def test_drf_not_authenticated_is_audited_once(
    client: Client, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    """DRF's own ``IsAuthenticated`` refusal goes through ``authenticate_header``."""
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    response, sent = send(client, "/drf/authenticated/", NO_TOKEN, minter)
    assert response.status_code == 401
    check_audit(
        audit_records(caplog), NO_TOKEN, method="GET", path="/drf/authenticated/", sent=sent
    )


def test_an_accepted_request_writes_no_audit_record(
    client: Client, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="jwtguard")
    assert send(client, path_for("drf", VALID), VALID, minter)[0].status_code == 200
    assert send(client, "/plain/", VALID, minter)[0].status_code == 200
    assert audit_records(caplog) == []


def test_signals(client: Client, minter: Minter) -> None:
    validated: list[tuple[Any, HttpRequest, AccessToken]] = []
    rejected: list[tuple[Any, HttpRequest, AuthError, dict[str, Any]]] = []

    def on_validated(sender: Any, request: HttpRequest, token: AccessToken, **kw: Any) -> None:
        validated.append((sender, request, token))

    def on_rejected(
        sender: Any, request: HttpRequest, error: AuthError, record: dict[str, Any], **kw: Any
    ) -> None:
        rejected.append((sender, request, error, record))

    token_validated.connect(on_validated)
    token_rejected.connect(on_rejected)
    try:
        assert send(client, "/plain/", VALID, minter)[0].status_code == 200
        assert rejected == []
        send(client, "/plain/", EXPIRED, minter)
        send(client, path_for("decorator", MISSING_SCOPE), MISSING_SCOPE, minter)
    finally:
        token_validated.disconnect(on_validated)
        token_rejected.disconnect(on_rejected)
    assert [(sender, request.path, token.subject) for sender, request, token in validated] == [
        (Guard, "/plain/", "alice"),
        (Guard, path_for("decorator", MISSING_SCOPE), "alice"),
    ]
    assert [(sender, request.path, error.code) for sender, request, error, _ in rejected] == [
        (Guard, "/plain/", "token_expired"),
        (Guard, path_for("decorator", MISSING_SCOPE), "insufficient_scope"),
    ]
    assert rejected[0][3]["sub"] == "alice"
    assert rejected[1][3]["status"] == 403


def test_a_failing_receiver_changes_no_answer(
    client: Client, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("receiver bug")

    token_validated.connect(broken)
    token_rejected.connect(broken)
    try:
        assert send(client, "/plain/", VALID, minter)[0].status_code == 200
        assert send(client, "/plain/", EXPIRED, minter)[0].status_code == 401
    finally:
        token_validated.disconnect(broken)
        token_rejected.disconnect(broken)
    failures = [r for r in caplog.records if r.name == "jwtguard" and "listener failed" in r.msg]
    assert len(failures) == 2


class Signals:
    """Records ``token_validated`` and ``token_rejected`` while connected."""

    def __init__(self) -> None:
        self.validated: list[str] = []
        self.rejected: list[str] = []

    def on_validated(
        self, sender: Any, request: HttpRequest, token: AccessToken, **kw: Any
    ) -> None:
        self.validated.append(token.subject or "")

    def on_rejected(self, sender: Any, request: HttpRequest, error: AuthError, **kw: Any) -> None:
        self.rejected.append(error.code)

    def __enter__(self) -> Signals:
        token_validated.connect(self.on_validated)
        token_rejected.connect(self.on_rejected)
        return self

    def __exit__(self, *exc_info: object) -> None:
        token_validated.disconnect(self.on_validated)
        token_rejected.disconnect(self.on_rejected)


def _name(value: object) -> str:
    return value.name if isinstance(value, Scenario) else str(value)


DRF_REFUSALS = [
    ("/drf/none/", EXPIRED),
    ("/drf/none/", NO_TOKEN),
    (path_for("drf", MISSING_SCOPE), MISSING_SCOPE),
    ("/drf/authenticated/", NO_TOKEN),
    ("/drf/exempt-open/", EXPIRED),
]


@pytest.mark.parametrize("drf_setup", DRF_STACKS)
@pytest.mark.parametrize(("path", "scenario"), DRF_REFUSALS, ids=_name)
def test_drf_refusals_are_audited_and_signalled_once(
    client: Client,
    minter: Minter,
    caplog: pytest.LogCaptureFixture,
    jwtguard_setting: dict[str, object],
    drf_setup: str,
    path: str,
    scenario: Scenario,
) -> None:
    """Whether the middleware left the refusal to DRF or there is no middleware."""
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    with drf_stack(drf_setup, jwtguard_setting), Signals() as signals:
        response, sent = send(client, path, scenario, minter)
    assert response.status_code == scenario.status
    check_audit(audit_records(caplog), scenario, method="GET", path=path, sent=sent)
    assert signals.rejected == [scenario.code]
    assert signals.validated == (["alice"] if scenario is MISSING_SCOPE else [])


@pytest.mark.parametrize("drf_setup", DRF_STACKS)
@pytest.mark.parametrize(("path", "scenario"), DRF_REFUSALS, ids=_name)
async def test_drf_refusals_are_audited_and_signalled_once_async(
    minter: Minter,
    caplog: pytest.LogCaptureFixture,
    jwtguard_setting: dict[str, object],
    drf_setup: str,
    path: str,
    scenario: Scenario,
) -> None:
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    headers = scenario.headers(minter)
    with drf_stack(drf_setup, jwtguard_setting), Signals() as signals:
        response = await AsyncClient().get(path, headers=headers)
    assert response.status_code == scenario.status
    sent = credentials(headers, {})
    check_audit(audit_records(caplog), scenario, method="GET", path=path, sent=sent)
    assert signals.rejected == [scenario.code]
    assert signals.validated == (["alice"] if scenario is MISSING_SCOPE else [])

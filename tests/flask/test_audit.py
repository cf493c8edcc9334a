"""Audit records and blinker signals through Flask: one record per refusal, for every row of
the shared table, and the ``token_validated`` / ``token_rejected`` signals."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask

from jwtguard import AccessToken, AuthError
from jwtguard_flask.signals import token_rejected, token_validated
from tests.audit import audit_records, check_audit, credentials
from tests.contract import SCENARIOS, Minter, Scenario
from tests.flask.conftest import MODES, AppFactory, route

FAILURES = [scenario for scenario in SCENARIOS if scenario.code is not None]
VALID = next(scenario for scenario in SCENARIOS if scenario.name == "valid token")


def send(app: Flask, scenario: Scenario, minter: Minter) -> tuple[Any, list[str]]:
    headers, query = scenario.headers(minter), scenario.query(minter)
    response = app.test_client().open(
        route(scenario.scopes), method=scenario.method, headers=headers, query_string=query
    )
    return response, credentials(headers, query)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", FAILURES, ids=lambda s: s.name)
def test_one_audit_record_per_refusal(
    contract_apps: AppFactory,
    minter: Minter,
    scenario: Scenario,
    mode: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    response, sent = send(contract_apps(mode), scenario, minter)
    assert response.status_code == scenario.status
    records = audit_records(caplog)
    check_audit(records, scenario, method=scenario.method, path=route(scenario.scopes), sent=sent)


def test_an_accepted_request_writes_no_audit_record(
    contract_apps: AppFactory, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="jwtguard")
    response, _sent = send(contract_apps("decorator"), VALID, minter)
    assert response.status_code == 200
    assert audit_records(caplog) == []


def test_signals(contract_apps: AppFactory, minter: Minter) -> None:
    app = contract_apps("decorator")
    validated: list[tuple[Any, AccessToken]] = []
    rejected: list[tuple[Any, AuthError, dict[str, Any]]] = []

    def on_validated(sender: Any, token: AccessToken, **extra: Any) -> None:
        validated.append((sender, token))

    def on_rejected(sender: Any, error: AuthError, record: dict[str, Any], **extra: Any) -> None:
        rejected.append((sender, error, record))

    expired = next(s for s in SCENARIOS if s.name == "expired")
    missing_scope = next(s for s in SCENARIOS if s.name == "missing scope")
    with (
        token_validated.connected_to(on_validated, app),
        token_rejected.connected_to(on_rejected, app),
    ):
        send(app, VALID, minter)
        assert [(sender, token.subject) for sender, token in validated] == [(app, "alice")]
        assert rejected == []
        send(app, expired, minter)
        send(app, missing_scope, minter)
    assert [error.code for _app, error, _record in rejected] == [
        "token_expired",
        "insufficient_scope",
    ]
    assert all(sender is app for sender, _error, _record in rejected)
    assert rejected[0][2]["sub"] == "alice"
    assert [token.subject for _app, token in validated] == ["alice", "alice"]


def test_a_failing_receiver_changes_no_answer(
    contract_apps: AppFactory, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    app = contract_apps("decorator")

    def broken(sender: Any, **extra: Any) -> None:
        raise RuntimeError("receiver bug")

    expired = next(s for s in SCENARIOS if s.name == "expired")
    with token_validated.connected_to(broken, app), token_rejected.connected_to(broken, app):
        assert send(app, VALID, minter)[0].status_code == 200
        assert send(app, expired, minter)[0].status_code == 401
    failures = [r for r in caplog.records if r.name == "jwtguard" and "listener failed" in r.msg]
    assert len(failures) == 2

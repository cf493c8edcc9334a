"""Audit records and blinker signals, once per Flask entry point.

The record is built and tested in the core (``tests/core/test_audit.py``, once per refusal
path). Here each way a Flask request is refused (``@jwt_required``, sync and async; blueprint and
whole-app protection; ``verify_request``; an ``AuthError`` the view raises, rendered by the
extension's error handler) shows that its refusal reaches that one record, once, with the
request fields Flask supplies (method, path without the query string, ``remote_addr``), and the
same fields in ``token_rejected``, sent by the app.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from jwtguard import AccessToken, AuthError, TokenRevoked
from jwtguard_flask import JWTGuard, jwt_required
from jwtguard_flask.signals import token_rejected, token_validated
from tests.audit import (
    Request,
    audit_records,
    check_entry_record,
    expired,
    expired_in_query,
    no_token,
    valid,
)
from tests.contract import Minter, bearer
from tests.flask.conftest import AppFactory, flask_settings, route


@dataclass(frozen=True)
class EntryPoint:
    """A Flask entry point refusing a request, and what its record must say."""

    name: str
    mode: str  # the contract app's (tests/flask/conftest.py), or "view raises"
    path: str
    request: Request
    code: str
    sub: str | None = None  # the subject of the token the record names
    validated: bool = False  # the token passed validation before the refusal


ENTRY_POINTS = [
    EntryPoint(
        "@jwt_required", "decorator", route(()), expired_in_query, "token_expired", "mallory"
    ),
    EntryPoint("async @jwt_required", "async", route(()), expired, "token_expired", "mallory"),
    EntryPoint("blueprint protection", "blueprint", route(()), no_token, "token_missing"),
    EntryPoint(
        "verify_request",
        "manual",
        route(["notes:write"]),
        valid,
        "insufficient_scope",
        "alice",
        validated=True,
    ),
    EntryPoint("app protection", "app", route(()), expired, "token_expired", "mallory"),
    EntryPoint(
        "the view's own AuthError", "view raises", "/revoke", valid, "token_revoked", "alice", True
    ),
]


@pytest.fixture(scope="module")
def raising_app(settings: dict[str, Any]) -> Flask:
    """A view that raises an ``AuthError`` of its own, after its token was accepted."""
    app = Flask("raising")
    app.config.update(flask_settings(settings))
    JWTGuard(app)

    @app.get("/revoke")
    @jwt_required
    def revoke() -> str:
        raise TokenRevoked(detail="the view's own refusal")

    return app


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=lambda entry: entry.name)
def test_each_entry_point_reaches_the_one_record(
    entry: EntryPoint,
    contract_apps: AppFactory,
    raising_app: Flask,
    minter: Minter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    app = raising_app if entry.mode == "view raises" else contract_apps(entry.mode)
    headers, query = entry.request(minter)
    validated: list[tuple[Any, str | None]] = []
    rejected: list[tuple[Any, str, dict[str, Any]]] = []

    def on_validated(sender: Any, token: AccessToken, **extra: Any) -> None:
        validated.append((sender, token.subject))

    def on_rejected(sender: Any, error: AuthError, record: dict[str, Any], **extra: Any) -> None:
        rejected.append((sender, error.code, dict(record)))

    with (
        token_validated.connected_to(on_validated, app),
        token_rejected.connected_to(on_rejected, app),
    ):
        response = app.test_client().get(entry.path, headers=headers, query_string=query)
    assert response.get_json()["code"] == entry.code
    fields = check_entry_record(
        caplog,
        code=entry.code,
        status=response.status_code,
        method="GET",
        path=entry.path,
        sub=entry.sub,
        headers=headers,
        query=query,
    )
    assert rejected == [(app, entry.code, fields)]
    assert validated == ([(app, "alice")] if entry.validated else [])


def test_an_accepted_request_writes_no_record(
    contract_apps: AppFactory, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="jwtguard")
    app = contract_apps("decorator")
    validated: list[tuple[Any, str | None]] = []
    rejected: list[Any] = []

    def on_validated(sender: Any, token: AccessToken, **extra: Any) -> None:
        validated.append((sender, token.subject))

    with (
        token_validated.connected_to(on_validated, app),
        token_rejected.connected_to(lambda sender, **extra: rejected.append(sender), app),
    ):
        response = app.test_client().get(route(()), headers=bearer(minter.token()))
    assert response.status_code == 200
    assert audit_records(caplog) == []
    assert (validated, rejected) == ([(app, "alice")], [])


def test_a_failing_receiver_changes_no_answer(
    contract_apps: AppFactory, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    app = contract_apps("decorator")

    def broken(sender: Any, **extra: Any) -> None:
        raise RuntimeError("receiver bug")

    client = app.test_client()
    with token_validated.connected_to(broken, app), token_rejected.connected_to(broken, app):
        assert client.get(route(()), headers=bearer(minter.token())).status_code == 200
        assert client.get(route(()), headers=bearer(minter.token(now=0))).status_code == 401
    failures = [r for r in caplog.records if r.name == "jwtguard" and "listener failed" in r.msg]
    assert len(failures) == 2

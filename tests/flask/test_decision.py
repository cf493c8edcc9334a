"""The core's one decision behind every Flask entry point: the token is looked for once per
request (refused or not, through decorators, protection, ``verify_request`` and the error
handler's audit record alike), and every refusal is audited once."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Blueprint, Flask

from jwtguard import AuthError, TokenRevoked
from jwtguard_flask import JWTGuard, jwt_required
from tests.audit import audit_records
from tests.contract import SCENARIOS, Minter, Scenario, bearer
from tests.extractions import count_extractions
from tests.flask.conftest import MODES, AppFactory, flask_settings, route

NO_TOKEN = next(s for s in SCENARIOS if s.name == "no token")
EXPIRED = next(s for s in SCENARIOS if s.name == "expired")
WEAK = next(s for s in SCENARIOS if s.code == "insufficient_scope")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scenario", [NO_TOKEN, EXPIRED, WEAK], ids=lambda s: s.name)
def test_a_refused_request_is_searched_for_its_token_once(
    contract_apps: AppFactory,
    minter: Minter,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    mode: str,
    scenario: Scenario,
) -> None:
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    calls = count_extractions(monkeypatch)
    path = route(scenario.scopes)
    response = contract_apps(mode).test_client().get(path, headers=scenario.headers(minter))
    assert response.status_code == scenario.status
    assert calls == [path], "one extraction per request, the audit record's included"
    assert len(audit_records(caplog)) == 1


def stacked_app(settings: dict[str, Any]) -> Flask:
    """Whole-app and blueprint protection, then a decorator: three decisions per request."""
    app = Flask("stacked")
    app.config.update(flask_settings(settings), JWTGUARD_PROTECT_APP=True)
    guard = JWTGuard(app)
    api = Blueprint("api", __name__)
    guard.protect(api, scopes=["notes:read"])

    @api.get("/write")
    @jwt_required(scopes=["notes:write"])
    def write() -> str:
        return "written"

    @api.get("/revoke")
    def revoke() -> str:
        raise TokenRevoked(detail="the view's own refusal")

    app.register_blueprint(api)
    return app


@pytest.mark.parametrize(
    ("path", "token", "code"),
    [
        ("/write", None, "token_missing"),
        ("/write", {"scope": "notes:read"}, "insufficient_scope"),
        ("/revoke", {}, "token_revoked"),  # raised by the view: audited by the error handler
    ],
)
def test_stacked_decisions_search_once(
    settings: dict[str, Any],
    minter: Minter,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    path: str,
    token: dict[str, str] | None,
    code: str,
) -> None:
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    calls = count_extractions(monkeypatch)
    headers = bearer(minter.token(**token)) if token is not None else {}
    response = stacked_app(settings).test_client().get(path, headers=headers)
    assert response.get_json()["code"] == code
    assert calls == [path]
    [record] = audit_records(caplog)
    assert record.code == code
    if token is not None:
        assert record.sub == "alice", "the record's facts come from what the decision read"


def test_a_handler_of_ones_own_sees_the_refusal_audited_once(
    settings: dict[str, Any], minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    """An application's own ``AuthError`` handler still receives decorator refusals; the core
    audited them when it decided."""
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    app = Flask("own_handler")
    app.config.update(flask_settings(settings))
    JWTGuard(app)
    seen: list[str] = []

    @app.errorhandler(AuthError)
    def mine(error: AuthError) -> tuple[dict[str, str], int]:
        seen.append(error.code)
        return {"mine": error.code}, error.status

    app.add_url_rule("/x", "x", jwt_required(lambda: "ok"))
    response = app.test_client().get("/x", headers=EXPIRED.headers(minter))
    assert (response.status_code, response.get_json()) == (401, {"mine": "token_expired"})
    assert seen == ["token_expired"]
    assert [record.code for record in audit_records(caplog)] == ["token_expired"]

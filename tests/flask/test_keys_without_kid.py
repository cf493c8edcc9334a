"""A token without ``kid`` where several keys would fit (issue 11 §5), answered through Flask:
``401 invalid_token`` / ``unknown_key``, no key tried."""

from __future__ import annotations

from typing import Any

from flask import Flask

from jwtguard.testing import generate_key
from jwtguard_flask import JWTGuard, jwt_required
from tests.answers import check_error_answer
from tests.contract import Minter, Scenario, bearer
from tests.flask.conftest import flask_settings, whoami

WITHOUT_KID = Scenario(
    "token without kid, two RS256 keys",
    401,
    "unknown_key",
    headers=lambda m: bearer(m.token(header={"alg": "RS256", "typ": "at+jwt"})),
)


def app_with(settings: dict[str, Any]) -> Flask:
    app = Flask("keys_without_kid")
    app.config.update(flask_settings(settings))
    app.add_url_rule("/me", "me", jwt_required(whoami))
    JWTGuard(app)
    return app


def test_a_token_without_kid_is_unknown_key(settings: dict[str, Any], minter: Minter) -> None:
    jwks = minter.key.jwks(minter.ec_key, generate_key("RS256", kid="rsa-2"))
    client = app_with({**settings, "JWKS": jwks}).test_client()
    response = client.get("/me", headers=WITHOUT_KID.headers(minter))
    check_error_answer(WITHOUT_KID, response.status_code, response.headers.get, response.data)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.get_json()["code"] == "unknown_key"
    # One RS256 key: the same kind of token is tried against it and accepted.
    accepted = app_with(settings).test_client().get("/me", headers=WITHOUT_KID.headers(minter))
    assert accepted.status_code == 200

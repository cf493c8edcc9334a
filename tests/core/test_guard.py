"""Guard: the request-level decisions adapters delegate to the core."""

from __future__ import annotations

import json

import pytest

from jwtguard import Guard, GuardConfig, InsufficientScope, SimpleRequest, TokenExpired
from jwtguard.testing import parse_challenge
from tests.contract import SETTINGS, Minter


@pytest.fixture(scope="module")
def guard(minter: Minter) -> Guard:
    settings = {**SETTINGS, "JWKS": minter.jwks(), "EXEMPT_PATHS": [r"/health$", r"/public/"]}
    return Guard(GuardConfig.from_mapping(settings))


@pytest.mark.parametrize(
    ("request_", "skipped"),
    [
        (SimpleRequest(path="/health"), True),
        (SimpleRequest(path="/public/docs"), True),
        (SimpleRequest(path="/api/health"), False),
        (SimpleRequest(path="/api/me"), False),
        (
            SimpleRequest(
                path="/api/me", method="OPTIONS", headers={"Access-Control-Request-Method": "GET"}
            ),
            True,
        ),
        (SimpleRequest(path="/api/me", method="OPTIONS"), False),
    ],
)
def test_skips_preflight_and_exempt_paths(
    guard: Guard, request_: SimpleRequest, skipped: bool
) -> None:
    assert guard.skips(request_) is skipped


def test_authenticate_and_authorize(guard: Guard, minter: Minter) -> None:
    request = SimpleRequest(headers={"Authorization": f"Bearer {minter.token(scope='a b')}"})
    token = guard.authenticate(request)
    assert token is not None
    guard.authorize(token, ["a"], any_of=["b", "c"])
    with pytest.raises(InsufficientScope):
        guard.authorize(token, ["c"])
    assert guard.authenticate(SimpleRequest(), required=False) is None


def test_render_and_challenge(guard: Guard) -> None:
    response = guard.render(TokenExpired())
    assert response.status == 401
    assert json.loads(response.body)["code"] == "token_expired"
    assert parse_challenge(guard.challenge()) == ("Bearer", {"realm": "notes"})

"""Guard: the request-level decisions adapters delegate to the core."""

from __future__ import annotations

import json

import pytest

from jwtguard import Guard, GuardConfig, InsufficientScope, SimpleRequest, TokenExpired
from jwtguard.testing import parse_challenge
from tests.contract import SETTINGS, Minter


@pytest.fixture(scope="module")
def guard(minter: Minter) -> Guard:
    settings = {**SETTINGS, "JWKS": minter.jwks(), "EXEMPT_PATHS": [r"/health", r"/public/.*"]}
    return Guard(GuardConfig.from_mapping(settings))


PREFLIGHT = {"Access-Control-Request-Method": "GET", "Origin": "https://app.example.com"}


@pytest.mark.parametrize(
    ("request_", "facts", "required"),
    [
        (SimpleRequest(path="/health"), {}, False),
        (SimpleRequest(path="/public/docs"), {}, False),
        (SimpleRequest(path="/healthz-admin"), {}, True),  # the whole path must match
        (SimpleRequest(path="/api/health"), {}, True),
        (SimpleRequest(path="/api/me"), {}, True),
        (SimpleRequest(path="/api/me"), {"exempt_view": True}, False),
        # A "preflight" is two things any client can send: it proves nothing.
        (SimpleRequest(path="/api/me", method="OPTIONS", headers=PREFLIGHT), {}, True),
        (SimpleRequest(path="/api/me", method="OPTIONS"), {}, True),
        # Only the framework's own OPTIONS answer, which runs no view, goes without a token.
        (
            SimpleRequest(path="/api/me", method="OPTIONS", headers=PREFLIGHT),
            {"answered_without_view": True},
            False,
        ),
        (SimpleRequest(path="/api/me", method="GET"), {"answered_without_view": True}, True),
        (
            SimpleRequest(path="/api/me", method="POST", headers=PREFLIGHT),
            {"answered_without_view": True},
            True,
        ),
    ],
)
def test_requires_token(
    guard: Guard, request_: SimpleRequest, facts: dict[str, bool], required: bool
) -> None:
    assert guard.requires_token(request_, **facts) is required


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

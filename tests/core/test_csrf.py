"""The CSRF rule of the core: only a cookie token on an unsafe method is checked."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from jwtguard import CsrfFailed, GuardConfig, SimpleRequest, Validator
from tests.contract import SETTINGS, Minter


@pytest.fixture(scope="module")
def validator(minter: Minter) -> Validator:
    settings = {**SETTINGS, "JWKS": minter.jwks(), "TOKEN_LOCATIONS": ["header", "cookie"]}
    return Validator(GuardConfig.from_mapping(settings))


def cookie_request(token: str, method: str, **headers: str) -> SimpleRequest:
    return SimpleRequest(method=method, headers={"Cookie": f"access_token={token}", **headers})


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "TRACE", "get"])
def test_safe_methods_need_no_check(validator: Validator, minter: Minter, method: str) -> None:
    assert validator.authenticate(cookie_request(minter.token(), method)) is not None


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "no csrf_token cookie"),
        ({"X-CSRF-Token": "x"}, "no csrf_token cookie"),
        ({"Cookie": "access_token={t}; csrf_token=abc"}, "no X-CSRF-Token header"),
        (
            {"Cookie": "access_token={t}; csrf_token=abc", "X-CSRF-Token": "abd"},
            "the X-CSRF-Token header does not match the csrf_token cookie",
        ),
        (
            {"Cookie": "access_token={t}; csrf_token=abc; csrf_token=x", "X-CSRF-Token": "abc"},
            "the csrf_token cookie was sent more than once",
        ),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_the_double_submit_check(
    validator: Validator, minter: Minter, method: str, headers: dict[str, str], reason: str
) -> None:
    token = minter.token()
    headers = {name: value.replace("{t}", token) for name, value in headers.items()}
    with pytest.raises(CsrfFailed) as caught:
        validator.authenticate(cookie_request(token, method, **headers))
    error = caught.value
    assert (error.status, error.code, error.error, error.body_error) == (
        403,
        "csrf_failed",
        None,
        "access_denied",
    )
    assert error.detail == f"the token came in the cookie and the CSRF check failed: {reason}"
    assert token not in caught.value.detail


def test_a_matching_double_submit_passes_and_header_tokens_are_never_checked(
    validator: Validator, minter: Minter
) -> None:
    token = minter.token()
    cookies = f"access_token={token}; csrf_token=r4nd0m"
    good = SimpleRequest(method="POST", headers={"Cookie": cookies, "X-CSRF-Token": "r4nd0m"})
    assert validator.authenticate(good) is not None
    header = SimpleRequest(method="DELETE", headers={"Authorization": f"Bearer {token}"})
    assert validator.authenticate(header) is not None


@dataclass(frozen=True)
class FrameworkRequest(SimpleRequest):
    """A request view whose framework has its own CSRF check (as Django's has)."""

    verdict: str | None = None

    def csrf_failure(self) -> str | None:
        return self.verdict


def test_a_framework_check_replaces_the_double_submit(validator: Validator, minter: Minter) -> None:
    cookie = {"Cookie": f"access_token={minter.token()}"}
    passing = FrameworkRequest(method="POST", headers=cookie, verdict=None)
    assert validator.authenticate(passing) is not None
    failing = FrameworkRequest(method="POST", headers=cookie, verdict="Origin checking failed.")
    with pytest.raises(CsrfFailed, match="CSRF verification failed"):
        validator.authenticate(failing)


def test_csrf_is_checked_before_the_token_is_used(minter: Minter) -> None:
    """A forged request must not burn the token's jti (replay protection writes it)."""
    settings = {
        **SETTINGS,
        "JWKS": minter.jwks(),
        "TOKEN_LOCATIONS": ["cookie"],
        "REPLAY_PROTECTION": True,
    }
    validator = Validator(GuardConfig.from_mapping(settings))
    token = minter.token(jti="once")
    with pytest.raises(CsrfFailed):
        validator.authenticate(cookie_request(token, "POST"))
    assert validator.authenticate(cookie_request(token, "GET")) is not None

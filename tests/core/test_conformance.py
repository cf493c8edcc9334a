"""Design §2 and §3, row by row: exact status, parsed challenge and JSON body from the core."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from jwtguard import (
    AccessToken,
    AuthError,
    ErrorResponse,
    GuardConfig,
    KeySourceUnavailable,
    SimpleRequest,
    StoreUnavailable,
    TokenReplayed,
    TokenRevoked,
    Validator,
    render_error,
    require_scopes,
)
from jwtguard.errors import INVALID_TOKEN_ERRORS
from jwtguard.errors import AuthError as BaseAuthError
from jwtguard.keys import TrustedKey
from jwtguard.testing import parse_challenge
from tests.answers import check_error_answer
from tests.contract import DESCRIPTIONS, REALM, SCENARIOS, Minter, Scenario


def answer(
    validator: Validator, request: SimpleRequest, scopes: Sequence[str] = ()
) -> AccessToken | ErrorResponse:
    """What every adapter does: authenticate, authorize, or render the error."""
    try:
        token = validator.authenticate(request)
        assert token is not None
        require_scopes(token, scopes)
    except AuthError as error:
        return render_error(error, validator.config)
    return token


def check_error_response(response: ErrorResponse, scenario: Scenario) -> None:
    assert response.code == scenario.code
    check_error_answer(scenario, response.status, response.header, response.body)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_contract_scenario(validator: Validator, minter: Minter, scenario: Scenario) -> None:
    request = SimpleRequest(
        headers=scenario.headers(minter), query=scenario.query(minter), method=scenario.method
    )
    result = answer(validator, request, scenario.scopes)
    if scenario.code is None:
        assert isinstance(result, AccessToken), result
        assert result.subject == "alice"
        assert result.scopes == {"notes:read"}
    else:
        assert isinstance(result, ErrorResponse), result
        check_error_response(result, scenario)


def test_every_invalid_token_code_is_covered() -> None:
    """Each code of design §3 has an error class, and every one the validator can produce
    today is exercised by a scenario (revocation and replay come with their stores)."""
    codes = {error.code for error in INVALID_TOKEN_ERRORS}
    assert codes == {
        "token_malformed",
        "token_too_large",
        "algorithm_not_allowed",
        "unknown_key",
        "signature_invalid",
        "token_expired",
        "token_not_yet_valid",
        "token_issued_in_future",
        "claim_missing",
        "claim_invalid",
        "audience_invalid",
        "issuer_invalid",
        "type_invalid",
        "lifetime_too_long",
        "critical_header_unsupported",
        "token_binding_unsupported",
        "token_revoked",
        "token_replayed",
    }
    exercised = {scenario.code for scenario in SCENARIOS}
    assert codes - exercised == {"token_revoked", "token_replayed"}


@pytest.mark.parametrize("error_class", [TokenRevoked, TokenReplayed])
def test_store_codes_render_as_invalid_token(
    config: GuardConfig, error_class: type[BaseAuthError]
) -> None:
    response = render_error(error_class(), config)
    scenario = Scenario("direct", 401, error_class.code)
    check_error_response(response, scenario)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (KeySourceUnavailable(retry_after=30), "key_source_unavailable"),
        (StoreUnavailable(retry_after=5), "store_unavailable"),
    ],
)
def test_unavailable_is_503_with_retry_after_and_no_challenge(
    config: GuardConfig, error: BaseAuthError, code: str
) -> None:
    response = render_error(error, config)
    assert response.status == 503
    assert response.header("WWW-Authenticate") is None
    assert response.header("Retry-After") == str(error.retry_after)  # type: ignore[attr-defined]
    assert json.loads(response.body) == {
        "error": "temporarily_unavailable",
        "error_description": DESCRIPTIONS[code],
        "code": code,
    }


class _UnreachableKeySource:
    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        raise KeySourceUnavailable(detail="connection refused", retry_after=12)


def test_key_source_outage_reaches_the_client_as_503(config: GuardConfig, minter: Minter) -> None:
    validator = Validator(config, key_source=_UnreachableKeySource())
    request = SimpleRequest(headers={"Authorization": f"Bearer {minter.token()}"})
    response = answer(validator, request)
    assert isinstance(response, ErrorResponse)
    assert (response.status, response.code) == (503, "key_source_unavailable")
    assert response.header("Retry-After") == "12"
    assert response.header("WWW-Authenticate") is None


def test_optional_attributes_follow_the_rfc_order(minter: Minter) -> None:
    config = GuardConfig(
        jwks=minter.jwks(),
        algorithms=["RS256"],
        audience="api://notes",
        realm="notes",
        error_uri="https://docs.example.com/errors",
        resource_metadata_url="https://api.example.com/.well-known/oauth-protected-resource",
    )
    validator = Validator(config)
    token = Validator(config).validate(minter.token(aud="api://notes"))
    with pytest.raises(AuthError) as caught:
        require_scopes(token, ["notes:write"])
    scheme, params = parse_challenge(
        render_error(caught.value, config).header("WWW-Authenticate") or ""
    )
    assert scheme == "Bearer"
    assert list(params.items()) == [
        ("realm", "notes"),
        ("error", "insufficient_scope"),
        ("error_description", DESCRIPTIONS["insufficient_scope"]),
        ("error_uri", "https://docs.example.com/errors"),
        ("scope", "notes:write"),
        ("resource_metadata", "https://api.example.com/.well-known/oauth-protected-resource"),
    ]
    missing = answer(validator, SimpleRequest())
    assert isinstance(missing, ErrorResponse)
    _, params = parse_challenge(missing.header("WWW-Authenticate") or "")
    assert list(params) == ["realm", "resource_metadata"], "no error_uri without an error"


def test_problem_format(minter: Minter) -> None:
    config = GuardConfig(
        jwks=minter.jwks(),
        algorithms=["RS256"],
        error_format="problem",
        error_uri="https://docs.example.com/errors",
    )
    response = answer(Validator(config), SimpleRequest(headers={"Authorization": "Bearer x.y"}))
    assert isinstance(response, ErrorResponse)
    assert response.status == 401
    assert response.header("Content-Type") == "application/problem+json"
    assert json.loads(response.body) == {
        "type": "https://docs.example.com/errors",
        "title": "Unauthorized",
        "status": 401,
        "detail": DESCRIPTIONS["token_malformed"],
        "error": "invalid_token",
        "code": "token_malformed",
    }
    assert parse_challenge(response.header("WWW-Authenticate") or "")[1]["error"] == "invalid_token"


def test_error_description_is_made_legal(config: GuardConfig) -> None:
    """RFC 6750 §3: error_description is %x20-21 / %x23-5B / %x5D-7E; never break the header."""
    error = TokenRevoked('Revoked "by admin" \\ at 10:00 — café\r\nX-Injected: 1')
    response = render_error(error, config)
    header = response.header("WWW-Authenticate") or ""
    assert "\r" not in header
    assert "\n" not in header
    _, params = parse_challenge(header)
    description = params["error_description"]
    assert all(0x20 <= ord(ch) <= 0x7E and ch not in '"\\' for ch in description)
    assert description.startswith("Revoked 'by admin' ? at 10:00")
    assert json.loads(response.body)["error_description"] == description


def test_realm_names_the_protection_space(config: GuardConfig) -> None:
    assert config.realm == REALM

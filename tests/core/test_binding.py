"""A token bound to a key (``cnf``, RFC 7800) is never accepted as a plain bearer token.

jwtguard cannot check a DPoP proof (RFC 9449) or a client certificate (RFC 8705) yet, so such a
token is refused (``token_binding_unsupported``) instead of being silently downgraded: a stolen
bound token must not work like an unbound one. The check runs after the signature, so nothing is
said about a token the issuer did not sign, and before the store, so a refused token uses up no
``jti``.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

import jwtguard
from jwtguard import AuthError, GuardConfig, SimpleRequest, Validator, render_error
from jwtguard import binding as binding_module
from jwtguard.tools.explain import explain
from tests.contract import AUDIENCE, ISSUER, SETTINGS, Minter

THUMBPRINT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"
CLIENT_DESCRIPTION = "The access token is bound to a key; this API accepts only bearer tokens"


def refusal(validator: Validator, token: str) -> AuthError:
    with pytest.raises(AuthError) as caught:
        validator.validate(token)
    return caught.value


@pytest.mark.parametrize(
    ("cnf", "named"),
    [
        ({"jkt": THUMBPRINT}, "'jkt' (DPoP, RFC 9449)"),
        ({"x5t#S256": THUMBPRINT}, "'x5t#S256' (mutual TLS, RFC 8705)"),
        ({"jwk": {"kty": "EC", "crv": "P-256", "x": THUMBPRINT, "y": THUMBPRINT}}, "'jwk'"),
        ({"jwe": "eyJhbGciOiJSU0EtT0FFUCJ9." + THUMBPRINT}, "'jwe' (RFC 7800)"),
        ({"jku": f"https://keys.example/{THUMBPRINT}"}, "'jku' (RFC 7800)"),
        ({"kid": THUMBPRINT}, "'kid' (RFC 7800)"),
        ({"x-future-method": THUMBPRINT}, "'x-future-method'"),
        ({"x5t#S256": THUMBPRINT, "jkt": THUMBPRINT}, "'jkt' (DPoP, RFC 9449), 'x5t#S256'"),
    ],
    ids=lambda value: "+".join(value) if isinstance(value, dict) else "",
)
def test_a_bound_token_is_refused_naming_the_method_not_its_value(
    validator: Validator, minter: Minter, cnf: dict[str, Any], named: str
) -> None:
    error = refusal(validator, minter.token(cnf=cnf))
    assert (error.status, error.error) == (401, "invalid_token")
    assert error.code == "token_binding_unsupported"
    assert isinstance(error, jwtguard.TokenBindingUnsupported)
    assert error.description == CLIENT_DESCRIPTION
    assert f"cnf binds the token to a key by {named}" in error.detail
    assert THUMBPRINT not in error.detail
    response = render_error(error, validator.config)
    assert THUMBPRINT not in response.body.decode() + str(response.headers)
    assert json.loads(response.body)["code"] == "token_binding_unsupported"


def test_many_methods_are_counted_not_all_listed(validator: Validator, minter: Minter) -> None:
    cnf = {f"m{index}": "v" for index in range(9)} | {"x" * 200: "v"}
    detail = refusal(validator, minter.token(cnf=cnf)).detail
    assert "'m0', 'm1', 'm2', 'm3' and 6 more;" in detail
    assert "x" * 33 not in detail


@pytest.mark.parametrize("cnf", [None, THUMBPRINT, [THUMBPRINT], 5, True, {}])
def test_a_cnf_that_is_not_a_non_empty_object_is_malformed_and_refused(
    validator: Validator, minter: Minter, cnf: Any
) -> None:
    """Fail closed: a malformed confirmation claim is not guessed to mean "unbound"."""
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 60, "cnf": cnf}
    token = minter.key.sign(claims, {"alg": "RS256", "typ": "at+jwt", "kid": minter.key.kid})
    error = refusal(validator, token)
    assert error.code == "claim_invalid"
    assert error.description == "The access token's cnf claim is invalid"
    assert error.detail.startswith("cnf must be a JSON object naming a confirmation method")


def test_nothing_is_said_about_a_bound_token_with_a_bad_signature(
    validator: Validator, minter: Minter
) -> None:
    assert refusal(validator, minter.token(minter.stranger, cnf={"jkt": THUMBPRINT})).code == (
        "signature_invalid"
    )


def test_the_registered_claims_are_checked_first(validator: Validator, minter: Minter) -> None:
    expired = minter.token(now=0, cnf={"jkt": THUMBPRINT})
    assert refusal(validator, expired).code == "token_expired"


def test_a_refused_bound_token_uses_up_no_jti(minter: Minter) -> None:
    config = GuardConfig.from_mapping(
        {**SETTINGS, "JWKS": minter.jwks(), "REPLAY_PROTECTION": True}
    )
    validator = Validator(config)
    bound = minter.token(jti="shared-jti", cnf={"jkt": THUMBPRINT})
    assert refusal(validator, bound).code == "token_binding_unsupported"
    validator.validate(minter.token(jti="shared-jti"))  # not recorded by the refusal


def test_an_unbound_token_passes_the_binding_step(validator: Validator, minter: Minter) -> None:
    explanation = explain(f"Bearer {minter.token()}", validator)
    assert explanation.accepted
    step = next(check for check in explanation.checks if check.step == "binding")
    assert (step.status, step.message) == ("passed", "no `cnf` claim: bound to no key")


def test_explain_reports_the_binding_with_its_fix(minter: Minter) -> None:
    config = GuardConfig.from_mapping(
        {**SETTINGS, "JWKS": minter.jwks(), "REPLAY_PROTECTION": True}
    )
    explanation = explain(f"Bearer {minter.token(cnf={'jkt': THUMBPRINT})}", Validator(config))
    assert (explanation.code, explanation.status) == ("token_binding_unsupported", 401)
    assert explanation.description == CLIENT_DESCRIPTION
    failure = explanation.first_failure
    assert failure is not None
    assert (failure.step, failure.code) == ("binding", "token_binding_unsupported")
    assert "'jkt' (DPoP, RFC 9449)" in failure.message
    assert failure.fix is not None
    assert "DPoP" in failure.fix
    replay = next(check for check in explanation.checks if check.step == "replay")
    assert replay.status == "skipped"


def test_explain_and_the_validator_run_the_one_binding_step(
    minter: Minter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No copy to drift: a change to the rule in ``jwtguard.binding`` reaches both."""
    changed = jwtguard.TokenBindingUnsupported(detail="the rule as changed")
    monkeypatch.setattr(binding_module, "binding_refusal", lambda _confirmation: changed)
    validator = Validator(GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()}))
    token = minter.token(cnf={"jkt": THUMBPRINT})
    assert refusal(validator, token) is changed
    failure = explain(token, validator).first_failure
    assert failure is not None
    assert (failure.step, failure.message) == ("binding", "the rule as changed")


def test_a_bound_token_is_refused_on_the_request_path(minter: Minter) -> None:
    guard = jwtguard.Guard(GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()}))
    request = SimpleRequest(headers={"Authorization": f"Bearer {minter.token(cnf={'jkt': 'x'})}"})
    with pytest.raises(jwtguard.TokenBindingUnsupported):
        guard.authenticate(request)

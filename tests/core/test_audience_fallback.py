"""``AUDIENCE_FALLBACK`` (issue 14 §1): for identity providers whose access tokens carry no
``aud`` (Cognito's ``client_id``, Keycloak's ``azp``), the claim that must name an accepted
client instead. A token that carries ``aud`` is judged by ``AUDIENCE`` alone: the fallback never
widens what ``AUDIENCE`` accepts."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from jwtguard import AuthError, ConfigurationError, GuardConfig, Validator
from jwtguard.tools.explain import explain
from tests.contract import AUDIENCE, SETTINGS, Minter

NOW = float(int(time.time()))
COGNITO = {"claim": "client_id", "one_of": ["app-1", "app-2"]}


def validator_for(minter: Minter, **settings: Any) -> Validator:
    config = GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks(), **settings})
    return Validator(config, clock=lambda: NOW)


def code_of(validator: Validator, token: str) -> str | None:
    try:
        validator.validate(token)
    except AuthError as error:
        return error.code
    return None


@pytest.mark.parametrize(
    ("audience", "claims", "code"),
    [
        # AUDIENCE set: a token with aud is judged by it alone.
        (AUDIENCE, {"client_id": "app-1"}, None),
        (AUDIENCE, {"client_id": "elsewhere"}, None),  # its aud is ours
        (AUDIENCE, {"aud": "api://other", "client_id": "app-1"}, "audience_invalid"),
        (AUDIENCE, {"aud": ["api://other"], "client_id": "app-1"}, "audience_invalid"),
        (AUDIENCE, {"aud": None, "client_id": "app-2"}, None),
        (AUDIENCE, {"aud": None, "client_id": "app-3"}, "audience_invalid"),
        (AUDIENCE, {"aud": None, "client_id": ["app-1"]}, "audience_invalid"),
        (AUDIENCE, {"aud": None, "client_id": AUDIENCE}, "audience_invalid"),
        (AUDIENCE, {"aud": None}, "claim_missing"),
        # AUDIENCE unset: every token that carries aud is refused (an ID token's, say).
        (None, {"aud": "app-1", "client_id": "app-1"}, "audience_invalid"),
        (None, {"aud": None, "client_id": "app-1"}, None),
        (None, {"aud": None, "client_id": "app-9"}, "audience_invalid"),
        (None, {"aud": None}, "claim_missing"),
    ],
)
def test_a_token_without_aud_is_judged_by_the_fallback_claim_only(
    minter: Minter, audience: str | None, claims: dict[str, Any], code: str | None
) -> None:
    settings: dict[str, Any] = {"AUDIENCE_FALLBACK": COGNITO}
    if audience is None:
        settings["AUDIENCE"] = ()
    validator = validator_for(minter, **settings)
    assert code_of(validator, minter.token(now=NOW, **claims)) == code


def test_without_the_fallback_nothing_changes(minter: Minter) -> None:
    validator = validator_for(minter)
    assert code_of(validator, minter.token(now=NOW, aud=None, client_id="app-1")) == "claim_missing"
    assert "aud" in validator.rules.required
    assert "aud" not in validator_for(minter, AUDIENCE_FALLBACK=COGNITO).rules.required


def test_the_client_is_told_the_claim_never_the_clients(minter: Minter) -> None:
    validator = validator_for(minter, AUDIENCE_FALLBACK=COGNITO)
    for claims, description, detail in (
        (
            {"client_id": "app-3"},
            "Unexpected audience",
            'no aud, so client_id must be one of ["app-1", "app-2"], found "app-3" '
            "(AUDIENCE_FALLBACK)",
        ),
        (
            {},
            "The access token lacks the client_id claim",
            'no aud, so client_id must be one of ["app-1", "app-2"], and the token has no '
            "client_id claim (AUDIENCE_FALLBACK)",
        ),
    ):
        with pytest.raises(AuthError) as refused:
            validator.validate(minter.token(now=NOW, aud=None, **claims))
        assert (refused.value.description, refused.value.detail) == (description, detail)


def test_explain_shows_the_fallback_in_the_audience_step(minter: Minter) -> None:
    validator = validator_for(minter, AUDIENCE_FALLBACK={"claim": "app.id", "equals": "app-1"})
    [step] = [step for step in validator.pipeline.steps if step.name == "audience"]
    assert step.reads == ("aud", "app.id")

    def audience_check(token: str) -> tuple[str, str, str | None]:
        explanation = explain(token, validator, now=NOW)
        check = next(check for check in explanation.checks if check.step == "audience")
        return check.status, check.message, explanation.code

    accepted = minter.token(now=NOW, aud=None, app={"id": "app-1"})
    assert audience_check(accepted) == (
        "passed",
        'no `aud`; `app.id` "app-1" is accepted (AUDIENCE_FALLBACK)',
        None,
    )
    with_aud = minter.token(now=NOW, app={"id": "app-1"})
    assert audience_check(with_aud) == (
        "passed",
        f"`aud` {AUDIENCE!r} is accepted; `app.id` (AUDIENCE_FALLBACK) counts only without `aud`",
        None,
    )
    refused = minter.token(now=NOW, aud=None, app={"id": "app-2"})
    status, message, code = audience_check(refused)
    assert (status, code) == ("failed", "audience_invalid")
    assert message == 'no aud, so app.id must equal "app-1", found "app-2" (AUDIENCE_FALLBACK)'


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"claim": "client_id", "present": True}, "present cannot be used here: use equals or"),
        ({"claim": "client_id", "contains": "a"}, "contains cannot be used here"),
        ({"claim": "aud", "one_of": ["a"]}, "stands in for aud when a token has none"),
        ({"claim": "client_id", "one_of": [1, "a"]}, "accepted values must be non-empty strings"),
        ({"claim": "client_id", "equals": ""}, "accepted values must be non-empty strings"),
        ({"claim": "client_id"}, "needs exactly one of equals, one_of"),
        ([COGNITO], "must be an object such as"),
        ("{not json", "expected JSON"),
    ],
)
def test_a_wrong_fallback_is_a_configuration_problem(
    minter: Minter, value: Any, problem: str
) -> None:
    with pytest.raises(ConfigurationError) as wrong:
        validator_for(minter, AUDIENCE_FALLBACK=value)
    [issue] = wrong.value.issues
    assert (issue.setting, issue.code) == ("AUDIENCE_FALLBACK", "audience_fallback_invalid")
    assert problem in issue.message


def test_the_fallback_in_the_environment_is_json(minter: Minter) -> None:
    config = GuardConfig.from_env(
        {
            "JWTGUARD_ALGORITHMS": "RS256",
            "JWTGUARD_JWKS": json.dumps(minter.key.jwks()),
            "JWTGUARD_AUDIENCE_FALLBACK": json.dumps(COGNITO),
        }
    )
    validator = Validator(config, clock=lambda: NOW)
    assert code_of(validator, minter.token(now=NOW, aud=None, client_id="app-2")) is None
    assert code_of(validator, minter.token(now=NOW, client_id="app-2")) == "audience_invalid"

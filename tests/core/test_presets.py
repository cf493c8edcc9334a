"""Provider presets (#14 §3) in the core: every case of :mod:`tests.presets` decided by the Guard
(the answer every adapter sends) and explained (the step that refuses it named), and what each
preset fills."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest

from jwtguard import AccessToken, ErrorResponse, Guard, GuardConfig, SimpleRequest
from jwtguard.adapters import Requirement
from jwtguard.tools.explain import explain
from tests.presets import CASES, VIEWS, PresetCase, check_preset_answer
from tests.provider_tokens import IDPS, OTHER_TENANT, TENANT, keys_server, settings_of
from tests.roles import granted


@pytest.fixture(scope="module")
def guards() -> Iterator[Callable[[str], Guard]]:
    with keys_server() as server:
        yield cache(lambda idp: Guard(GuardConfig.from_mapping(settings_of(idp, server.url))))


def _name(case: PresetCase) -> str:
    return case.name


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_the_guard_answers_each_providers_token(
    guards: Callable[[str], Guard], case: PresetCase
) -> None:
    view = VIEWS[case.view]
    requirement = Requirement.of(view.scopes, view.any_of, roles=view.roles)
    answer = guards(case.idp).decide(SimpleRequest(headers=case.headers()), requirement)
    if isinstance(answer, ErrorResponse):
        header = answer.header
        check_preset_answer(case, answer.status, header, answer.body)
        return
    assert isinstance(answer, AccessToken)
    body = json.dumps(granted(answer)).encode()
    check_preset_answer(case, 200, lambda _name: None, body)


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_explain_names_the_step_that_refuses(
    guards: Callable[[str], Guard], case: PresetCase
) -> None:
    view = VIEWS[case.view]
    report = explain(case.mint(), guards(case.idp).validator, scopes=view.scopes, roles=view.roles)
    assert report.accepted == (case.code is None)
    if case.code is None:
        assert report.first_failure is None
        return
    assert (report.status, report.code) == (case.status, case.code)
    failure = report.first_failure
    assert failure is not None
    assert (failure.step, failure.code) == (case.step, case.code)
    assert report.provider is not None
    assert report.provider["name"] == IDPS[case.idp].provider["name"]


def test_every_provider_and_refusal_is_covered() -> None:
    """Each preset accepts its own tokens and makes the refusals it exists for."""
    accepted = {case.idp for case in CASES if case.code is None}
    assert accepted == set(IDPS)
    names = {case.name for case in CASES}
    for needed in (
        "cognito ID token",
        "cognito another app client",
        "keycloak account audience only",
        "google another hosted domain",
        "entra delegated scp is no app role",
    ):
        assert needed in names


# --- what each preset fills ----------------------------------------------------------------------


def _config(provider: dict[str, Any], **more: Any) -> GuardConfig:
    return GuardConfig.from_mapping({"PROVIDER": provider, **more})


def _filled(config: GuardConfig) -> dict[str, Any]:
    return {name: getattr(config, name) for name in BASE | {"issuer": None}}


BASE: dict[str, Any] = {
    "audience": None,
    "audience_fallback": None,
    "algorithms": ("RS256",),
    "token_types": (),
    "scope_claims": ("scope",),
    "role_claims": (),
    "claim_rules": [],
    "jwks_url": None,
    "trusted_issuers": None,
}

FILLS: dict[str, dict[str, Any]] = {
    "okta": BASE
    | {
        "issuer": "https://acme.okta.com/oauth2/default",
        "audience": "api://default",
        "scope_claims": ("scp",),
        "role_claims": ("groups",),
        "claim_rules": [{"claim": "cid", "one_of": ["0oa1webapp2Ab3Cd4e5"]}],
    },
    "okta-org": BASE
    | {
        "issuer": "https://acme.okta.com",
        "audience": ("0oa1webapp2Ab3Cd4e5",),
        "scope_claims": (),
        "role_claims": ("groups",),
    },
    "auth0": BASE
    | {
        "issuer": "https://notes-example.us.auth0.com/",
        "audience": ("https://notes.example.com/api",),
        "role_claims": ("permissions",),
        "claim_rules": [{"claim": "azp", "one_of": ["K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja"]}],
    },
    "auth0-rfc9068": BASE
    | {
        "issuer": "https://notes-example.us.auth0.com/",
        "audience": ("https://notes.example.com/api",),
        "token_types": ("at+jwt",),
        "role_claims": ("permissions",),
        "claim_rules": [{"claim": "client_id", "one_of": ["K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja"]}],
    },
    "entra": BASE
    | {
        "issuer": None,  # each version's issuer with the keys its metadata names
        "audience": ("6e74172b-be56-4843-9ff4-e66a39bb12e3", "api://notes"),
        "scope_claims": ("scp",),
        "role_claims": ("roles",),
        "trusted_issuers": {
            f"https://login.microsoftonline.com/{TENANT}/v2.0": {
                "JWKS_URL": f"https://login.microsoftonline.com/{TENANT}/discovery/v2.0/keys"
            },
            f"https://sts.windows.net/{TENANT}/": {
                "JWKS_URL": f"https://login.microsoftonline.com/{TENANT}/discovery/keys"
            },
        },
    },
    "entra-multi": BASE
    | {
        "issuer": None,
        "audience": ("6e74172b-be56-4843-9ff4-e66a39bb12e3", "api://notes"),
        "scope_claims": ("scp",),
        "role_claims": ("roles",),
        "trusted_issuers": {
            "https://login.microsoftonline.com/{tenantid}/v2.0": {
                "JWKS_URL": "https://login.microsoftonline.com/common/discovery/v2.0/keys",
                "TENANTS": [TENANT, OTHER_TENANT],
            },
            "https://sts.windows.net/{tenantid}/": {
                "JWKS_URL": "https://login.microsoftonline.com/common/discovery/keys",
                "TENANTS": [TENANT, OTHER_TENANT],
            },
        },
    },
    "keycloak": BASE
    | {
        "issuer": "https://keycloak.example.com/realms/notes",
        "audience": ("notes.api",),
        "role_claims": (r"resource_access.notes\.api.roles",),
        "claim_rules": [
            {"claim": "typ", "equals": "Bearer"},
            {"claim": "azp", "one_of": ["notes-web", "notes-cli"]},
        ],
    },
    "keycloak-azp": BASE
    | {
        "issuer": "https://keycloak.example.com/realms/notes",
        "audience_fallback": {"claim": "azp", "one_of": ["notes-web", "notes-cli"]},
        "role_claims": ("realm_access.roles",),
        "claim_rules": [{"claim": "typ", "equals": "Bearer"}],
    },
    "cognito": BASE
    | {
        "issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_aBcDeFgHi",
        "audience_fallback": {"claim": "client_id", "one_of": ["1example23456789"]},
        "role_claims": ("cognito:groups",),
        "claim_rules": [{"claim": "token_use", "equals": "access"}],
    },
    "google": BASE
    | {
        "issuer": ("https://accounts.google.com", "accounts.google.com"),
        "audience": ("1234567890-abc123def456.apps.googleusercontent.com",),
        "scope_claims": (),
        "claim_rules": [
            {"claim": "email_verified", "equals": True},
            {"claim": "hd", "one_of": ["example.com"]},
        ],
        "jwks_url": "https://www.googleapis.com/oauth2/v3/certs",
    },
}


@pytest.mark.parametrize("idp", sorted(IDPS))
def test_what_each_preset_fills(idp: str) -> None:
    config = _config(IDPS[idp].provider)
    assert _filled(config) == FILLS[idp]
    assert config.preset is not None
    assert config.preset.yours == ()
    assert config.key_set.keys == ()  # its keys are discovered or fetched: nothing static


def test_the_preset_is_shown_in_the_configurations_repr() -> None:
    text = repr(_config(IDPS["cognito"].provider, AUDIENCE="x"))
    assert text.startswith(
        "GuardConfig(provider=Preset('cognito', region='eu-west-1', "
        "user_pool_id='eu-west-1_aBcDeFgHi', client_ids=['1example23456789'], "
        "yours=['AUDIENCE']), "
    )
    assert "issuer='https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_aBcDeFgHi'" in text

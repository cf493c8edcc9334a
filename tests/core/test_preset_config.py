"""The ``PROVIDER`` setting as configuration (#14 §3): its parameters checked (every problem,
code ``provider_invalid``), the settings written beside it winning over the preset's (and how
``CLAIM_RULES`` and key sources combine), the environment's layers, and what the operator sees
(``repr``, ``jwtguard explain``)."""

from __future__ import annotations

import dataclasses
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from jwtguard import AuthError, ConfigurationError, GuardConfig, Validator
from jwtguard.tools.cli import main
from jwtguard.tools.explain import explain
from tests.contract import Minter
from tests.provider_tokens import COGNITO_CLIENT, COGNITO_ISSUER, IDPS, TOKENS, mint, signing_key

COGNITO = IDPS["cognito"].provider
GOOGLE = IDPS["google"].provider
KEYCLOAK = IDPS["keycloak-azp"].provider


def problems(provider: Any, **more: Any) -> list[str]:
    """The problems of ``PROVIDER`` (each coded ``provider_invalid``, about ``PROVIDER``)."""
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig.from_mapping({"PROVIDER": provider, **more})
    mine = [issue for issue in caught.value.issues if issue.setting == "PROVIDER"]
    assert {(issue.code, issue.setting) for issue in mine} == {("provider_invalid", "PROVIDER")}
    return [issue.message for issue in mine]


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        (["cognito"], ["PROVIDER: must be a mapping such as {"]),
        ({"region": "eu-west-1"}, ["PROVIDER: 'name' must name a provider: okta, auth0, entra"]),
        ({"name": "cognitio"}, ["got 'cognitio' (did you mean 'cognito'?)"]),
        (
            "cognito",  # a bare name: the provider, no parameters
            [
                "PROVIDER: cognito: region is required: the user pool's AWS region",
                "PROVIDER: cognito: user_pool_id is required: the user pool's id",
                "PROVIDER: cognito: client_ids is required: the client ids (app clients)",
            ],
        ),
        (
            COGNITO | {"client_id": "x", "regoin": "eu-west-1"},
            [
                "PROVIDER: cognito: unknown parameter 'client_id' (did you mean 'client_ids'?)",
                "PROVIDER: cognito: unknown parameter 'regoin' (did you mean 'region'?)",
            ],
        ),
        (
            COGNITO | {"region": "Ireland", "client_ids": []},
            [
                "PROVIDER: cognito: region: 'Ireland' is not an AWS region such as eu-west-1",
                "PROVIDER: cognito: client_ids must be a non-empty string, or a list of them",
            ],
        ),
        (
            COGNITO | {"user_pool_id": "us-east-1_aBcDeFgHi"},
            ["user_pool_id 'us-east-1_aBcDeFgHi' is not a user pool of region 'eu-west-1'"],
        ),
        (COGNITO | {"replace_claim_rules": "yes"}, ["replace_claim_rules must be true or false"]),
        (
            {"name": "okta", "domain": "https://acme.okta.com/oauth2/default"},
            ["okta: domain: 'https://acme.okta.com/oauth2/default' is not a host name"],
        ),
        (
            {"name": "okta", "domain": ["acme.okta.com"], "authorization_server": ["aus1x"]},
            [
                "okta: domain must be a string, got ['acme.okta.com']",
                "okta: authorization_server must be a string, got ['aus1x']",
            ],
        ),
        (
            {"name": "okta", "domain": "https://acme.okta.com:8443"},
            ["okta: domain: 'https://acme.okta.com:8443' is not a host name"],
        ),
        (
            {"name": "auth0", "domain": "https://me@acme.eu.auth0.com/", "audience": "a"},
            ["auth0: domain: 'https://me@acme.eu.auth0.com/' is not a host name"],
        ),
        (
            {"name": "okta", "domain": "acme.okta.com", "authorization_server": "aus1x"},
            ["okta: audience is required: the Audience of authorization server 'aus1x'"],
        ),
        (
            {"name": "okta", "domain": "acme.okta.com", "authorization_server": "org"},
            ["okta: the org authorization server (authorization_server 'org') issues access"],
        ),
        (
            {"name": "auth0", "domain": "t.eu.auth0.com", "audience": "a", "profile": "jwt"},
            ["auth0: profile must be one of ['auth0', 'rfc9068'], got 'jwt'"],
        ),
        (
            {"name": "entra", "tenant": "contoso.onmicrosoft.com", "client_id": "c"},
            ["entra: tenant: 'contoso.onmicrosoft.com' is not a tenant id: give the Directory"],
        ),
        (
            {"name": "entra", "tenant": "72f988bf-86f1-41af-91ab-2d7cd011db47", "client_id": "c"}
            | {"versions": ["2"]},
            ["entra: versions: '2' is not '1.0' or '2.0'"],
        ),
        (
            {"name": "entra", "tenant": "72f988bf-86f1-41af-91ab-2d7cd011db47", "client_id": "c"}
            | {"tenants": ["f8cdef31-a31e-4b4a-93e4-5f571e91255a"]},
            ["entra: tenants lists the tenants of a multi-tenant API (tenant organizations or"],
        ),
        (
            {"name": "keycloak", "url": "http://keycloak.example.com/realms/notes", "realm": "n"},
            [
                "keycloak: url must use https (plain http is only allowed for localhost)",
                "keycloak: url: 'http://keycloak.example.com/realms/notes' names a realm",
                "keycloak: give audience (the client id your audience mapper adds to aud), "
                "client_ids",
            ],
        ),
        (KEYCLOAK | {"realm_roles": "no"}, ["keycloak: realm_roles must be true or false"]),
        (
            KEYCLOAK | {"url": "https://keycloak.example.com/?next=/"},
            ["keycloak: url: 'https://keycloak.example.com/?next=' is the server's base URL"],
        ),
        (
            {"name": "google", "client_ids": "c", "hosted_domains": [""]},
            ["google: hosted_domains: '' is not a non-empty string"],
        ),
    ],
)
def test_wrong_parameters_are_each_a_problem(provider: Any, expected: list[str]) -> None:
    found = problems(provider)
    assert len(found) == len(expected), found
    for message, start in zip(found, expected, strict=True):
        assert start in message, message


def test_a_wrong_provider_is_reported_with_the_other_settings_problems() -> None:
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig.from_mapping({"PROVIDER": "cognito", "LEEWAY": "soon", "ISUER": "x"})
    settings = [issue.setting for issue in caught.value.issues]
    assert settings == ["LEEWAY", "ISUER", "PROVIDER", "PROVIDER", "PROVIDER"]


def test_a_provider_given_to_the_constructor_is_a_problem() -> None:
    """``GuardConfig(provider=...)`` cannot tell your settings from its defaults: refused."""
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig(provider=COGNITO, algorithms=["RS256"], issuer="https://idp.example.com/")
    [issue] = caught.value.issues
    assert (issue.setting, issue.code) == ("PROVIDER", "provider_invalid")
    assert "GuardConfig.from_mapping({'PROVIDER': ..., ...})" in issue.message


def test_a_configuration_with_a_preset_can_be_replaced_field_by_field() -> None:
    config = GuardConfig.from_mapping({"PROVIDER": COGNITO})
    changed = dataclasses.replace(config, leeway=0)
    assert (changed.preset, changed.issuer, changed.leeway) == (config.preset, config.issuer, 0)


# --- yours over the preset's ---------------------------------------------------------------------


def test_each_setting_written_beside_the_provider_replaces_the_preset_value() -> None:
    config = GuardConfig.from_mapping(
        {
            "PROVIDER": KEYCLOAK,
            "ISSUER": "https://sso.example.com/realms/notes",
            "AUDIENCE_FALLBACK": None,  # even None: yours
            "AUDIENCE": "notes-api",
            "ROLE_CLAIMS": [],
            "ALGORITHMS": "ES256",  # text, read as from the environment
            "LEEWAY": 5,  # a setting the preset leaves alone
        }
    )
    assert config.issuer == "https://sso.example.com/realms/notes"
    assert (config.audience, config.audience_fallback) == ("notes-api", None)
    assert (config.role_claims, config.algorithms, config.leeway) == ((), ("ES256",), 5)
    assert config.scope_claims == ("scope",)  # the preset's
    assert config.preset is not None
    yours = ("ISSUER", "AUDIENCE_FALLBACK", "AUDIENCE", "ROLE_CLAIMS", "ALGORITHMS")
    assert config.preset.yours == yours


def test_your_claim_rules_are_added_to_the_presets() -> None:
    hd = {"claim": "cognito:groups", "contains": "staff"}
    token_use = {"claim": "token_use", "equals": "access"}
    config = GuardConfig.from_mapping({"PROVIDER": COGNITO, "CLAIM_RULES": [hd, token_use]})
    assert config.claim_rules == [hd, token_use]  # yours first; the preset's, not twice
    validator = Validator(GuardConfig.from_mapping({**_settings(config), "JWKS": _jwks()}))
    claims = TOKENS["cognito access"]
    assert validator.validate(mint("cognito", claims | {"cognito:groups": ["staff"]}))
    for changes, code in (
        ({"cognito:groups": ["editors"]}, "claim_invalid"),  # your rule
        ({"token_use": "id", "cognito:groups": ["staff"]}, "claim_invalid"),  # the preset's
    ):
        with pytest.raises(AuthError) as refused:
            validator.validate(mint("cognito", claims | changes))
        assert refused.value.code == code


def test_replace_claim_rules_makes_yours_replace_the_presets() -> None:
    mine = [{"claim": "username", "present": True}]
    config = GuardConfig.from_mapping(
        {"PROVIDER": COGNITO | {"replace_claim_rules": True}, "CLAIM_RULES": mine}
    )
    assert config.claim_rules == mine
    validator = Validator(GuardConfig.from_mapping({**_settings(config), "JWKS": _jwks()}))
    id_claims = TOKENS["cognito id"] | {"aud": None, "client_id": COGNITO_CLIENT}
    assert validator.validate(mint("cognito", id_claims | {"username": "ann"}))  # opted out
    unchanged = GuardConfig.from_mapping({"PROVIDER": COGNITO | {"replace_claim_rules": True}})
    assert unchanged.claim_rules == [{"claim": "token_use", "equals": "access"}]


def test_a_problem_with_your_claim_rules_names_its_place_in_your_list() -> None:
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig.from_mapping({"PROVIDER": COGNITO, "CLAIM_RULES": [{"claim": "hd"}]})
    assert caught.value.problems == (
        "CLAIM_RULES[0]: needs exactly one of equals, one_of, contains, present",
    )
    with pytest.raises(ConfigurationError) as caught:  # not a list: said as it is
        GuardConfig.from_mapping({"PROVIDER": COGNITO, "CLAIM_RULES": {"claim": "hd"}})
    assert caught.value.problems == (
        'CLAIM_RULES must be a list of rules such as [{"claim": "token_use", "equals": '
        '"access"}], not dict',
    )


@pytest.mark.parametrize(
    ("provider", "keys"),
    [
        (COGNITO, "discovered from ISSUER"),
        (GOOGLE, "JWKS_URL https://www.googleapis.com/oauth2/v3/certs"),
    ],
)
def test_where_a_presets_keys_come_from(provider: dict[str, Any], keys: str) -> None:
    config = GuardConfig.from_mapping({"PROVIDER": provider})
    assert config.preset is not None
    assert config.preset.key_source == keys
    facts = explain("", Validator(config)).provider
    assert facts is not None
    assert facts["keys"] == keys


@pytest.mark.parametrize(
    ("yours", "jwks_url"),
    [
        ({"JWKS": "static"}, None),
        ({"JWKS_URL": "https://keys.example.com/google"}, "https://keys.example.com/google"),
        (
            {
                "OPENID_CONFIGURATION_URL": "https://accounts.google.com/.well-known/x",
                "ISSUER": "https://accounts.google.com",  # the one issuer it must name
            },
            None,
        ),
    ],
)
def test_a_key_source_of_yours_replaces_the_presets(yours: dict[str, Any], jwks_url: Any) -> None:
    if yours.get("JWKS") == "static":
        yours = {"JWKS": signing_key("google").jwks(), "ISSUER": "https://accounts.google.com"}
    config = GuardConfig.from_mapping({"PROVIDER": GOOGLE, **yours})
    assert config.jwks_url == jwks_url
    assert config.preset is not None
    assert set(config.preset.yours) == set(yours)


def test_your_key_source_replaces_a_presets_discovery() -> None:
    """Cognito's keys are discovered from its issuer; a static JWKS of yours is used instead,
    and nothing is fetched."""
    config = GuardConfig.from_mapping({"PROVIDER": COGNITO, "JWKS": _jwks()})
    assert len(config.key_set.keys) == 1
    validator = Validator(config)
    assert validator.validate(mint("cognito", TOKENS["cognito access"])).subject


# --- the environment -----------------------------------------------------------------------------


def test_the_provider_from_the_environment_as_json() -> None:
    environ = {
        "JWTGUARD_PROVIDER": json.dumps(COGNITO),
        "JWTGUARD_JWKS": json.dumps(_jwks()),
        "JWTGUARD_ROLE_CLAIMS": "cognito:groups,custom:roles",
    }
    config = GuardConfig.from_env(environ)
    assert config.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_aBcDeFgHi"
    assert config.role_claims == ("cognito:groups", "custom:roles")
    assert Validator(config).validate(mint("cognito", TOKENS["cognito access"])).subject


def test_a_provider_in_the_environment_replaces_what_the_defaults_say_of_it() -> None:
    """An application's defaults (a development key, issuer and audience) never linger beside
    a provider named by the environment; the environment's own settings still win."""
    defaults = {
        "ISSUER": "https://dev.example.com/",
        "AUDIENCE": "api://dev",
        "SECRET": "a development secret, 32 bytes long!",
        "ALGORITHMS": ["HS256"],
        "LEEWAY": 10,  # not the provider's to decide: kept
    }
    environ = {"JWTGUARD_PROVIDER": json.dumps(COGNITO), "JWTGUARD_MAX_LIFETIME": "3600"}
    config = GuardConfig.from_env(environ, defaults=defaults)
    assert config.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_aBcDeFgHi"
    assert (config.audience, config.secret, config.algorithms) == (None, None, ("RS256",))
    assert (config.leeway, config.max_lifetime) == (10, 3600)
    assert config.key_set.keys == ()  # discovered, not the development secret


def test_a_provider_in_the_defaults_yields_to_the_environments_settings() -> None:
    environ = {"JWTGUARD_AUDIENCE": "api://notes"}
    config = GuardConfig.from_env(environ, defaults={"PROVIDER": COGNITO, "JWKS": _jwks()})
    assert config.audience == "api://notes"
    assert config.preset is not None
    assert config.preset.yours == ("JWKS", "AUDIENCE")


def test_a_bare_name_and_an_empty_value_from_the_environment() -> None:
    with pytest.raises(ConfigurationError, match="google: client_ids is required"):
        GuardConfig.from_env({"JWTGUARD_PROVIDER": "google"})
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig.from_env({"JWTGUARD_PROVIDER": " "})  # no provider: nothing filled
    codes = [issue.code for issue in caught.value.issues]
    assert codes == ["algorithms_invalid", "key_source_missing"]
    with pytest.raises(ConfigurationError, match="PROVIDER: expected JSON"):
        GuardConfig.from_env({"JWTGUARD_PROVIDER": '{"name": "google",'})


# --- what the operator sees ----------------------------------------------------------------------


def test_explain_shows_the_preset_and_the_values_in_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [name for name in os.environ if name.startswith("JWTGUARD_")]:
        monkeypatch.delenv(name)
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(_jwks()))
    token = mint("cognito", TOKENS["cognito id"])
    rules = json.dumps([{"claim": "username", "present": True}])
    argv = ["explain", token, "--provider", json.dumps(COGNITO), "--jwks-file", str(jwks)]
    status = main([*argv, "--claim-rules", rules], stdin=io.StringIO())
    out = capsys.readouterr().out
    assert status == 1
    assert out.splitlines()[:11] == [
        "REFUSED: 401 audience_invalid (the client is told: 'Unexpected audience')",
        '  provider cognito (region "eu-west-1", user_pool_id "eu-west-1_aBcDeFgHi", '
        'client_ids ["1example23456789"]) decides:',
        '    ISSUER "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_aBcDeFgHi"',
        "    AUDIENCE none",
        '    AUDIENCE_FALLBACK {"claim": "client_id", "one_of": ["1example23456789"]}',
        '    ALGORITHMS ["RS256"]',
        "    TOKEN_TYPES []",
        '    SCOPE_CLAIMS ["scope"]',
        '    ROLE_CLAIMS ["cognito:groups"]',
        '    CLAIM_RULES [{"claim": "username", "present": true}, '
        '{"claim": "token_use", "equals": "access"}]  (preset and yours)',
        "    keys: yours: JWKS_FILE",
    ]
    assert '[FAIL] claim rule: token_use equals "access"' in out
    assert "[FAIL] claim rule: username present" in out
    status = main([*argv, "--json"], stdin=io.StringIO())
    report = json.loads(capsys.readouterr().out)
    assert report["provider"]["settings"]["AUDIENCE"] == {"value": None, "from": "preset"}
    assert report["provider"]["keys"] == "yours: JWKS_FILE"
    assert report["provider"]["parameters"] == {k: v for k, v in COGNITO.items() if k != "name"}


def test_without_a_provider_explain_says_nothing_of_one(minter: Minter) -> None:
    config = GuardConfig(jwks=minter.jwks(), algorithms=["RS256"])
    assert config.preset is None
    assert explain("", Validator(config)).provider is None


def _jwks() -> dict[str, Any]:
    return signing_key("cognito").jwks()


def _settings(config: GuardConfig) -> dict[str, Any]:
    """``config``'s claim settings, by name, without its provider."""
    names = ("ISSUER", "AUDIENCE_FALLBACK", "ALGORITHMS", "ROLE_CLAIMS", "CLAIM_RULES")
    return {name: getattr(config, name.lower()) for name in names}


# --- Entra ID, multi-tenant: the issuers and their keys together ---------------------------------

ENTRA_MULTI = IDPS["entra-multi"].provider
V2, V1 = "https://login.microsoftonline.com/{tenantid}/v2.0", "https://sts.windows.net/{tenantid}/"


@pytest.mark.parametrize("tenant", ["organizations", "common", "Common"])
def test_a_multi_tenant_preset_trusts_issuer_templates(tenant: str) -> None:
    config = GuardConfig.from_mapping({"PROVIDER": ENTRA_MULTI | {"tenant": tenant}})
    assert config.issuer is None
    assert config.issuers == (V2, V1)
    assert str(config.accepted_issuers) == str([V2, V1])
    assert [entry.value for entry in config.issuer_entries] == [  # each version's keys, common
        "https://login.microsoftonline.com/common/discovery/v2.0/keys",
        "https://login.microsoftonline.com/common/discovery/keys",
    ]


def test_your_keys_go_to_each_of_the_presets_issuers_which_keep_their_tenants() -> None:
    jwks = signing_key("entra-multi").jwks()
    config = GuardConfig.from_mapping({"PROVIDER": ENTRA_MULTI, "JWKS": jwks})
    assert config.jwks is None
    assert config.trusted_issuers == {
        template: {"TENANTS": ENTRA_MULTI["tenants"], "JWKS": jwks} for template in (V2, V1)
    }
    validator = Validator(config)
    other = {"iss": "https://sts.windows.net/f8cdef31-a31e-4b4a-93e4-5f571e91255a/"}
    other["tid"] = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
    assert validator.validate(mint("entra-multi", TOKENS["entra v1 delegated"] | other))
    assert config.preset is not None
    assert config.preset.whose("TRUSTED_ISSUERS") == "preset, with your keys"


def test_your_issuer_or_issuers_replace_the_presets_templates() -> None:
    mine = "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"
    config = GuardConfig.from_mapping({"PROVIDER": ENTRA_MULTI, "ISSUER": mine})
    assert (config.issuer, config.trusted_issuers) == (mine, None)  # its keys: discovered
    assert config.preset is not None
    assert config.preset.whose("TRUSTED_ISSUERS") == "yours"
    table = {mine: {"JWKS_URL": "https://keys.example.com/entra"}}
    config = GuardConfig.from_mapping({"PROVIDER": ENTRA_MULTI, "TRUSTED_ISSUERS": table})
    assert config.trusted_issuers == table
    assert config.audience == ("6e74172b-be56-4843-9ff4-e66a39bb12e3", "api://notes")


def test_explain_names_the_keys_of_each_issuer_without_showing_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = GuardConfig.from_mapping(
        {"PROVIDER": ENTRA_MULTI, "JWKS": signing_key("entra-multi").jwks()}
    )
    facts = explain("", Validator(config)).provider
    assert facts is not None
    assert facts["settings"]["TRUSTED_ISSUERS"] == {
        "value": {
            template: {"TENANTS": ENTRA_MULTI["tenants"], "keys": "JWKS"} for template in (V2, V1)
        },
        "from": "preset, with your keys",
    }
    assert facts["keys"] == "yours: JWKS"
    plain = GuardConfig.from_mapping({"PROVIDER": ENTRA_MULTI})
    facts = explain("", Validator(plain)).provider
    assert facts is not None
    url = "JWKS_URL https://login.microsoftonline.com/common/discovery/v2.0/keys"
    assert facts["settings"]["TRUSTED_ISSUERS"]["value"][V2]["keys"] == url
    assert facts["keys"] == "each issuer's own, in TRUSTED_ISSUERS"


def test_personal_microsoft_accounts_are_the_consumers_tenant() -> None:
    config = GuardConfig.from_mapping(
        {"PROVIDER": {"name": "entra", "tenant": "consumers", "client_id": "c"}}
    )
    msa = "9188040d-6c67-4c5b-b112-36a304b66dad"
    assert config.issuers == (f"https://login.microsoftonline.com/{msa}/v2.0",)
    assert config.jwks_url == f"https://login.microsoftonline.com/{msa}/discovery/v2.0/keys"


def test_an_okta_authorization_server_of_your_own_needs_its_audience() -> None:
    provider = {"name": "okta", "domain": "acme.okta.com", "authorization_server": "aus1x"}
    config = GuardConfig.from_mapping({"PROVIDER": provider | {"audience": ["api://notes"]}})
    assert (config.issuer, config.audience) == (
        "https://acme.okta.com/oauth2/aus1x",
        ("api://notes",),
    )
    assert config.claim_rules == []  # no client_ids: any app of the server


def test_v1_tokens_of_one_tenant_with_the_v1_keys() -> None:
    tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    provider = {"name": "entra", "tenant": tenant, "client_id": "c", "versions": "1.0"}
    config = GuardConfig.from_mapping({"PROVIDER": provider})
    assert (config.issuer, config.trusted_issuers) == (f"https://sts.windows.net/{tenant}/", None)
    assert config.jwks_url == f"https://login.microsoftonline.com/{tenant}/discovery/keys"


def test_a_provider_flag_replaces_what_the_environment_says_of_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``jwtguard explain --provider``: the flags over the environment, as the environment over
    an application's defaults; the environment's other settings stay."""
    monkeypatch.setenv("JWTGUARD_ISSUER", "https://dev.example.com/")
    monkeypatch.setenv("JWTGUARD_AUDIENCE", "api://dev")
    monkeypatch.setenv("JWTGUARD_LEEWAY", "0")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(_jwks()))
    token = mint("cognito", TOKENS["cognito access"])
    argv = ["explain", token, "--provider", json.dumps(COGNITO), "--jwks-file", str(jwks)]
    assert main([*argv, "--json"], stdin=io.StringIO()) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["provider"]["settings"]["ISSUER"]["value"] == COGNITO_ISSUER
    expiry = next(check for check in report["checks"] if check["step"] == "expiry")
    assert "leeway 0 s" in expiry["message"]

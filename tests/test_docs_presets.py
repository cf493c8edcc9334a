"""docs/recipes.md: each provider preset, as written, configures what the settings shown beside it
do, accepts a token shaped as that provider issues it and refuses the one it exists to refuse
(keys served on 127.0.0.1 in place of the provider's); the parameter tables are the presets'."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from jwtguard import AuthError, GuardConfig, Validator
from jwtguard.presets import OWNED
from jwtguard.providers import PROVIDERS
from tests.doc_blocks import ROOT, run_block
from tests.provider_tokens import TOKENS, jwks_path, keys_server, mint
from tests.test_docs import hooks

#: Each preset block and the block of the settings it stands for.
SAME = {
    "preset-okta": "recipe-okta",
    "preset-auth0": "recipe-auth0",
    "preset-entra": "recipe-entra",
    "preset-entra-multi": "recipe-entra-multi-tenant",
    "preset-keycloak": "recipe-keycloak",
    "preset-keycloak-azp": "recipe-keycloak-azp",
    "preset-cognito": "recipe-cognito",
    "preset-google": "recipe-google-signin",
}

TENANT = "11111111-2222-3333-4444-555555555555"
SECOND_TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
API = "66666666-7777-8888-9999-000000000000"
GOOGLE = "YOUR-CLIENT-ID.apps.googleusercontent.com"

#: Each preset block: whose tokens (a provider of tests.presets, for its keys and header), the
#: token it accepts (a kind of TOKENS, with the block's values), and a token it refuses.
TOKENS_OF: dict[str, tuple[str, str, dict[str, Any], dict[str, Any], str]] = {
    "preset-okta": (
        "okta",
        "okta access",
        {"iss": "https://YOUR-ORG.okta.com/oauth2/default"},
        {"cid": "0oa9someoneelse"},
        "claim_invalid",
    ),
    "preset-okta-org": (
        "okta-org",
        "okta id",
        {"iss": "https://YOUR-ORG.okta.com"},
        {"aud": "https://YOUR-ORG.okta.com"},  # the org server's own access tokens
        "audience_invalid",
    ),
    "preset-auth0": (
        "auth0",
        "auth0 user",
        {"iss": "https://YOUR-TENANT.us.auth0.com/"},
        {"aud": "K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja"},  # an ID token
        "audience_invalid",
    ),
    "preset-entra": (
        "entra",
        "entra v2 delegated",
        {"iss": f"https://login.microsoftonline.com/{TENANT}/v2.0", "tid": TENANT, "aud": API},
        {"iss": f"https://sts.windows.net/{TENANT}/", "ver": "1.0"},  # v1.0: not asked for
        "issuer_invalid",
    ),
    "preset-entra-multi": (
        "entra-multi",
        "entra v2 delegated",
        {
            "iss": f"https://login.microsoftonline.com/{SECOND_TENANT}/v2.0",
            "tid": SECOND_TENANT,
            "aud": API,
        },
        {"tid": TENANT},  # iss names one tenant, tid another
        "issuer_invalid",
    ),
    "preset-keycloak": (
        "keycloak",
        "keycloak access",
        {"aud": ["notes-api", "account"], "resource_access": {"notes-api": {"roles": ["e"]}}},
        {"aud": "account"},
        "audience_invalid",
    ),
    "preset-keycloak-azp": (
        "keycloak-azp",
        "keycloak access",
        {"aud": None, "azp": "notes-cli"},
        {"aud": None, "azp": "admin-cli"},
        "audience_invalid",
    ),
    "preset-cognito": (
        "cognito",
        "cognito access",
        {"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE"},
        {"aud": "1example23456789", "token_use": "id"},  # the ID token
        "audience_invalid",
    ),
    "preset-google": (
        "google",
        "google id",
        {"aud": GOOGLE, "azp": GOOGLE},
        {"hd": "elsewhere.example"},
        "claim_invalid",
    ),
}


def settings_of(name: str) -> dict[str, Any]:
    settings = run_block(name)["JWTGUARD"]
    assert isinstance(settings, dict)
    return settings


def decided(settings: dict[str, Any]) -> dict[str, Any]:
    """What a configuration says of every setting a preset decides (one name or a list of one,
    a list or a tuple: the same)."""
    config = GuardConfig.from_mapping(settings)
    found = {name: plain(getattr(config, name.lower())) for name in sorted(OWNED)}
    found["ISSUER"], found["AUDIENCE"] = list(config.issuers), list(config.audiences)
    return found


def plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


@pytest.mark.parametrize(("preset", "recipe"), sorted(SAME.items()))
def test_each_preset_is_the_settings_shown_beside_it(preset: str, recipe: str) -> None:
    assert decided(settings_of(preset)) == decided(settings_of(recipe))
    assert set(settings_of(preset)) == {"PROVIDER"}  # the preset alone


@pytest.fixture(scope="module")
def keys_url() -> Iterator[str]:
    with keys_server() as server:
        yield server.url


@pytest.mark.parametrize("block", sorted(TOKENS_OF))
def test_each_preset_accepts_its_providers_token_and_refuses_another(
    block: str, keys_url: str
) -> None:
    idp, kind, values, other, code = TOKENS_OF[block]
    settings = {**settings_of(block), "JWKS_URL": keys_url + jwks_path(idp)}
    validator = Validator(GuardConfig.from_mapping(settings))
    claims = TOKENS[kind] | values
    assert validator.validate(mint(idp, claims)).subject == claims["sub"]
    with pytest.raises(AuthError) as refused:
        validator.validate(mint(idp, claims | other))
    assert refused.value.code == code


def test_every_preset_has_a_block_and_its_parameters_on_the_page() -> None:
    page = (ROOT / "docs" / "recipes.md").read_text("utf-8")
    tables = hooks.generators()
    for name, provider in PROVIDERS.items():
        assert f"<!-- generated: provider-{name} -->" in page
        assert any(settings_of(block)["PROVIDER"]["name"] == name for block in TOKENS_OF)
        table = tables[f"provider-{name}"]()
        for parameter in provider.params:
            assert f"| `{parameter}` |" in table
    assert "<!-- generated:" not in hooks.expand(page, tables)
    assert '| `versions` | default `["2.0"]` | the token versions accepted |' in (
        tables["provider-entra"]()
    )

"""The documentation stays true: examples are run or say why not, the reference tables come
from the code and cannot leave a setting or a code undocumented, and the identity-provider
recipes are configurations jwtguard accepts, for tokens shaped like each provider's."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import jwtguard.errors
from jwtguard import GuardConfig, SimpleRequest, Validator
from jwtguard.config_rules import Integer
from jwtguard.errors import INVALID_TOKEN_ERRORS, AuthError
from jwtguard.settings import setting
from jwtguard.testing import SigningKey, generate_key
from jwtguard.tools.cli import build_parser
from jwtguard.tools.cli_config import config_flags
from tests.doc_blocks import ROOT, doc_blocks, fenced_blocks, run_block
from tests.servers import RecordingServer, recording_server

#: Every tested block, by the test module that runs it (a block no test runs fails below).
TESTED = {
    "tests/test_readme.py": {"readme-flask", "core", "stores", "keys-remote", "keys-rotation"}
    | {"keys-several-issuers"}
    | {"flask", "flask-cors", "flask-logout", "cli"},
    "tests/django/test_readme.py": {"readme-django", "readme-drf", "django-first-token"}
    | {"django-settings", "django-views", "django-admin", "drf-settings", "drf-views"}
    | {"django-stores", "django-cors", "recipe-cognito"},
    "tests/django/test_drf.py": {"drf-exception-handler"},
    "tests/test_pytest_plugin.py": {"pytest-flask", "pytest-django", "pytest-core"},
    "tests/test_openapi_docs.py": {"openapi-django-settings", "openapi-django-urls"}
    | {"openapi-apispec", "openapi-flask-smorest", "openapi-other-tools"},
    "tests/test_architecture_doc.py": {"architecture-claim-rule", "architecture-adapter"}
    | {"architecture-store"},
    "tests/test_docs.py": {"recipe-okta", "recipe-auth0", "recipe-entra", "recipe-keycloak"}
    | {"recipe-cognito", "recipe-google", "recipe-google-iap", "recipe-keycloak-azp"}
    | {"recipe-google-callers", "recipe-entra-multi-tenant"},
    "tests/test_docs_roles.py": {"roles-flask"},
    "tests/test_docs_presets.py": {"preset-okta", "preset-okta-org", "preset-auth0"}
    | {"preset-entra", "preset-entra-multi", "preset-keycloak", "preset-keycloak-azp"}
    | {"preset-cognito", "preset-google", "recipe-google-signin"},
}


def load_hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs/_hooks/hooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and typing look modules up by name
    spec.loader.exec_module(module)
    return module


hooks = load_hooks()


def test_every_python_block_is_run_or_says_why_not() -> None:
    unmarked = [
        f"{block.path}:{block.line}"
        for block in fenced_blocks()
        if block.lang == "python" and block.kind is None
    ]
    assert unmarked == [], "mark them <!-- doc-test: NAME --> or <!-- doc-untested: why -->"
    assert all(b.name for b in fenced_blocks() if b.kind == "doc-untested"), "say why"


def test_every_tested_block_is_run_by_a_test() -> None:
    tested = set().union(*TESTED.values())
    named = set(doc_blocks("python")) | set(doc_blocks("sh"))
    assert named == tested
    for module, names in TESTED.items():
        source = (ROOT / module).read_text("utf-8")
        assert all(f'"{name}"' in source for name in names), module


def test_settings_reference_covers_every_setting() -> None:
    page = hooks.settings_markdown(GuardConfig, config_flags(), hooks.load_reference())
    names = [field.name.upper() for field in dataclasses.fields(GuardConfig) if field.init]
    assert len(names) > 40
    for name in names:
        assert f"### `{name}`" in page
        assert f"`JWTGUARD_{name}`" in page
    leeway = page[page.index("### `LEEWAY`") :].split("###", 2)[1]
    assert "**Type** `float`" in leeway
    assert "**Default** `60`" in leeway
    assert "(a number)" in leeway
    assert "**Valid** seconds, between 0 and 86400 (else `leeway_invalid`)" in leeway
    assert "**`jwtguard` flag** `--leeway`" in leeway
    assert "Seconds of clock skew tolerated for exp, nbf and iat." in leeway
    secret = page[page.index("### `SECRET`") :].split("###", 2)[1]
    assert "**`jwtguard` flag** `--secret-env NAME`" in secret
    assert "An HMAC secret for HS256, HS384 or HS512 tokens (32 bytes or more). A `str`" in secret


def test_a_setting_outside_the_table_stops_the_build() -> None:
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Grown(GuardConfig):  # a setting added to the class, not to the settings table
        brand_new: int = 1

    with pytest.raises(hooks.Undocumented, match="outside the settings table: BRAND_NEW"):
        hooks.settings_markdown(Grown, config_flags(), hooks.load_reference())
    reference = hooks.load_reference()
    reference["settings"]["GONE"] = {"more": "a removed setting"}
    with pytest.raises(hooks.Undocumented, match="do not exist: \\['GONE'\\]"):
        hooks.settings_markdown(GuardConfig, config_flags(), reference)


def test_a_setting_in_the_table_is_documented_by_it() -> None:
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class Grown(GuardConfig):
        brand_new: int = setting(1, Integer(1, 9), "Claims", "A new setting", flag=True)

    page = hooks.settings_markdown(Grown, {"BRAND_NEW": "--brand-new"}, hooks.load_reference())
    entry = page[page.index("### `BRAND_NEW`") :]
    assert page.index("## Claims") < page.index("### `BRAND_NEW`") < page.index("## Where")
    assert "**Valid** between 1 and 9 (else `brand_new_invalid`)" in entry
    assert "`JWTGUARD_BRAND_NEW` (an integer)" in entry
    assert "**`jwtguard` flag** `--brand-new`" in entry
    assert "A new setting." in entry


def test_code_table_lists_every_error_and_cannot_drift() -> None:
    classes = hooks.error_classes(jwtguard.errors, AuthError)
    table = hooks.codes_markdown(classes, hooks.load_reference())
    for cls in classes:
        row = next(line for line in table.splitlines() if line.startswith(f"| `{cls.code}` |"))
        assert f"| {cls.status}" in row
        assert cls.default_description in row
    assert set(INVALID_TOKEN_ERRORS) <= set(classes)
    assert {"token_missing", "insufficient_scope", "csrf_failed", "store_unavailable"} <= {
        cls.code for cls in classes
    }

    class Newcomer(jwtguard.errors.InvalidToken):
        code = "brand_new_check"

    with pytest.raises(hooks.Undocumented, match="for the codes brand_new_check"):
        hooks.codes_markdown([*classes, Newcomer], hooks.load_reference())


def test_adapter_keys_are_documented() -> None:
    from jwtguard_django.conf import DJANGO_KEYS  # noqa: PLC0415
    from jwtguard_flask.settings import FLASK_KEYS, FlaskOptions  # noqa: PLC0415

    reference = hooks.load_reference()
    django = hooks.adapter_settings_markdown("django", DJANGO_KEYS, reference, str)
    assert all(f"| {key} |" in django for key in DJANGO_KEYS)
    flask = hooks.flask_entries(FlaskOptions, reference)
    table = hooks.adapter_settings_markdown("flask", FLASK_KEYS, flask, str)
    assert "| PROTECT_APP | `bool` | `False` |" in table
    with pytest.raises(hooks.Undocumented, match="ROLE_CLAIM"):
        hooks.adapter_settings_markdown("django", {*DJANGO_KEYS, "ROLE_CLAIM"}, reference, str)


def test_command_options_page_has_every_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    page = hooks.cli_markdown(build_parser())
    for command in ("explain", "decode", "keygen", "mint", "revoke"):
        assert f"### `jwtguard {command} --help`" in page
        assert f"usage: jwtguard {command}" in page
    assert "--secret-env NAME" in page


def test_markers_are_expanded_and_unknown_ones_refused() -> None:
    tables = {"codes": lambda: "TABLE\n"}
    assert hooks.expand("a\n<!-- generated: codes -->\nb", tables) == "a\nTABLE\n\nb"
    with pytest.raises(hooks.Undocumented, match="'setings'"):
        hooks.expand("<!-- generated: setings -->", tables)


def test_every_page_is_in_the_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text("utf-8")
    pages = sorted(
        str(path.relative_to(ROOT / "docs"))
        for path in (ROOT / "docs").rglob("*.md")
        if "_hooks" not in path.parts
    )
    assert [page for page in pages if f": {page}\n" not in nav] == []


# --- identity-provider recipes -----------------------------------------------------------------

#: Claims (and the header, the scopes expected) of a real access token of each provider.
PROVIDERS: dict[str, tuple[dict[str, Any], set[str]]] = {
    "recipe-okta": (
        {
            "ver": 1,
            "cid": "0oa1webapp2Ab3Cd4e5",
            "uid": "00u1",
            "scp": ["notes:read", "openid"],
            "sub": "a@x",
        },
        {"notes:read", "openid"},
    ),
    "recipe-auth0": (
        {
            "sub": "auth0|123",
            "aud": ["https://notes.example.com/api", "https://YOUR-TENANT.us.auth0.com/userinfo"],
            "azp": "K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja",
            "scope": "openid notes:read",
            "permissions": ["notes:write"],
        },
        {"openid", "notes:read"},
    ),
    "recipe-entra": (
        {"ver": "2.0", "tid": "t", "oid": "o", "sub": "s", "scp": "Notes.Read", "roles": ["Admin"]},
        {"Notes.Read"},
    ),
    "recipe-keycloak": (
        {
            "aud": ["notes-api", "account"],
            "sub": "uuid",
            "typ": "Bearer",
            "azp": "notes-web",
            "scope": "openid notes:read",
            "realm_access": {"roles": ["offline_access"]},
            "resource_access": {"notes-api": {"roles": ["editor"]}, "account": {"roles": ["x"]}},
        },
        {"openid", "notes:read"},
    ),
    "recipe-keycloak-azp": (
        {
            "sub": "uuid",
            "typ": "Bearer",
            "azp": "notes-cli",
            "scope": "openid notes:read",
            "realm_access": {"roles": ["offline_access"]},
        },
        {"openid", "notes:read"},
    ),
    "recipe-cognito": (
        {
            "sub": "u",
            "client_id": "1example23456789",
            "token_use": "access",
            "scope": "notes/read",
            "cognito:groups": ["editors"],
            "username": "ann",
        },
        {"notes/read"},
    ),
    "recipe-google": ({"sub": "1", "email": "svc@p.iam.gserviceaccount.com", "azp": "1"}, set()),
    "recipe-google-iap": ({"sub": "accounts.google.com:1", "email": "a@x"}, set()),
}

#: The roles of each provider's token above, apart from its scopes (none where not listed).
PROVIDER_ROLES: dict[str, set[str]] = {
    "recipe-auth0": {"notes:write"},
    "recipe-entra": {"Admin"},
    "recipe-keycloak": {"offline_access", "editor"},
    "recipe-keycloak-azp": {"offline_access"},
    "recipe-cognito": {"editors"},
}


def _recipe(name: str) -> dict[str, Any]:
    settings = run_block(name)["JWTGUARD"]
    assert isinstance(settings, dict)
    return settings


@pytest.fixture(scope="module")
def provider() -> Iterator[RecordingServer]:
    """Where the recipes' keys are served from in these tests: 127.0.0.1."""
    with recording_server() as server:
        yield server


def _served(settings: dict[str, Any], key: SigningKey, provider: RecordingServer) -> dict[str, Any]:
    """The recipe with its provider's keys fetched from ``provider`` (its key setting, or the
    discovery its ``ISSUER`` means, replaced by a ``JWKS_URL`` there)."""
    path = f"/{key.kid}/keys"
    provider.serve_json(path, key.jwks())
    local = {k: v for k, v in settings.items() if k not in ("JWKS_URL", "OPENID_CONFIGURATION_URL")}
    return {**local, "JWKS_URL": provider.url + path}


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_recipe_accepts_its_providers_tokens(name: str, provider: RecordingServer) -> None:
    settings = _recipe(name)
    GuardConfig.from_mapping(settings)  # the recipe as written: valid (nothing is fetched)
    [algorithm] = settings["ALGORITHMS"]
    key = generate_key(algorithm, kid=f"{name}-key-1")
    validator = Validator(GuardConfig.from_mapping(_served(settings, key, provider)))
    issuer = settings["ISSUER"] if isinstance(settings["ISSUER"], str) else settings["ISSUER"][0]
    provider_claims, scopes = PROVIDERS[name]
    claims = {"iss": issuer} | ({"aud": settings["AUDIENCE"]} if "AUDIENCE" in settings else {})
    claims |= provider_claims
    header_name = settings.get("HEADER_NAME", "Authorization")
    value = key.token(**claims) if "HEADER_NAME" in settings else f"Bearer {key.token(**claims)}"
    token = validator.authenticate(SimpleRequest(headers={header_name: value}))
    assert token is not None
    assert token.scopes == scopes
    assert token.roles == PROVIDER_ROLES.get(name, set())


def test_cognito_id_tokens_are_refused_for_their_aud() -> None:
    """The Cognito recipe sets no AUDIENCE: access tokens (no aud) pass, ID tokens do not."""
    settings = _recipe("recipe-cognito")
    key = generate_key("RS256", kid="k")
    validator = Validator(GuardConfig.from_mapping({**settings, "JWKS": key.jwks()}))
    claims = {"iss": settings["ISSUER"], "client_id": "c", "token_use": "id"}
    with pytest.raises(jwtguard.errors.AudienceInvalid):
        validator.validate(key.token(**claims, aud="1example23456789"))
    with pytest.raises(jwtguard.errors.ClaimMissing):
        validator.validate(key.token(iss=settings["ISSUER"], token_use="access"))


def _refusal(validator: Validator, token: str) -> tuple[str, str]:
    with pytest.raises(AuthError) as refused:
        validator.validate(token)
    return refused.value.code, refused.value.description


def test_keycloak_without_an_audience_mapper_accepts_only_its_clients_access_tokens() -> None:
    settings = _recipe("recipe-keycloak-azp")
    key = generate_key("RS256", kid="k")
    validator = Validator(GuardConfig.from_mapping({**settings, "JWKS": key.jwks()}))
    claims = {"iss": settings["ISSUER"], "sub": "uuid", "typ": "Bearer", "azp": "notes-web"}
    assert validator.validate(key.token(**claims)).claims["azp"] == "notes-web"
    for other, code in (
        ({"azp": "admin-console"}, "audience_invalid"),  # another client of the realm
        ({"aud": "account"}, "audience_invalid"),  # never accepted for account's aud
        ({"typ": "ID", "aud": "notes-web"}, "audience_invalid"),  # an ID token
        ({"typ": "ID"}, "claim_invalid"),
        ({"typ": None}, "claim_missing"),
    ):
        assert _refusal(validator, key.token(**(claims | other)))[0] == code, other


def test_google_callers_are_named_by_their_verified_email(provider: RecordingServer) -> None:
    settings = run_block("recipe-google-callers", run_block("recipe-google"))["JWTGUARD"]
    assert isinstance(settings, dict)
    key = generate_key("RS256", kid="google-callers")
    validator = Validator(GuardConfig.from_mapping(_served(settings, key, provider)))
    caller = "scheduler@YOUR-PROJECT.iam.gserviceaccount.com"
    claims = {"iss": "https://accounts.google.com", "aud": settings["AUDIENCE"], "sub": "1"}
    claims |= {"email": caller, "email_verified": True}
    assert validator.validate(key.token(**claims)).claims["email"] == caller
    for other, code in (
        ({"email": "intruder@evil.iam.gserviceaccount.com"}, "claim_invalid"),
        ({"email_verified": "true"}, "claim_invalid"),  # a string is not the boolean
        ({"email_verified": False}, "claim_invalid"),
        ({"email_verified": None}, "claim_missing"),
    ):
        code_given, description = _refusal(validator, key.token(**(claims | other)))
        assert code_given == code, other
        assert caller not in description


def test_entra_multi_tenant_accepts_the_listed_tenants_with_one_fetch(
    provider: RecordingServer,
) -> None:
    """Tokens shaped like Entra v2.0 access tokens of several tenants, the shared keys served on
    127.0.0.1 in place of Microsoft's: listed tenants pass, the others and a tid naming another
    tenant are refused, and the keys are fetched once."""
    settings = _recipe("recipe-entra-multi-tenant")
    GuardConfig.from_mapping(settings)  # as written: valid (nothing is fetched)
    [(template, entry)] = settings["TRUSTED_ISSUERS"].items()
    key = generate_key("RS256", kid="entra-common-1")
    provider.serve_json("/common/discovery/v2.0/keys", key.jwks())
    local = {template: entry | {"JWKS_URL": provider.url + "/common/discovery/v2.0/keys"}}
    validator = Validator(GuardConfig.from_mapping(settings | {"TRUSTED_ISSUERS": local}))

    def entra(tenant: str, **claims: Any) -> str:
        issued = {"iss": template.replace("{tenantid}", tenant), "tid": tenant, "ver": "2.0"}
        issued |= {"aud": settings["AUDIENCE"], "azp": "caller-app", "oid": "o", "sub": "s"}
        header = {"typ": "JWT", "alg": "RS256", "kid": key.kid}
        return key.token(header=header, **(issued | {"scp": "Notes.Read"} | claims))

    for tid in entry["TENANTS"]:
        token = validator.validate(entra(tid))
        assert (token.issuer, token.scopes) == (template.replace("{tenantid}", tid), {"Notes.Read"})
    other = "0a1b2c3d-0000-4000-8000-000000000000"
    assert _refusal(validator, entra(other)) == ("issuer_invalid", "Unexpected issuer")
    mixed = entra(entry["TENANTS"][0], tid=entry["TENANTS"][1])
    assert _refusal(validator, mixed) == ("issuer_invalid", "Unexpected issuer")
    assert provider.hits("/common/discovery/v2.0/keys") == 1


def test_the_docs_site_configuration_names_the_hooks() -> None:
    config = (ROOT / "mkdocs.yml").read_text("utf-8")
    assert "strict: true" in config
    assert "docs/_hooks/hooks.py" in config
    assert Path(ROOT / "docs" / "_hooks" / "reference.toml").is_file()

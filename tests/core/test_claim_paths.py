"""Claim paths (``SCOPE_CLAIMS``, and rules on claim values): nested names, names with dots."""

from __future__ import annotations

import pytest

from jwtguard import ConfigurationError, GuardConfig, Validator
from jwtguard.claim_paths import ABSENT, ClaimPath
from tests.contract import SETTINGS, Minter

KEYCLOAK = {
    "realm_access": {"roles": ["offline_access"]},
    "resource_access": {"notes.api": {"roles": ["editor"]}, "notes": {"api": {"roles": ["x"]}}},
    "https://example.com/roles": ["namespaced"],
}


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("scope", ("scope",)),
        ("realm_access.roles", ("realm_access", "roles")),
        (r"resource_access.notes\.api.roles", ("resource_access", "notes.api", "roles")),
        (r"a\\b.c", ("a\\b", "c")),
    ],
)
def test_parsing(text: str, parts: tuple[str, ...]) -> None:
    assert ClaimPath.parse(text).parts == parts


@pytest.mark.parametrize("text", ["", "a..b", ".a", "a.", r"a\b", "a\\"])
def test_a_path_without_a_name_or_with_a_dangling_escape_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="claim path"):
        ClaimPath.parse(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("realm_access.roles", ["offline_access"]),
        (r"resource_access.notes\.api.roles", ["editor"]),
        ("resource_access.notes.api.roles", ["x"]),  # the dots walk in: another client
        ("https://example.com/roles", ["namespaced"]),  # the whole name first
        ("realm_access.missing", ABSENT),
        ("realm_access.roles.0", ABSENT),  # lists are not walked into
        ("absent", ABSENT),
    ],
)
def test_lookup(text: str, value: object) -> None:
    assert ClaimPath.parse(text).lookup(KEYCLOAK) == value


def test_null_is_a_value() -> None:
    assert ClaimPath.parse("a").lookup({"a": None}) is None


def test_a_client_role_of_a_client_id_with_a_dot_is_a_scope_when_configured(
    minter: Minter,
) -> None:
    config = GuardConfig.from_mapping(
        {**SETTINGS, "JWKS": minter.jwks(), "SCOPE_CLAIMS": [r"resource_access.notes\.api.roles"]}
    )
    token = Validator(config).validate(minter.token(**KEYCLOAK))
    assert token.scopes == {"editor"}


def test_a_broken_path_is_a_configuration_problem() -> None:
    with pytest.raises(ConfigurationError) as raised:
        GuardConfig.from_mapping({**SETTINGS, "SCOPE_CLAIMS": ["scope", "a..b"]})
    assert [(p.setting, p.code) for p in raised.value.issues] == [
        ("SCOPE_CLAIMS", "scope_claims_invalid")
    ]
    assert "a..b" in str(raised.value)

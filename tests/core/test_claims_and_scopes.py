"""Registered claims with leeway, audiences, issuers, types, lifetimes; scopes of real IdPs."""

from __future__ import annotations

from typing import Any

import pytest

from jwtguard import AuthError, GuardConfig, InsufficientScope, Validator, require_scopes
from jwtguard.scopes import extract_scopes, scope_list
from tests.contract import AUDIENCE, ISSUER, Minter

NOW = 1_900_000_000


def validator_for(minter: Minter, clock_offset: float = 0, **settings: Any) -> Validator:
    base = {
        "jwks": minter.jwks(),
        "algorithms": ["RS256", "ES256"],
        "issuer": ISSUER,
        "audience": AUDIENCE,
    } | settings
    return Validator(GuardConfig(**base), clock=lambda: NOW + clock_offset)


def sign(minter: Minter, **claims: Any) -> str:
    payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": NOW, "exp": NOW + 300}
    payload = {k: v for k, v in (payload | claims).items() if v is not None}
    return minter.key.sign(payload)


def code_of(validator: Validator, token: str) -> str | None:
    try:
        validator.validate(token)
    except AuthError as error:
        return error.code
    return None


@pytest.mark.parametrize(
    ("offset", "leeway", "code"),
    [
        (299, 60, None),
        (300 + 59, 60, None),
        (300 + 60, 60, "token_expired"),  # now >= exp + leeway
        (300, 0, "token_expired"),
        (299, 0, None),
        (10_000, 60, "token_expired"),
    ],
)
def test_exp_with_leeway(minter: Minter, offset: int, leeway: int, code: str | None) -> None:
    validator = validator_for(minter, clock_offset=offset, leeway=leeway)
    assert code_of(validator, sign(minter)) == code


def test_expired_detail_names_the_times(minter: Minter) -> None:
    validator = validator_for(minter, clock_offset=300 + 192)
    with pytest.raises(AuthError) as caught:
        validator.validate(sign(minter))
    assert caught.value.description == "The access token expired"
    assert caught.value.detail == (
        "exp: expired 3 min 12 s ago at 2030-03-17T17:51:40Z (leeway 60 s)"
    )


@pytest.mark.parametrize(
    ("aud", "accepted", "code"),
    [
        (AUDIENCE, [AUDIENCE], None),
        ([AUDIENCE, "other"], [AUDIENCE], None),
        (["x", "y"], [AUDIENCE, "y"], None),
        ("api://other", [AUDIENCE], "audience_invalid"),
        ([], [AUDIENCE], "audience_invalid"),
        (None, [AUDIENCE], "claim_missing"),
    ],
)
def test_audience(minter: Minter, aud: Any, accepted: list[str], code: str | None) -> None:
    assert code_of(validator_for(minter, audience=accepted), sign(minter, aud=aud)) == code


def test_token_with_aud_needs_a_configured_audience(minter: Minter) -> None:
    """RFC 7519 §4.1.3: a recipient that does not identify itself with aud must reject."""
    validator = validator_for(minter, audience=None)
    with pytest.raises(AuthError) as caught:
        validator.validate(sign(minter))
    assert caught.value.code == "audience_invalid"
    assert "no AUDIENCE is configured" in caught.value.detail
    assert validator.validate(sign(minter, aud=None)).subject == "alice"


@pytest.mark.parametrize(
    ("iss", "trusted", "code"),
    [
        (ISSUER, [ISSUER], None),
        ("https://tenant-b/", [ISSUER, "https://tenant-b/"], None),
        (ISSUER.rstrip("/"), [ISSUER], "issuer_invalid"),  # exact match, no normalization
        (None, [ISSUER], "claim_missing"),
    ],
)
def test_issuer(minter: Minter, iss: str | None, trusted: list[str], code: str | None) -> None:
    settings: dict[str, Any] = {"issuer": trusted}
    if len(trusted) > 1:  # static keys serve several issuers only when each is given them
        keys = {"JWKS": minter.jwks()}
        settings = {"jwks": None, "issuer": None, "trusted_issuers": dict.fromkeys(trusted, keys)}
    assert code_of(validator_for(minter, **settings), sign(minter, iss=iss)) == code


def test_description_never_echoes_expected_values(minter: Minter) -> None:
    validator = validator_for(minter)
    for token in (sign(minter, aud="api://x"), sign(minter, iss="https://x/")):
        with pytest.raises(AuthError) as caught:
            validator.validate(token)
        assert AUDIENCE not in caught.value.description
        assert ISSUER not in caught.value.description
        assert "api://x" not in caught.value.description


def test_required_claims(minter: Minter) -> None:
    validator = validator_for(minter, required_claims=["exp", "sub", "jti"])
    with pytest.raises(AuthError) as caught:
        validator.validate(sign(minter))
    assert (caught.value.code, caught.value.description) == (
        "claim_missing",
        "The access token lacks the jti claim",
    )
    assert validator.validate(sign(minter, jti="id-1")).token_id == "id-1"
    assert code_of(validator_for(minter, required_claims=[]), sign(minter, exp=None)) is None


def test_max_lifetime(minter: Minter) -> None:
    validator = validator_for(minter, max_lifetime=3600)
    assert code_of(validator, sign(minter, exp=NOW + 3600)) is None
    assert code_of(validator, sign(minter, exp=NOW + 3601)) == "lifetime_too_long"
    assert code_of(validator, sign(minter, iat=None)) == "claim_missing"


@pytest.mark.parametrize(
    ("typ", "code"),
    [
        ("at+jwt", None),
        ("AT+JWT", None),
        ("application/at+jwt", None),
        ("JWT", "type_invalid"),
        (None, "type_invalid"),
        (7, "type_invalid"),
    ],
)
def test_token_type_rfc9068(minter: Minter, typ: Any, code: str | None) -> None:
    validator = validator_for(minter, token_types=["application/at+jwt"])
    header = {"alg": "RS256", "kid": "rsa-1"} | ({"typ": typ} if typ is not None else {})
    token = minter.key.sign({"iss": ISSUER, "aud": AUDIENCE, "exp": NOW + 60}, header)
    assert code_of(validator, token) == code


def test_access_token_accessors(minter: Minter) -> None:
    token = validator_for(minter).validate(sign(minter, jti="j", azp="spa", scope="a b"))
    assert token.subject == "alice"
    assert token.issuer == ISSUER
    assert token.audience == (AUDIENCE,)
    assert token.token_id == "j"
    assert token.client_id == "spa"
    assert token.key_id == "rsa-1"
    assert token.algorithm == "RS256"
    assert token.expires_at is not None
    assert token.expires_at.timestamp() == NOW + 300
    assert token.issued_at is not None
    assert token.not_before is None
    assert token.has_scopes(["a"])
    assert not token.has_scopes(["a", "c"])
    with pytest.raises(TypeError):
        token.claims["sub"] = "mallory"  # type: ignore[index]
    assert "eyJ" not in repr(token)


# --- scopes as real identity providers spell them -------------------------------------------

SCOPE_CLAIMS = [
    "scope",
    "scp",
    "permissions",
    "roles",
    "realm_access.roles",
    "resource_access.notes-api.roles",
    "https://example.com/roles",
]


@pytest.mark.parametrize(
    ("provider", "claims", "expected"),
    [
        (
            "Auth0",
            {"scope": "openid notes:read", "permissions": ["notes:write"]},
            {"openid", "notes:read", "notes:write"},
        ),
        ("Auth0 namespaced", {"https://example.com/roles": ["admin"]}, {"admin"}),
        ("Okta", {"scp": ["notes:read", "offline_access"]}, {"notes:read", "offline_access"}),
        (
            "Entra ID",
            {"scp": "Notes.Read Notes.Write", "roles": ["Notes.Admin"]},
            {"Notes.Read", "Notes.Write", "Notes.Admin"},
        ),
        (
            "Keycloak",
            {
                "scope": "profile email",
                "realm_access": {"roles": ["user"]},
                "resource_access": {"notes-api": {"roles": ["editor"]}},
            },
            {"profile", "email", "user", "editor"},
        ),
        ("Cognito", {"scope": "notes/read notes/write"}, {"notes/read", "notes/write"}),
        ("junk types", {"scope": 5, "scp": [1, None, "ok", ""], "roles": {"a": 1}}, {"ok"}),
        ("nothing", {}, set()),
    ],
)
def test_scope_extraction(provider: str, claims: dict[str, Any], expected: set[str]) -> None:
    assert extract_scopes(claims, SCOPE_CLAIMS) == expected


def test_default_scope_claims_are_scope_and_scp(minter: Minter) -> None:
    token = validator_for(minter).validate(sign(minter, scope="a", scp=["b"], roles=["c"]))
    assert token.scopes == {"a", "b"}


@pytest.mark.parametrize(
    ("granted", "all_of", "any_of", "ok"),
    [
        ("a b", ["a"], [], True),
        ("a b", ["a", "b"], [], True),
        ("a", ["a", "b"], [], False),
        ("a", [], ["b", "a"], True),
        ("c", [], ["a", "b"], False),
        ("a c", ["a"], ["b", "c"], True),
        ("c", ["a"], ["b", "c"], False),
        ("", [], [], True),
    ],
)
def test_require_scopes(
    minter: Minter, granted: str, all_of: list[str], any_of: list[str], ok: bool
) -> None:
    token = validator_for(minter).validate(sign(minter, scope=granted))
    if ok:
        require_scopes(token, all_of, any_of=any_of)
        return
    with pytest.raises(InsufficientScope) as caught:
        require_scopes(token, all_of, any_of=any_of)
    assert caught.value.status == 403
    # the challenge's scope names a set that satisfies the request (never a whole any-of list)
    assert len(caught.value.required) == len(all_of) + bool(any_of)
    named = validator_for(minter).validate(sign(minter, scope=" ".join(caught.value.required)))
    require_scopes(named, all_of, any_of=any_of)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("notes:read", ("notes:read",)),
        ("notes:read  notes:write ", ("notes:read", "notes:write")),
        (["notes:read", "a b"], ("notes:read", "a b")),
        ((), ()),
        ("", ()),
    ],
)
def test_scope_list(value: str | list[str], expected: tuple[str, ...]) -> None:
    assert scope_list(value) == expected


def test_require_scopes_takes_a_space_delimited_string(minter: Minter) -> None:
    token = validator_for(minter).validate(sign(minter, scope="a b"))
    require_scopes(token, "a b")
    with pytest.raises(InsufficientScope) as caught:
        require_scopes(token, "a c", any_of="x y")
    assert caught.value.required == ("a", "c", "x")

"""Scopes and roles are different things (#14 §2): ``ROLE_CLAIMS`` apart from ``SCOPE_CLAIMS``,
``roles=`` apart from ``scopes=``, 403 ``insufficient_role`` apart from ``insufficient_scope``,
and an any-of scope challenge that names only what would satisfy the view."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jwtguard import (
    AccessToken,
    ConfigurationError,
    ErrorResponse,
    Guard,
    GuardConfig,
    InsufficientRole,
    InsufficientScope,
    SimpleRequest,
    Validator,
    render_error,
    require_roles,
)
from jwtguard.adapters import Requirement, ScopeCheck, role_list
from jwtguard.scopes import Needs, RoleReader
from tests.audit import audit_records
from tests.contract import SETTINGS, Minter, bearer
from tests.roles import CASES, VIEWS, RoleCase, check_role_answer, settings_of


def guard_for(config: str, minter: Minter) -> Guard:
    return Guard(GuardConfig.from_mapping(settings_of(config, minter)))


def token_of(minter: Minter, **claims: Any) -> AccessToken:
    config = GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()})
    return Validator(config).validate(minter.token(**claims))


# --- the shared cases, answered by the core ---------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_core_answers_each_case(minter: Minter, case: RoleCase) -> None:
    guard = guard_for(case.config, minter)
    request = SimpleRequest(headers=case.headers(minter))
    answer = guard.decide(request, Requirement.of(**VIEWS[case.view].kwargs()))
    if isinstance(answer, AccessToken):
        check_role_answer(case, 200, {}.get, json.dumps({"sub": answer.subject}).encode())
        return
    assert answer is not None
    check_role_answer(case, answer.status, answer.header, answer.body)


# --- reading roles ------------------------------------------------------------------------------


def test_scopes_and_roles_are_two_sets(minter: Minter) -> None:
    token = token_of(minter, scope="a", scp=["b"], roles=["c", "a"])
    assert token.scopes == {"a", "b"}
    assert token.roles == {"c", "a"}
    assert token.has_roles(["c"])
    assert not token.has_roles(["b"])
    assert "roles=['a', 'c']" in repr(token)


def test_the_default_role_claim_is_roles() -> None:
    config = GuardConfig(algorithms=["HS256"], secret="s" * 32)
    assert config.role_claims == ("roles",)
    assert config.scope_claims == ("scope", "scp")


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"roles": ["admin", "Notes Editor"]}, {"admin", "Notes Editor"}),
        ({"roles": "Notes Editor"}, {"Notes Editor"}),  # one role, never split
        ({"roles": ""}, set()),
        ({"roles": [1, None, "", "ok", ["x"]]}, {"ok"}),
        ({"roles": {"admin": True}}, set()),
        ({"realm_access": {"roles": ["r"]}}, {"r"}),
        ({"resource_access": {"notes.api": {"roles": ["c"]}}}, {"c"}),
        ({"resource_access": {"notes": {"api": {"roles": ["lookalike"]}}}}, set()),
        ({"cognito:groups": ["editors"]}, {"editors"}),
        ({"https://notes.example.com/roles": ["namespaced"]}, {"namespaced"}),
        ({"permissions": ["notes:delete"]}, {"notes:delete"}),
        ({}, set()),
    ],
)
def test_role_reader(claims: dict[str, Any], expected: set[str]) -> None:
    paths = [
        "roles",
        "realm_access.roles",
        r"resource_access.notes\.api.roles",
        "cognito:groups",
        "https://notes.example.com/roles",
        "permissions",
    ]
    assert RoleReader(paths)(claims) == expected


def test_role_claims_from_the_environment_and_empty(minter: Minter) -> None:
    environ = {
        "JWTGUARD_ALGORITHMS": "RS256",
        "JWTGUARD_JWKS": json.dumps(minter.jwks()),
        "JWTGUARD_ISSUER": SETTINGS["ISSUER"],
        "JWTGUARD_AUDIENCE": SETTINGS["AUDIENCE"],
        "JWTGUARD_ROLE_CLAIMS": r"realm_access.roles,resource_access.notes\.api.roles",
    }
    config = GuardConfig.from_env(environ)
    assert config.role_claims == ("realm_access.roles", r"resource_access.notes\.api.roles")
    claims = {"roles": ["no"], "realm_access": {"roles": ["r"]}}
    assert Validator(config).validate(minter.token(**claims)).roles == {"r"}
    none = GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks(), "ROLE_CLAIMS": []})
    assert Validator(none).validate(minter.token(roles=["admin"])).roles == frozenset()


@pytest.mark.parametrize("value", ["realm_access..roles", "a\\b", "", ["roles", 5]])
def test_a_bad_role_claim_path_stops_the_configuration(value: object) -> None:
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig(algorithms=["HS256"], secret="s" * 32, role_claims=value)  # type: ignore[arg-type]
    assert {issue.code for issue in caught.value.issues} == {"role_claims_invalid"}


# --- requiring roles ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Notes Editor", ("Notes Editor",)), ("", ()), (["a b", "c"], ("a b", "c")), ((), ())],
)
def test_a_role_string_is_one_role(value: str | list[str], expected: tuple[str, ...]) -> None:
    assert role_list(value) == expected
    assert ScopeCheck.of(roles=value).roles == expected


@pytest.mark.parametrize(
    ("held", "roles", "any_of", "ok"),
    [
        (["a", "b"], ["a"], [], True),
        (["a"], ["a", "b"], [], False),
        (["c"], [], ["a", "c"], True),
        (["c"], [], ["a", "b"], False),
        (["a", "c"], ["a"], ["b", "c"], True),
        (["c"], ["a"], ["b", "c"], False),
        ([], [], [], True),
    ],
)
def test_require_roles(
    minter: Minter, held: list[str], roles: list[str], any_of: list[str], ok: bool
) -> None:
    token = token_of(minter, roles=held)
    if ok:
        require_roles(token, roles, any_of=any_of)
        Guard(GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()})).authorize(
            token, roles=roles, any_roles=any_of
        )
        return
    with pytest.raises(InsufficientRole) as caught:
        require_roles(token, roles, any_of=any_of)
    assert caught.value.missing == tuple(role for role in roles if role not in held)
    assert caught.value.one_of == (() if set(held) & set(any_of) else tuple(any_of))


def test_a_scope_is_no_role_and_a_role_no_scope(minter: Minter) -> None:
    token = token_of(minter, scope="Notes.Read.All", roles=["admin"])
    with pytest.raises(InsufficientRole):
        require_roles(token, "Notes.Read.All")
    with pytest.raises(InsufficientScope):
        Requirement.of("admin").authorize(token)


def test_scopes_are_refused_before_roles(minter: Minter) -> None:
    token = token_of(minter, scope="x")
    requirement = Requirement.of("a", roles="r")
    scope, role = requirement.refusals_of(token.scopes, token.roles)
    assert (type(scope), type(role)) == (InsufficientScope, InsufficientRole)
    with pytest.raises(InsufficientScope):
        requirement.authorize(token)
    assert [type(e) for e in requirement.refusals()] == [InsufficientScope, InsufficientRole]
    assert type(Requirement.of(roles="r").refusal()) is InsufficientRole
    assert type(ScopeCheck.of(roles="r").refusal()) is InsufficientRole
    assert ScopeCheck.of().refusal() is None
    assert Requirement.of().refusal() is None


def test_joined_requirements_add_their_roles(minter: Minter) -> None:
    joined = Requirement.join(Requirement.of(roles="a"), Requirement.of(any_roles=["b", "c"]))
    assert joined.role_needs == Needs(("a",), (("b", "c"),))
    with pytest.raises(InsufficientRole) as caught:
        joined.authorize(token_of(minter, roles=["a"]))
    assert caught.value.one_of == ("b", "c")
    joined.authorize(token_of(minter, roles=["a", "c"]))


# --- the answer: 403 insufficient_role ---------------------------------------------------------


def test_insufficient_role_on_the_wire(config: GuardConfig) -> None:
    error = InsufficientRole(detail="requires roles all of: `Notes.Admin`", missing=["Notes.Admin"])
    assert (error.status, error.error, error.body_error, error.code) == (
        403,
        None,
        "access_denied",
        "insufficient_role",
    )
    answer = render_error(error, config)
    assert answer.header("WWW-Authenticate") == 'Bearer realm="notes"'  # no error, no scope
    assert json.loads(answer.body) == {
        "error": "access_denied",
        "error_description": "The access token lacks a required role",
        "code": "insufficient_role",
    }
    assert b"Notes.Admin" not in answer.body
    metadata = "https://api.example.com/.well-known/oauth-protected-resource"
    problem = GuardConfig.from_mapping(
        {
            **SETTINGS,
            "SECRET": "s" * 32,
            "ALGORITHMS": ["HS256"],
            "ERROR_FORMAT": "problem",
            "RESOURCE_METADATA_URL": metadata,
        }
    )
    answer = render_error(error, problem)
    assert (
        answer.header("WWW-Authenticate") == f'Bearer realm="notes", resource_metadata="{metadata}"'
    )
    assert json.loads(answer.body)["code"] == "insufficient_role"


def test_the_audit_names_the_role_the_client_is_not_told(
    minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    guard = guard_for("default", minter)
    request = SimpleRequest(headers=bearer(minter.token(roles=["Notes.Reader"])))
    answer = guard.decide(request, Requirement.of(roles=["Notes.Admin"]))
    assert isinstance(answer, ErrorResponse)
    assert b"Notes.Admin" not in answer.body
    assert "Notes.Admin" not in str(answer.headers)
    [record] = audit_records(caplog)
    assert record.code == "insufficient_role"  # type: ignore[attr-defined]
    assert record.detail == (  # type: ignore[attr-defined]
        "requires roles all of: `Notes.Admin`; the token has `Notes.Reader`"
    )


# --- the challenge of an any-of requirement -----------------------------------------------------


@pytest.mark.parametrize(
    ("granted", "scopes", "any_of", "challenge"),
    [
        ("", "a", "x y", "a x"),  # the first alternative
        ("y", "a", "x y", "a y"),  # the alternative the token holds
        ("", "a", "y a", "a"),  # an alternative already named: nothing more
        ("a", "", "x y", "x"),
        ("", "a b", "", "a b"),
    ],
)
def test_an_any_of_challenge_names_one_satisfying_set(
    minter: Minter, granted: str, scopes: str, any_of: str, challenge: str
) -> None:
    token = token_of(minter, scope=granted)
    with pytest.raises(InsufficientScope) as caught:
        Requirement.of(scopes, any_of).authorize(token)
    assert " ".join(caught.value.required) == challenge


def test_the_challenge_covers_every_check_of_a_joined_requirement(minter: Minter) -> None:
    """Protection and a view's own decorator: one set that satisfies both, not the first."""
    joined = Requirement.join(Requirement.of("admin"), Requirement.of(any_of="stats:read x"))
    with pytest.raises(InsufficientScope) as caught:
        joined.authorize(token_of(minter, scope="openid"))
    assert caught.value.required == ("admin", "stats:read")
    assert caught.value.missing == ("admin",)
    assert caught.value.one_of == ("stats:read", "x")


names = st.sampled_from("abcdef")
groups = st.lists(st.lists(names, min_size=1, max_size=3).map(tuple), max_size=3)


@given(all_of=st.lists(names, max_size=3), groups=groups, granted=st.frozensets(names))
def test_the_satisfying_set_satisfies(
    all_of: list[str], groups: list[tuple[str, ...]], granted: frozenset[str]
) -> None:
    needs = Needs(tuple(dict.fromkeys(all_of)), tuple(groups))
    chosen = needs.satisfying(granted)
    assert needs.missing(frozenset(chosen)) == ()
    assert needs.unmet(frozenset(chosen)) == ()
    assert len(chosen) == len(set(chosen)) <= len(needs.all_of) + len(groups)
    assert set(chosen) <= set(all_of).union(*groups)

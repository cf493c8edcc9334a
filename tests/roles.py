"""Scopes and roles told apart (#14 §2), as data every adapter's tests run: tokens shaped like
Entra ID's and Keycloak's, against views that require a scope or a role of the same name.

Each :class:`RoleCase` is a token (its claims on top of those of
:class:`~tests.contract.Minter`), the configuration it is judged by (:data:`CONFIGS`), the view it
asks for (:data:`VIEWS`), and the exact answer: 200, 403 ``insufficient_scope`` (challenge with
``scope=``) or 403 ``insufficient_role`` (challenge without an error, body ``access_denied``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jwtguard.testing import parse_challenge
from tests.answers import HeaderGetter
from tests.contract import REALM, SETTINGS, Minter, bearer

#: The role claims of each configuration (on top of the contract settings).
CONFIGS: dict[str, dict[str, Any]] = {
    "default": {},  # ROLE_CLAIMS = ["roles"]: Entra ID app roles
    "keycloak client": {"ROLE_CLAIMS": [r"resource_access.notes\.api.roles"]},
    "keycloak realm": {"ROLE_CLAIMS": ["realm_access.roles"]},
}


@dataclass(frozen=True)
class View:
    """What a view requires, as ``@jwt_required`` takes it."""

    scopes: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    any_roles: tuple[str, ...] = ()

    @property
    def drf(self) -> bool:
        """Whether DRF's ``HasScopes`` and ``HasRoles`` can declare it (they take no any-of)."""
        return not (self.any_of or self.any_roles)

    def kwargs(self) -> dict[str, tuple[str, ...]]:
        return {
            "scopes": self.scopes,
            "any_of": self.any_of,
            "roles": self.roles,
            "any_roles": self.any_roles,
        }


VIEWS: dict[str, View] = {
    "role-notes": View(roles=("Notes.Read.All",)),
    "scope-notes": View(scopes=("Notes.Read.All",)),
    "role-editor": View(roles=("editor",)),
    "scope-editor": View(scopes=("editor",)),
    "any-role": View(any_roles=("admin", "Notes Editor")),
    "scope-and-role": View(scopes=("notes:read",), roles=("admin",)),
    "any-scope": View(scopes=("notes:read",), any_of=("notes:admin", "notes:root")),
}

ENTRA_DELEGATED = {"scope": None, "scp": "Notes.Read.All", "idtyp": "user", "tid": "t"}
ENTRA_APP_ONLY = {"scope": None, "roles": ["Notes.Read.All"], "idtyp": "app", "tid": "t"}
KEYCLOAK = {"azp": "notes-web", "realm_access": {"roles": ["offline_access"]}}
KEYCLOAK_SCOPE = KEYCLOAK | {"scope": "openid editor"}
KEYCLOAK_REALM = KEYCLOAK | {"scope": "openid", "realm_access": {"roles": ["editor"]}}
KEYCLOAK_CLIENT = KEYCLOAK | {
    "scope": "openid",
    "resource_access": {"notes.api": {"roles": ["editor"]}, "account": {"roles": ["x"]}},
}
KEYCLOAK_LOOKALIKE = KEYCLOAK | {  # "notes" > "api", not the client "notes.api"
    "scope": "openid",
    "resource_access": {"notes": {"api": {"roles": ["editor"]}}},
}

ROLE_DESCRIPTION = "The access token lacks a required role"
SCOPE_DESCRIPTION = "The access token lacks the required scope"


@dataclass(frozen=True)
class RoleCase:
    """One token against one view under one configuration, and the answer."""

    name: str
    config: str
    claims: dict[str, Any]
    view: str
    status: int
    code: str | None = None
    scope: str | None = None  # the challenge's scope attribute (insufficient_scope)

    def headers(self, minter: Minter) -> dict[str, str]:
        return bearer(minter.token(**self.claims))

    @property
    def challenge(self) -> dict[str, str] | None:
        if self.code == "insufficient_scope":
            assert self.scope is not None
            return {
                "realm": REALM,
                "error": "insufficient_scope",
                "error_description": SCOPE_DESCRIPTION,
                "scope": self.scope,
            }
        return {"realm": REALM} if self.code == "insufficient_role" else None

    @property
    def body(self) -> dict[str, str] | None:
        if self.code == "insufficient_scope":
            return {"error": self.code, "error_description": SCOPE_DESCRIPTION, "code": self.code}
        if self.code == "insufficient_role":
            return {
                "error": "access_denied",
                "error_description": ROLE_DESCRIPTION,
                "code": self.code,
            }
        return None


ROLE = "insufficient_role"
SCOPE = "insufficient_scope"

CASES: tuple[RoleCase, ...] = (
    # Entra ID: a delegated token's scope is no app role, and an app role is no scope.
    RoleCase(
        "entra delegated scp is no app role", "default", ENTRA_DELEGATED, "role-notes", 403, ROLE
    ),
    RoleCase("entra app-only role passes", "default", ENTRA_APP_ONLY, "role-notes", 200),
    RoleCase(
        "entra app role is no scope",
        "default",
        ENTRA_APP_ONLY,
        "scope-notes",
        403,
        SCOPE,
        scope="Notes.Read.All",
    ),
    RoleCase(
        "entra delegated scp passes as a scope", "default", ENTRA_DELEGATED, "scope-notes", 200
    ),
    # Keycloak: the scope, the realm role and the client role "editor" are three things.
    RoleCase(
        "keycloak scope is no client role",
        "keycloak client",
        KEYCLOAK_SCOPE,
        "role-editor",
        403,
        ROLE,
    ),
    RoleCase(
        "keycloak realm role is no client role",
        "keycloak client",
        KEYCLOAK_REALM,
        "role-editor",
        403,
        ROLE,
    ),
    RoleCase(
        "keycloak notes>api is not notes.api",
        "keycloak client",
        KEYCLOAK_LOOKALIKE,
        "role-editor",
        403,
        ROLE,
    ),
    RoleCase("keycloak client role passes", "keycloak client", KEYCLOAK_CLIENT, "role-editor", 200),
    RoleCase(
        "keycloak client role is no scope",
        "keycloak client",
        KEYCLOAK_CLIENT,
        "scope-editor",
        403,
        SCOPE,
        scope="editor",
    ),
    RoleCase(
        "keycloak scope passes as a scope", "keycloak client", KEYCLOAK_SCOPE, "scope-editor", 200
    ),
    RoleCase("keycloak realm role passes", "keycloak realm", KEYCLOAK_REALM, "role-editor", 200),
    RoleCase(
        "keycloak client role is no realm role",
        "keycloak realm",
        KEYCLOAK_CLIENT,
        "role-editor",
        403,
        ROLE,
    ),
    # Any of several roles; scopes checked before roles.
    RoleCase("one of the roles", "default", {"roles": ["Notes Editor"]}, "any-role", 200),
    RoleCase("a role string is never split", "default", {"roles": "Notes Editor"}, "any-role", 200),
    RoleCase("none of the roles", "default", {"roles": ["Notes", "Editor"]}, "any-role", 403, ROLE),
    RoleCase(
        "scope refused before role",
        "default",
        {"scope": "openid"},
        "scope-and-role",
        403,
        SCOPE,
        scope="notes:read",
    ),
    RoleCase("scope there, role missing", "default", {}, "scope-and-role", 403, ROLE),
    RoleCase("scope and role", "default", {"roles": ["admin"]}, "scope-and-role", 200),
    # The challenge of an any-of requirement names one set of scopes that satisfies the view.
    RoleCase(
        "any-of names its first alternative",
        "default",
        {},
        "any-scope",
        403,
        SCOPE,
        scope="notes:read notes:admin",
    ),
    RoleCase(
        "any-of keeps the alternative held",
        "default",
        {"scope": "notes:root"},
        "any-scope",
        403,
        SCOPE,
        scope="notes:read notes:root",
    ),
    RoleCase("any-of met", "default", {"scope": "notes:read notes:root"}, "any-scope", 200),
)


def settings_of(config: str, minter: Minter) -> dict[str, Any]:
    """The ``JWTGUARD`` settings of ``config``, trusting the minter's keys."""
    return {**SETTINGS, "JWKS": minter.jwks(), **CONFIGS[config]}


def granted(token: Any) -> dict[str, Any]:
    """What a view answers with: the token's subject, scopes and roles."""
    return {"sub": token.subject, "scopes": sorted(token.scopes), "roles": sorted(token.roles)}


def check_role_answer(
    case: RoleCase, status: int, header: HeaderGetter, body: bytes, *, detail: bool = False
) -> None:
    """The exact answer of ``case``: status, body, challenge (parsed, in order)."""
    assert status == case.status, body
    if case.code is None:
        assert json.loads(body)["sub"] == "alice"
        assert header("WWW-Authenticate") is None
        return
    check_refusal(case.body or {}, case.challenge or {}, header, body, detail=detail)


def check_refusal(
    expected: Mapping[str, Any],
    challenge: Mapping[str, str],
    header: HeaderGetter,
    body: bytes,
    *,
    detail: bool = False,
) -> None:
    """A refusal's exact JSON body (``expected``; DRF adds ``detail``), its headers and its
    challenge's parameters (parsed, in order)."""
    answer = dict(expected)
    if detail:
        answer["detail"] = answer["error_description"]
    assert json.loads(body) == answer
    assert header("Content-Type") == "application/json"
    assert header("Cache-Control") == "no-store"
    found = header("WWW-Authenticate")
    assert found is not None
    scheme, params = parse_challenge(found)
    assert scheme == "Bearer"
    assert list(params.items()) == list(challenge.items())

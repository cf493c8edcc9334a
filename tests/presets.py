"""Provider presets (#14 §3) as data every adapter's tests run: the tokens of
:mod:`tests.provider_tokens` at views asking for scopes or roles, and the exact answer each
gets.

Each :class:`PresetCase` is one token (of :data:`~tests.provider_tokens.TOKENS`, with changes),
the view it asks for (:data:`VIEWS`) and the answer: 200 (the view reports the subject, scopes
and roles it read), 401 ``invalid_token`` with its code (the explain step that refuses it is
named), 403 ``insufficient_scope`` or ``insufficient_role``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.answers import HeaderGetter
from tests.contract import DESCRIPTIONS
from tests.provider_tokens import (
    AUTH0_CLIENT,
    COGNITO_CLIENT,
    OTHER_TENANT,
    THIRD_TENANT,
    TOKENS,
    mint,
)
from tests.roles import ROLE_DESCRIPTION, SCOPE_DESCRIPTION, View, check_refusal

REALM = "api"  # the presets leave REALM alone

VIEWS: dict[str, View] = {
    "any": View(),
    "notes-read": View(scopes=("notes:read",)),
    "notes-write": View(scopes=("notes:write",)),
    "admins": View(roles=("Admins",)),
    "auth0-read": View(scopes=("read:notes",)),
    "auth0-write": View(roles=("write:notes",)),
    "auth0-write-scope": View(scopes=("write:notes",)),
    "entra-read": View(scopes=("Notes.Read",)),
    "entra-app-role": View(roles=("Notes.Read.All",)),
    "editor": View(roles=("editor",)),
    "cognito-read": View(scopes=("notes/read",)),
    "editors": View(roles=("editors",)),
}


@dataclass(frozen=True)
class PresetCase:
    """One token of ``idp``'s (``token`` of :data:`TOKENS` with ``changes``) at ``view``."""

    name: str
    idp: str
    token: str
    view: str
    status: int
    code: str | None = None
    changes: Mapping[str, Any] = field(default_factory=dict)
    header: Mapping[str, Any] = field(default_factory=dict)
    claim: str | None = None  # the claim a claim_missing / claim_invalid description names
    step: str | None = None  # the step of ``jwtguard explain`` that refuses it
    scope: str | None = None  # the scope attribute of an insufficient_scope challenge
    granted: Mapping[str, Any] | None = None  # what an accepting view reports

    @property
    def claims(self) -> dict[str, Any]:
        return TOKENS[self.token] | dict(self.changes)

    def mint(self) -> str:
        return mint(self.idp, self.claims, self.header)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint()}"}

    @property
    def description(self) -> str:
        assert self.code is not None
        if self.code == "claim_missing":
            return f"The access token lacks the {self.claim} claim"
        if self.code == "claim_invalid":
            return f"The access token's {self.claim} claim is invalid"
        if self.code == "insufficient_role":
            return ROLE_DESCRIPTION
        return SCOPE_DESCRIPTION if self.code == "insufficient_scope" else DESCRIPTIONS[self.code]

    @property
    def body(self) -> dict[str, str]:
        error = {401: "invalid_token", 403: "insufficient_scope"}[self.status]
        if self.code == "insufficient_role":
            error = "access_denied"
        return {"error": error, "error_description": self.description, "code": str(self.code)}

    @property
    def challenge(self) -> dict[str, str]:
        if self.code == "insufficient_role":
            return {"realm": REALM}
        params = {
            "realm": REALM,
            "error": "insufficient_scope" if self.status == 403 else "invalid_token",
            "error_description": self.description,
        }
        return params | ({"scope": self.scope} if self.scope else {})


def _ok(
    name: str,
    idp: str,
    token: str,
    view: str,
    changes: Mapping[str, Any] | None = None,
    **granted: Any,
) -> PresetCase:
    return PresetCase(name, idp, token, view, 200, changes=changes or {}, granted=granted or None)


def _refused(name: str, idp: str, token: str, view: str, code: str, **more: Any) -> PresetCase:
    status = 403 if code.startswith("insufficient") else 401
    return PresetCase(name, idp, token, view, status, code, **more)


AUDIENCE = {"code": "audience_invalid", "step": "audience"}

CASES: tuple[PresetCase, ...] = (
    # Okta, custom authorization server: scp is a list of scopes, groups are roles.
    _ok(
        "okta access token",
        "okta",
        "okta access",
        "notes-read",
        sub="ann@acme.example",
        scopes=["notes:read", "openid"],
        roles=["Admins", "Everyone"],
    ),
    _ok("okta group", "okta", "okta access", "admins"),
    _refused(
        "okta missing scope",
        "okta",
        "okta access",
        "notes-write",
        "insufficient_scope",
        step="scopes",
        scope="notes:write",
    ),
    _refused(
        "okta not in the group",
        "okta",
        "okta access",
        "admins",
        "insufficient_role",
        changes={"groups": ["Everyone"]},
        step="roles",
    ),
    _refused(
        "okta another app's token",
        "okta",
        "okta access",
        "any",
        "claim_invalid",
        changes={"cid": "0oa9otherapp"},
        claim="cid",
        step='claim rule: cid one_of ["0oa1webapp2Ab3Cd4e5"]',
    ),
    _refused(
        "okta ID token at the API",
        "okta",
        "okta id",
        "any",
        changes={"iss": "https://acme.okta.com/oauth2/default"},
        **AUDIENCE,
    ),
    _refused(
        "okta org server's access token",
        "okta",
        "okta access",
        "any",
        "issuer_invalid",
        changes={"iss": "https://acme.okta.com", "aud": "https://acme.okta.com"},
        step="issuer",
    ),
    # Okta, org authorization server: the ID tokens of sign-in.
    _ok("okta org ID token", "okta-org", "okta id", "any", sub="00u1a2b3c4d5e6f7g8h9"),
    _refused(
        "okta org access token",
        "okta-org",
        "okta access",
        "any",
        changes={"iss": "https://acme.okta.com", "aud": "https://acme.okta.com"},
        **AUDIENCE,
    ),
    # Auth0: permissions are roles, apart from the scopes the client asked for.
    _ok(
        "auth0 user token",
        "auth0",
        "auth0 user",
        "auth0-write",
        sub="auth0|6553da60a54af58e29493993",
        scopes=["openid", "profile", "read:notes"],
        roles=["read:notes", "write:notes"],
    ),
    _ok("auth0 m2m token", "auth0", "auth0 m2m", "auth0-read"),
    _refused(
        "auth0 m2m without the permission",
        "auth0",
        "auth0 m2m",
        "auth0-write",
        "insufficient_role",
        step="roles",
    ),
    _refused(
        "auth0 a permission is no scope",
        "auth0",
        "auth0 user",
        "auth0-write-scope",
        "insufficient_scope",
        step="scopes",
        scope="write:notes",
    ),
    _refused(
        "auth0 another application",
        "auth0",
        "auth0 user",
        "any",
        "claim_invalid",
        changes={"azp": "zZ9otherAppClientId"},
        claim="azp",
        step=f'claim rule: azp one_of ["{AUTH0_CLIENT}"]',
    ),
    _refused(
        "auth0 ID token",
        "auth0",
        "auth0 user",
        "any",
        changes={"aud": AUTH0_CLIENT, "scope": None, "permissions": None},
        **AUDIENCE,
    ),
    _ok("auth0 rfc9068 token", "auth0-rfc9068", "auth0 rfc9068", "auth0-read"),
    _refused(
        "auth0 rfc9068 wants at+jwt",
        "auth0-rfc9068",
        "auth0 rfc9068",
        "any",
        "type_invalid",
        header={"typ": "JWT"},
        step="header",
    ),
    # Entra ID, v1.0 and v2.0 tokens of one tenant: delegated scopes apart from app roles.
    _ok(
        "entra v2 delegated",
        "entra",
        "entra v2 delegated",
        "entra-read",
        sub="sRgu1wHLSm0aJbbVVTbbfHclEDoM8yx8mdaNh0FkrxY",
        scopes=["Notes.Read", "Notes.Read.All"],
        roles=[],
    ),
    _refused(
        "entra delegated scp is no app role",
        "entra",
        "entra v2 delegated",
        "entra-app-role",
        "insufficient_role",
        step="roles",
    ),
    _ok("entra v2 app-only role", "entra", "entra v2 app", "entra-app-role"),
    _refused(
        "entra app role is no scope",
        "entra",
        "entra v2 app",
        "entra-read",
        "insufficient_scope",
        step="scopes",
        scope="Notes.Read",
    ),
    _ok("entra v1 delegated", "entra", "entra v1 delegated", "entra-read"),
    _refused(
        "entra another tenant",
        "entra",
        "entra v2 delegated",
        "any",
        "issuer_invalid",
        changes={
            "iss": f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0",
            "tid": OTHER_TENANT,
        },
        step="issuer",
    ),
    _refused(
        "entra token for Microsoft Graph",
        "entra",
        "entra v2 delegated",
        "any",
        changes={"aud": "00000003-0000-0000-c000-000000000000"},
        **AUDIENCE,
    ),
    # Entra ID, multi-tenant: each listed tenant's issuer, its tenant confirmed by tid.
    _ok("entra multi-tenant, a listed tenant", "entra-multi", "entra v2 delegated", "entra-read"),
    _ok(
        "entra multi-tenant, another listed tenant (v1)",
        "entra-multi",
        "entra v1 delegated",
        "entra-read",
        changes={"iss": f"https://sts.windows.net/{OTHER_TENANT}/", "tid": OTHER_TENANT},
    ),
    _refused(
        "entra multi-tenant, a tenant not listed",
        "entra-multi",
        "entra v2 delegated",
        "any",
        "issuer_invalid",
        changes={
            "iss": f"https://login.microsoftonline.com/{THIRD_TENANT}/v2.0",
            "tid": THIRD_TENANT,
        },
        step="issuer",
    ),
    _refused(
        "entra multi-tenant, iss and tid disagree",
        "entra-multi",
        "entra v2 delegated",
        "any",
        "issuer_invalid",
        changes={"tid": OTHER_TENANT},
        step="issuer",
    ),
    _refused(
        "entra multi-tenant, delegated scp is no app role",
        "entra-multi",
        "entra v2 delegated",
        "entra-app-role",
        "insufficient_role",
        step="roles",
    ),
    _ok("entra multi-tenant, app role", "entra-multi", "entra v2 app", "entra-app-role"),
    # Keycloak with an audience mapper: client roles of notes.api, the clients in azp.
    _ok(
        "keycloak access token",
        "keycloak",
        "keycloak access",
        "editor",
        sub="f1b3c4d5-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
        scopes=["email", "notes:read", "openid", "profile"],
        roles=["editor"],
    ),
    _refused(
        "keycloak realm role is no client role",
        "keycloak",
        "keycloak access",
        "editor",
        "insufficient_role",
        changes={"resource_access": {"account": {"roles": ["manage-account"]}}},
        step="roles",
    ),
    _refused(
        "keycloak account audience only",
        "keycloak",
        "keycloak access",
        "any",
        changes={"aud": "account"},
        **AUDIENCE,
    ),
    _refused(
        "keycloak ID token",
        "keycloak",
        "keycloak access",
        "any",
        changes={"typ": "ID", "aud": "notes-web", "scope": None, "resource_access": None},
        **AUDIENCE,
    ),
    _refused(
        "keycloak typ other than Bearer",
        "keycloak",
        "keycloak access",
        "any",
        "claim_invalid",
        changes={"typ": "Offline"},
        claim="typ",
        step='claim rule: typ equals "Bearer"',
    ),
    _refused(
        "keycloak another client",
        "keycloak",
        "keycloak access",
        "any",
        "claim_invalid",
        changes={"azp": "admin-cli"},
        claim="azp",
        step='claim rule: azp one_of ["notes-web", "notes-cli"]',
    ),
    # Keycloak without an audience mapper: no aud, the client in azp; realm roles.
    _ok(
        "keycloak no aud, our client",
        "keycloak-azp",
        "keycloak access",
        "editor",
        changes={"aud": None, "azp": "notes-cli"},
        sub="f1b3c4d5-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
        scopes=["email", "notes:read", "openid", "profile"],
        roles=["default-roles-notes", "editor", "offline_access"],
    ),
    _refused(
        "keycloak no aud, another client",
        "keycloak-azp",
        "keycloak access",
        "any",
        changes={"aud": None, "azp": "admin-cli"},
        **AUDIENCE,
    ),
    _refused(
        "keycloak account audience without a mapper",
        "keycloak-azp",
        "keycloak access",
        "any",
        changes={"aud": "account"},
        **AUDIENCE,
    ),
    # Cognito: access tokens of our app client; groups are roles.
    _ok(
        "cognito access token",
        "cognito",
        "cognito access",
        "cognito-read",
        sub="aaaaaaaa-bbbb-cccc-dddd-example",
        scopes=["aws.cognito.signin.user.admin", "notes/read"],
        roles=["editors"],
    ),
    _ok("cognito group", "cognito", "cognito access", "editors"),
    _refused(
        "cognito not in the group",
        "cognito",
        "cognito access",
        "editors",
        "insufficient_role",
        changes={"cognito:groups": None},
        step="roles",
    ),
    _refused("cognito ID token", "cognito", "cognito id", "any", **AUDIENCE),
    _refused(
        "cognito token_use id",
        "cognito",
        "cognito id",
        "any",
        "claim_invalid",
        changes={"aud": None, "client_id": COGNITO_CLIENT},
        claim="token_use",
        step='claim rule: token_use equals "access"',
    ),
    _refused(
        "cognito another app client",
        "cognito",
        "cognito access",
        "any",
        changes={"client_id": "9another0client1"},
        **AUDIENCE,
    ),
    # Google sign-in: ID tokens of our client, a verified email of our hosted domain.
    _ok(
        "google ID token",
        "google",
        "google id",
        "any",
        sub="110169484474386276334",
        scopes=[],
        roles=[],
    ),
    _ok(
        "google issuer without scheme",
        "google",
        "google id",
        "any",
        changes={"iss": "accounts.google.com"},
    ),
    _refused(
        "google another hosted domain",
        "google",
        "google id",
        "any",
        "claim_invalid",
        changes={"hd": "evil.example", "email": "eve@evil.example"},
        claim="hd",
        step='claim rule: hd one_of ["example.com"]',
    ),
    _refused(
        "google consumer account",
        "google",
        "google id",
        "any",
        "claim_missing",
        changes={"hd": None, "email": "ann@gmail.com"},
        claim="hd",
        step='claim rule: hd one_of ["example.com"]',
    ),
    _refused(
        "google unverified email",
        "google",
        "google id",
        "any",
        "claim_invalid",
        changes={"email_verified": False},
        claim="email_verified",
        step="claim rule: email_verified equals true",
    ),
    _refused(
        "google another client",
        "google",
        "google id",
        "any",
        changes={"aud": "999-other.apps.googleusercontent.com"},
        **AUDIENCE,
    ),
)


def check_preset_answer(
    case: PresetCase, status: int, header: HeaderGetter, body: bytes, *, detail: bool = False
) -> None:
    """The exact answer of ``case``: status, JSON body, challenge (parsed, in order)."""
    assert status == case.status, body
    answer = json.loads(body)
    if case.code is None:
        assert header("WWW-Authenticate") is None
        assert answer["sub"] == case.claims.get("sub")
        for name, value in (case.granted or {}).items():
            assert answer[name] == value, name
        return
    check_refusal(case.body, case.challenge, header, body, detail=detail)

"""Identity providers as tests meet them (#14 §3): each provider's ``PROVIDER`` setting
(:data:`IDPS`), its keys' ``kid`` and header conventions, and tokens shaped exactly as it documents
them (:data:`TOKENS`: claim names, types and values), minted by :func:`mint`. The keys are
static (``JWKS``, which replaces the preset's key source), or, for the presets that trust several
issuers, a ``JWKS_URL`` served on 127.0.0.1 (:func:`keys_server`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jwtguard.testing import SigningKey, generate_key
from tests.servers import RecordingServer, recording_server

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OTHER_TENANT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"
THIRD_TENANT = "3c1e5f0a-9b7d-4e2a-8f6c-0d4b2a1e9c7f"
API_CLIENT = "6e74172b-be56-4843-9ff4-e66a39bb12e3"
WEB_CLIENT = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
AUTH0_CLIENT = "K1AUPhZq8mRi0Q0pjhkfu1D7y6KjDQja"
AUTH0_API = "https://notes.example.com/api"
GOOGLE_CLIENT = "1234567890-abc123def456.apps.googleusercontent.com"
COGNITO_CLIENT = "1example23456789"
COGNITO_ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_aBcDeFgHi"
KEYCLOAK_ISSUER = "https://keycloak.example.com/realms/notes"

#: Placeholders for times, filled when a token is minted (``iat`` and ``exp``: by the key).
AUTH_TIME, NOT_BEFORE = "<auth_time>", "<nbf>"


@dataclass(frozen=True)
class IdP:
    """A provider under test: its ``PROVIDER`` setting, its keys' ``kid`` and its header."""

    provider: dict[str, Any]
    kid: str
    header: Mapping[str, str] = field(default_factory=dict)  # besides alg and kid
    remote_keys: bool = False  # several issuers: keys from a JWKS_URL (one source for all)


IDPS: dict[str, IdP] = {
    "okta": IdP(
        {
            "name": "okta",
            "domain": "acme.okta.com",
            "authorization_server": "default",
            "client_ids": ["0oa1webapp2Ab3Cd4e5"],
        },
        "4X1bNkTnIvzIYaWJ1m3XwE7GWgS3pu_fcSKLjz-t_GE",  # Okta: {"kid", "alg"}, no typ
    ),
    "okta-org": IdP(
        {
            "name": "okta",
            "domain": "https://acme.okta.com/",
            "authorization_server": "org",
            "client_ids": "0oa1webapp2Ab3Cd4e5",
        },
        "p3vsJ0oXvCqmZ3gvAzyK3zn8QNUpVkmBh6TKEoLJzaA",
    ),
    "auth0": IdP(
        {
            "name": "auth0",
            "domain": "notes-example.us.auth0.com",
            "audience": AUTH0_API,
            "client_ids": [AUTH0_CLIENT],
        },
        "NEE1QURBOTM4MzI5RkFDNTYxOTU5MkJCQUFBMzg2QTcwMzJBNjU3QQ",
        {"typ": "JWT"},  # the Auth0 token profile
    ),
    "auth0-rfc9068": IdP(
        {
            "name": "auth0",
            "domain": "notes-example.us.auth0.com",
            "audience": AUTH0_API,
            "client_ids": [AUTH0_CLIENT],
            "profile": "rfc9068",
        },
        "NEE1QURBOTM4MzI5RkFDNTYxOTU5MkJCQUFBMzg2QTcwMzJBNjU3QQ",
        {"typ": "at+jwt"},
    ),
    "entra": IdP(
        {
            "name": "entra",
            "tenant": TENANT,
            "client_id": API_CLIENT,
            "app_id_uri": "api://notes",
            "versions": ["1.0", "2.0"],
        },
        "nOo3ZDrODXEK1jKWhXslHR_KXEg",
        {"typ": "JWT"},
        remote_keys=True,
    ),
    "entra-multi": IdP(
        {
            "name": "entra",
            "tenant": "organizations",
            "client_id": API_CLIENT,
            "app_id_uri": "api://notes",
            "versions": ["2.0", "1.0"],
            "tenants": [TENANT, OTHER_TENANT],
        },
        "nOo3ZDrODXEK1jKWhXslHR_KXEg",
        {"typ": "JWT"},
        remote_keys=True,
    ),
    "keycloak": IdP(
        {
            "name": "keycloak",
            "url": "https://keycloak.example.com/",
            "realm": "notes",
            "audience": "notes.api",  # a client id with a dot, as Keycloak allows
            "client_ids": ["notes-web", "notes-cli"],
            "realm_roles": False,
            "client_roles": "notes.api",
        },
        "FJ86GcF3jTbNLOco4NvZkUCIUmfYCqoqtOQeMfbhNlE",
        {"typ": "JWT"},
    ),
    "keycloak-azp": IdP(
        {
            "name": "keycloak",
            "url": "https://keycloak.example.com",
            "realm": "notes",
            "client_ids": ["notes-web", "notes-cli"],
        },
        "FJ86GcF3jTbNLOco4NvZkUCIUmfYCqoqtOQeMfbhNlE",
        {"typ": "JWT"},
    ),
    "cognito": IdP(
        {
            "name": "cognito",
            "region": "eu-west-1",
            "user_pool_id": "eu-west-1_aBcDeFgHi",
            "client_ids": [COGNITO_CLIENT],
        },
        "abcdefghijklmnopqrsexample=",  # Cognito: {"kid", "alg"}, no typ
    ),
    "google": IdP(
        {"name": "google", "client_ids": [GOOGLE_CLIENT], "hosted_domains": ["example.com"]},
        "a50f6e70ef4b548a5fd9142eecd1fb8f54dce9ee",
        {"typ": "JWT"},
        remote_keys=True,
    ),
}

#: A token of each kind, as its provider issues it (``iat``, ``exp`` and ``jti`` are the key's,
#: unless given: ``None`` leaves a claim out).
TOKENS: dict[str, dict[str, Any]] = {
    # Okta custom authorization server: an access token.
    "okta access": {
        "ver": 1,
        "jti": "AT.2b8Tqq5pJ6WuxN8HOaFlHMDTXbV8Bq5iKQ0XgqK0fU4",
        "iss": "https://acme.okta.com/oauth2/default",
        "aud": "api://default",
        "cid": "0oa1webapp2Ab3Cd4e5",
        "uid": "00u1a2b3c4d5e6f7g8h9",
        "scp": ["openid", "notes:read"],
        "auth_time": AUTH_TIME,
        "sub": "ann@acme.example",
        "groups": ["Everyone", "Admins"],
    },
    # Okta: the ID token of the same sign-in (aud: the app's client id).
    "okta id": {
        "ver": 1,
        "jti": "ID.a8Yb4c7BzqhsVoP0nO_8mLfLqZNO8lGc2aUjE5yD3nQ",
        "iss": "https://acme.okta.com",
        "aud": "0oa1webapp2Ab3Cd4e5",
        "sub": "00u1a2b3c4d5e6f7g8h9",
        "amr": ["pwd"],
        "idp": "00o1a2b3c4d5e6f7g8h9",
        "auth_time": AUTH_TIME,
        "name": "Ann Example",
        "email": "ann@acme.example",
        "preferred_username": "ann@acme.example",
        "at_hash": "b9ZKqZPa4yrjN9Ge_3d3Tg",
    },
    # Auth0 token profile: a user's access token (RBAC permissions on), and a machine's.
    "auth0 user": {
        "iss": "https://notes-example.us.auth0.com/",
        "sub": "auth0|6553da60a54af58e29493993",
        "aud": [AUTH0_API, "https://notes-example.us.auth0.com/userinfo"],
        "azp": AUTH0_CLIENT,
        "scope": "openid profile read:notes",
        "permissions": ["read:notes", "write:notes"],
        "jti": None,
    },
    "auth0 m2m": {
        "iss": "https://notes-example.us.auth0.com/",
        "sub": f"{AUTH0_CLIENT}@clients",
        "aud": AUTH0_API,
        "azp": AUTH0_CLIENT,
        "gty": "client-credentials",
        "scope": "read:notes",
        "permissions": ["read:notes"],
        "jti": None,
    },
    "auth0 rfc9068": {
        "iss": "https://notes-example.us.auth0.com/",
        "sub": "auth0|6553da60a54af58e29493993",
        "aud": [AUTH0_API, "https://notes-example.us.auth0.com/userinfo"],
        "client_id": AUTH0_CLIENT,
        "jti": "73WakrfVbNJBaAmhQtEeDv",
        "scope": "openid profile read:notes",
        "permissions": ["read:notes"],
    },
    # Entra ID: v2.0 and v1.0 access tokens for the API, delegated (a user) and app-only.
    "entra v2 delegated": {
        "aud": API_CLIENT,
        "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0",
        "nbf": NOT_BEFORE,
        "aio": "AWQAm/8TAAAAJy7VZ3Jk",
        "azp": WEB_CLIENT,
        "azpacr": "0",
        "name": "Ann Example",
        "oid": "690222be-ff1a-4d56-abd1-7e4f7d38e474",
        "preferred_username": "ann@contoso.example",
        "rh": "0.AXEAv4j5cvGGr0GRqy180BHbR.",
        "scp": "Notes.Read Notes.Read.All",
        "sub": "sRgu1wHLSm0aJbbVVTbbfHclEDoM8yx8mdaNh0FkrxY",
        "tid": TENANT,
        "uti": "fqiBqXLPj0eQa82S-IYFAA",
        "ver": "2.0",
        "jti": None,
    },
    "entra v2 app": {
        "aud": API_CLIENT,
        "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0",
        "nbf": NOT_BEFORE,
        "azp": "9b5b1a9e-7c1d-4f4e-9d3f-1a2b3c4d5e6f",
        "azpacr": "1",
        "idtyp": "app",
        "oid": "bc1f7c3e-8f02-4b06-9d7a-2e2d1c0f5a11",
        "roles": ["Notes.Read.All"],
        "sub": "bc1f7c3e-8f02-4b06-9d7a-2e2d1c0f5a11",
        "tid": TENANT,
        "uti": "Z2Vu4xq3fE6sYp0lQ3AAAA",
        "ver": "2.0",
        "jti": None,
    },
    "entra v1 delegated": {
        "aud": "api://notes",
        "iss": f"https://sts.windows.net/{TENANT}/",
        "nbf": NOT_BEFORE,
        "acr": "1",
        "aio": "E2ZgYJjY8v3/6k2e",
        "amr": ["pwd", "mfa"],
        "appid": WEB_CLIENT,
        "appidacr": "0",
        "family_name": "Example",
        "given_name": "Ann",
        "ipaddr": "203.0.113.7",
        "name": "Ann Example",
        "oid": "690222be-ff1a-4d56-abd1-7e4f7d38e474",
        "rh": "0.AXEAv4j5cvGGr0GRqy180BHbR.",
        "scp": "Notes.Read",
        "sub": "hE3T9Wc6S3bqRE3JcT8Dwh0zW8e5x9eA3k1YQ5p2U0s",
        "tid": TENANT,
        "unique_name": "ann@contoso.example",
        "upn": "ann@contoso.example",
        "uti": "Sv8ZGQ2lnEOzRRpT6CUQAA",
        "ver": "1.0",
        "jti": None,
    },
    # Keycloak: an access token of the realm, with an audience mapper for notes.api.
    "keycloak access": {
        "jti": "d0c3a63e-4e2f-4e53-9a2b-6c0e2b8f5d11",
        "iss": KEYCLOAK_ISSUER,
        "aud": ["notes.api", "account"],
        "sub": "f1b3c4d5-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
        "typ": "Bearer",
        "azp": "notes-web",
        "sid": "8f2b7c3d-1a4e-4f5b-8c6d-7e8f9a0b1c2d",
        "acr": "1",
        "allowed-origins": ["https://notes.example.com"],
        "realm_access": {"roles": ["default-roles-notes", "offline_access", "editor"]},
        "resource_access": {
            "notes.api": {"roles": ["editor"]},
            "account": {"roles": ["manage-account", "view-profile"]},
        },
        "scope": "openid profile email notes:read",
        "email_verified": True,
        "preferred_username": "ann",
        "auth_time": AUTH_TIME,
    },
    # Cognito: an access token, and the ID token of the same sign-in.
    "cognito access": {
        "sub": "aaaaaaaa-bbbb-cccc-dddd-example",
        "cognito:groups": ["editors"],
        "iss": COGNITO_ISSUER,
        "version": 2,
        "client_id": COGNITO_CLIENT,
        "origin_jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "event_id": "cccccccc-dddd-eeee-ffff-aaaaaaaaaaaa",
        "token_use": "access",
        "scope": "notes/read aws.cognito.signin.user.admin",
        "auth_time": AUTH_TIME,
        "jti": "bbbbbbbbb-cccc-dddd-eeee-aaaaaaaaaaaa",
        "username": "ann",
    },
    "cognito id": {
        "at_hash": "cccccccc-dddd-eeee-ffff-aaaaaaaaaaaa",
        "sub": "aaaaaaaa-bbbb-cccc-dddd-example",
        "cognito:groups": ["editors"],
        "email_verified": True,
        "iss": COGNITO_ISSUER,
        "cognito:username": "ann",
        "origin_jti": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
        "aud": COGNITO_CLIENT,
        "event_id": "cccccccc-dddd-eeee-ffff-aaaaaaaaaaaa",
        "token_use": "id",
        "auth_time": AUTH_TIME,
        "jti": "dddddddd-eeee-ffff-aaaa-bbbbbbbbbbbb",
        "email": "ann@example.com",
    },
    # Google sign-in: an ID token of a Workspace user.
    "google id": {
        "iss": "https://accounts.google.com",
        "azp": GOOGLE_CLIENT,
        "aud": GOOGLE_CLIENT,
        "sub": "110169484474386276334",
        "hd": "example.com",
        "email": "ann@example.com",
        "email_verified": True,
        "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q",
        "nbf": NOT_BEFORE,
        "name": "Ann Example",
        "picture": "https://lh3.googleusercontent.com/a/ACg8ocI",
        "given_name": "Ann",
        "family_name": "Example",
        "jti": "f0e1d2c3b4a5968778695a4b3c2d1e0f",
    },
}


@cache
def signing_key(idp: str) -> SigningKey:
    return generate_key("RS256", kid=IDPS[idp].kid)


def mint(idp: str, claims: Mapping[str, Any], header: Mapping[str, Any] | None = None) -> str:
    """A token of ``idp``'s, with its header conventions (``header`` changes them)."""
    now = int(time.time())
    times = {AUTH_TIME: now - 120, NOT_BEFORE: now}
    filled = {name: times.get(v, v) if isinstance(v, str) else v for name, v in claims.items()}
    key = signing_key(idp)
    shape = {"kid": key.kid, "alg": "RS256"} | dict(IDPS[idp].header) | dict(header or {})
    return key.token(lifetime=3600, now=now, header=shape, **filled)


def jwks_path(idp: str) -> str:
    return f"/{idp}/keys"


def settings_of(idp: str, keys_url: str) -> dict[str, Any]:
    """The settings of ``idp``: ``PROVIDER``, and its keys (``keys_url``: the server of
    :func:`keys_server`, for the presets that trust several issuers)."""
    provider = IDPS[idp]
    if provider.remote_keys:
        return {"PROVIDER": provider.provider, "JWKS_URL": keys_url + jwks_path(idp)}
    return {"PROVIDER": provider.provider, "JWKS": signing_key(idp).jwks()}


@contextmanager
def keys_server() -> Iterator[RecordingServer]:
    """A key server on 127.0.0.1 serving each provider's JWK Set."""
    with recording_server() as server:
        for idp in IDPS:
            server.serve_json(jwks_path(idp), signing_key(idp).jwks())
        yield server

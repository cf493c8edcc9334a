"""Several issuers (issue 14 §4) as a table every adapter's tests run: the settings and requests
with the exact answer each gets.

``TRUSTED_ISSUERS`` holds the contract's issuer with its static keys, another issuer whose keys
are fetched from a real server on 127.0.0.1, and an Entra-like issuer template whose tenants
share keys fetched from there too (two tenants listed). A key of one issuer never verifies a
token claiming another; a tenant must be named by the token's ``tid`` and be listed; and the
client is told "Unexpected issuer", never which issuers or tenants are trusted.
"""

from __future__ import annotations

from typing import Any

from jwtguard.testing import generate_key
from tests.contract import ISSUER, Minter, Scenario, bearer
from tests.servers import RecordingServer

OTHER = "https://tenant-b.example/"
TEMPLATE = "https://login.example.com/{tenantid}/v2.0"
T1, T2, T3 = (
    "72f988bf-0000-4000-8000-000000000001",
    "72f988bf-0000-4000-8000-000000000002",
    "72f988bf-0000-4000-8000-000000000003",
)
OTHER_KEYS, COMMON_KEYS = "/tenant-b/keys", "/common/discovery/v2.0/keys"
#: The other issuer's keys (one named like the contract's RSA key), and the tenants' shared key.
KEYS = {
    "other": generate_key("RS256", kid="other-1"),
    "other-named-rsa": generate_key("RS256", kid="rsa-1"),
    "common": generate_key("RS256", kid="common-1"),
}


def tenant(tid: str) -> str:
    """The issuer of tenant ``tid`` (the template with ``tid`` in its placeholder's place)."""
    return TEMPLATE.replace("{tenantid}", tid)


def serve_keys(server: RecordingServer) -> None:
    """Publish the other issuer's keys and the tenants' shared keys on ``server``."""
    server.serve_json(OTHER_KEYS, KEYS["other"].jwks(KEYS["other-named-rsa"]))
    server.serve_json(COMMON_KEYS, KEYS["common"].jwks())


def trusted_issuers(minter: Minter, url: str) -> dict[str, dict[str, Any]]:
    """``TRUSTED_ISSUERS``: each issuer with its own keys (fetched from ``url``)."""
    return {
        ISSUER: {"JWKS": minter.jwks()},
        OTHER: {"JWKS_URL": url + OTHER_KEYS},
        TEMPLATE: {"JWKS_URL": url + COMMON_KEYS, "TENANTS": [T1, T2]},
    }


def settings(base: dict[str, Any], minter: Minter, url: str) -> dict[str, Any]:
    """``base`` (the contract's settings) with its issuer and keys given per issuer."""
    single = {k: v for k, v in base.items() if k not in ("ISSUER", "JWKS")}
    return single | {"TRUSTED_ISSUERS": trusted_issuers(minter, url)}


def _of(tenant_id: str, **claims: Any) -> Any:
    """A token of tenant ``tenant_id`` (its ``tid`` too, unless ``claims`` say otherwise),
    signed with the tenants' shared key."""
    claims = {"tid": tenant_id} | claims
    return lambda m: bearer(m.token(KEYS["common"], iss=tenant(tenant_id), **claims))


SCENARIOS = (
    Scenario("the contract issuer, its static key", 200, None, lambda m: bearer(m.token())),
    Scenario(
        "the other issuer, its fetched key",
        200,
        None,
        lambda m: bearer(m.token(KEYS["other"], iss=OTHER)),
    ),
    Scenario("a listed tenant, the shared key", 200, None, _of(T1)),
    Scenario(
        "a static key claiming the other issuer",
        401,
        "unknown_key",
        lambda m: bearer(m.token(m.ec_key, iss=OTHER)),
    ),
    Scenario(
        "a static key claiming the other issuer, whose key has its kid",
        401,
        "signature_invalid",
        lambda m: bearer(m.token(iss=OTHER)),
    ),
    Scenario(
        "a fetched key claiming the contract issuer",
        401,
        "unknown_key",
        lambda m: bearer(m.token(KEYS["other"], iss=ISSUER)),
    ),
    Scenario(
        "a fetched key claiming the contract issuer under its key's kid",
        401,
        "signature_invalid",
        lambda m: bearer(m.token(KEYS["other-named-rsa"], iss=ISSUER)),
    ),
    Scenario(
        "the tenants' key claiming the other issuer",
        401,
        "unknown_key",
        lambda m: bearer(m.token(KEYS["common"], iss=OTHER)),
    ),
    Scenario(
        "a static key claiming a tenant",
        401,
        "unknown_key",
        lambda m: bearer(m.token(iss=tenant(T1), tid=T1)),
    ),
    Scenario("a tid naming another tenant", 401, "issuer_invalid", _of(T1, tid=T2)),
    Scenario("no tid", 401, "issuer_invalid", _of(T1, tid=None)),
    Scenario("a tenant not listed", 401, "issuer_invalid", _of(T3)),
    Scenario("a crafted iss with a slash", 401, "issuer_invalid", _of(f"{T1}/../{T2}")),
    Scenario("a crafted iss, percent-encoded", 401, "issuer_invalid", _of(f"{T1}%2F{T2}")),
    Scenario(
        "an untrusted issuer",
        401,
        "issuer_invalid",
        lambda m: bearer(m.token(KEYS["other"], iss="https://evil.example/")),
    ),
)

#: What the configuration trusts, which no answer may tell a client.
TRUSTED = (ISSUER, OTHER, TEMPLATE, T1, T2, "login.example.com")


def reveals(body: str, challenge: str) -> list[str]:
    """The trusted issuers and tenants a refusal told its client (there should be none)."""
    return [value for value in TRUSTED if value in body or value in challenge]

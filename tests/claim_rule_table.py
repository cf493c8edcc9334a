"""Claim rules and the audience fallback (issue 14 §1) as a table every adapter's tests run: the
settings, and requests with the exact answer each gets (the description names the claim, never
a value a rule expects)."""

from __future__ import annotations

from tests.contract import Scenario, bearer

CLAIM_RULES = [
    {"claim": "tenant", "one_of": ["acme-corp", "globex-inc"]},
    {"claim": "realm_access.roles", "contains": "notes-reader"},
]
FALLBACK = {"claim": "client_id", "one_of": ["notes-web-app"]}
EXPECTED = ("acme-corp", "globex-inc", "notes-reader", "notes-web-app")
GOOD = {"tenant": "acme-corp", "realm_access": {"roles": ["notes-reader"]}}

SCENARIOS = (
    Scenario("meets the rules", 200, None, lambda m: bearer(m.token(**GOOD))),
    Scenario(
        "another tenant",
        401,
        "claim_invalid",
        lambda m: bearer(m.token(**(GOOD | {"tenant": "initech"}))),
        description="The access token's tenant claim is invalid",
    ),
    Scenario(
        "a tenant list where a string is expected",
        401,
        "claim_invalid",
        lambda m: bearer(m.token(**(GOOD | {"tenant": ["acme-corp"]}))),
        description="The access token's tenant claim is invalid",
    ),
    Scenario(
        "no such role",
        401,
        "claim_invalid",
        lambda m: bearer(m.token(**(GOOD | {"realm_access": {"roles": ["notes-writer"]}}))),
        description="The access token's realm_access.roles claim is invalid",
    ),
    Scenario(
        "no roles",
        401,
        "claim_missing",
        lambda m: bearer(m.token(tenant="globex-inc")),
        description="The access token lacks the realm_access.roles claim",
    ),
    Scenario(
        "no aud, our client",
        200,
        None,
        lambda m: bearer(m.token(**GOOD, aud=None, client_id="notes-web-app")),
    ),
    Scenario(
        "no aud, another client",
        401,
        "audience_invalid",
        lambda m: bearer(m.token(**GOOD, aud=None, client_id="admin-console")),
    ),
    Scenario(
        "another aud, our client",
        401,
        "audience_invalid",
        lambda m: bearer(m.token(**GOOD, aud="api://other", client_id="notes-web-app")),
    ),
    Scenario(
        "no aud, no client",
        401,
        "claim_missing",
        lambda m: bearer(m.token(**GOOD, aud=None)),
        description="The access token lacks the client_id claim",
    ),
)
SETTINGS = {"CLAIM_RULES": CLAIM_RULES, "AUDIENCE_FALLBACK": FALLBACK}


def reveals(body: str, challenge: str) -> list[str]:
    """The values the rules expect that a refusal told its client (there should be none)."""
    return [value for value in EXPECTED if value in body or value in challenge]

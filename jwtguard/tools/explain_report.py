"""The report ``jwtguard explain`` builds: one :class:`Check` per step of the validator's pipeline
(design §4), between the request's own steps (scheme, credentials) and the scopes and roles,
each failure with the fix for its stable code (design §3; for the operator only, nothing here
reaches a client).

Every step is always listed, in pipeline order: a step that could not run (because a step it
needs failed, or the configuration does not enable it) is ``skipped`` with the reason, so the
operator sees the whole pipeline every time.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..errors import AuthError
from ..pipeline import Outcome, Status

__all__ = ["FIXES", "Check", "Explanation", "Report", "Status", "fix_for"]


@dataclass(frozen=True)
class Check:
    """One step, as explained; ``reads`` names the claims or header parameters it read."""

    step: str
    status: Status
    message: str
    code: str | None = None
    fix: str | None = None
    reads: tuple[str, ...] = ()


@dataclass
class Explanation:
    """Every check, and the verdict: ``accepted``, or the ``code`` and ``status`` a client gets
    with its client-safe ``description``; ``provider``: the provider preset that filled the
    configuration and the values in force (:func:`~jwtguard.tools.explain.provider_facts`)."""

    checks: list[Check] = field(default_factory=list)
    provider: dict[str, Any] | None = None
    accepted: bool = False
    code: str | None = None
    status: int | None = None
    description: str | None = None

    @property
    def first_failure(self) -> Check | None:
        return next((check for check in self.checks if check.status == "failed"), None)

    def count(self, status: Status) -> int:
        return sum(check.status == status for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        failure = self.first_failure
        first = dataclasses.asdict(failure) if failure is not None else None
        return dataclasses.asdict(self) | {"first_failure": first}

    def decide(self, error: AuthError | None) -> None:
        """The verdict: ``error``'s answer, or accepted when there is none."""
        if error is None:
            self.accepted = True
        else:
            self.code, self.status, self.description = error.code, error.status, error.description


class Report:
    """Collects the checks of one explanation."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    def passed(self, step: str, message: str) -> None:
        self.checks.append(Check(step, "passed", message))

    def skipped(self, step: str, message: str, reads: tuple[str, ...] = ()) -> None:
        self.checks.append(Check(step, "skipped", message, reads=reads))

    def failed(self, step: str, error: AuthError, message: str | None = None) -> None:
        text = message or error.detail or error.description
        self.checks.append(Check(step, "failed", text, error.code, fix_for(error)))

    def add(self, outcome: Outcome) -> None:
        """A pipeline step's own outcome, with the fix for a refusal."""
        error = outcome.error
        code, fix = (error.code, fix_for(error)) if error is not None else (None, None)
        self.checks.append(
            Check(outcome.step, outcome.status, outcome.message, code, fix, outcome.reads)
        )


# --- how to fix each refusal ------------------------------------------------------------------

CLOCK_AHEAD = "the issuer's clock is ahead of this machine's: sync clocks (NTP) or raise LEEWAY"
FIXES: dict[str, str] = {
    "token_missing": "send the access token as `Authorization: Bearer <token>`",
    "unsupported_scheme": (
        "use `Authorization: Bearer <access token>`: `Basic` carries a password and `SSWS` an "
        "Okta API token, neither of which is an OAuth access token"
    ),
    "malformed_request": "send exactly one b64token after `Bearer ` (no quotes, no spaces)",
    "multiple_tokens": "send the token in one place only (header, query, form or cookie)",
    "token_malformed": (
        "send the access token itself, a JWS of three base64url parts; an opaque token, an "
        "encrypted JWT (JWE) or a truncated copy will not do"
    ),
    "token_too_large": "raise MAX_TOKEN_BYTES, or ask the identity provider for fewer claims",
    "algorithm_not_allowed": (
        "add the algorithm to ALGORITHMS if you trust it, or have the identity provider sign "
        "with an allowed one; `none` is never allowed"
    ),
    "unknown_key": (
        "the token comes from another issuer or tenant than the configured keys, or the keys "
        "rotated: check JWKS_URL / ISSUER; remote keys are refetched for a new kid at once, at "
        "most once per JWKS_REFETCH_COOLDOWN. A token without kid is tried against at most "
        "MAX_KEYS_WITHOUT_KID keys, and never against keys fetched from a URL"
    ),
    "signature_invalid": (
        "the token was not signed by the configured key (another environment or tenant with "
        "the same kid, a wrong SECRET) or it was altered"
    ),
    "token_expired": (
        "get a new token (refresh it); if the clocks of issuer and API differ, sync them (NTP) "
        "or raise LEEWAY"
    ),
    "token_not_yet_valid": CLOCK_AHEAD,
    "token_issued_in_future": CLOCK_AHEAD,
    "claim_missing": (
        "have the identity provider include the claim, or drop it from REQUIRED_CLAIMS (or "
        "the rule of CLAIM_RULES, or AUDIENCE_FALLBACK, that reads it)"
    ),
    "claim_invalid": (
        "a rule of CLAIM_RULES does not accept the value: send a token meant for this API "
        "(its app client, the access token rather than the ID token), or correct the rule; "
        "for a registered claim, the identity provider sends it with the wrong JSON type"
    ),
    "audience_invalid": (
        "request the token for this API (Auth0 `audience=`, Entra `api://<app>/.default`, an "
        "Okta authorization server's audience) or add its `aud` to AUDIENCE; a token without "
        "`aud` is judged by the claim AUDIENCE_FALLBACK names"
    ),
    "issuer_invalid": (
        "use a token from a configured issuer, or set ISSUER (or a name of TRUSTED_ISSUERS) to "
        "the token's `iss` exactly (a trailing slash matters); for an issuer template, the "
        "token's tenant claim must name the tenant in its `iss`, one of the template's TENANTS"
    ),
    "type_invalid": "send an access token (RFC 9068 `typ: at+jwt`), or adjust TOKEN_TYPES",
    "lifetime_too_long": "shorten the token lifetime at the issuer, or raise MAX_LIFETIME",
    "critical_header_unsupported": "jwtguard understands no `crit` header extension",
    "token_binding_unsupported": (
        "the identity provider bound the token to the client's key (DPoP or mutual TLS), "
        "which jwtguard cannot check yet: have this client get plain bearer tokens (no DPoP "
        "proof at the token endpoint, no certificate-bound tokens for it)"
    ),
    "token_revoked": "the token was revoked: sign in again to get a new one",
    "token_replayed": "each token may be used once (REPLAY_PROTECTION): get a new one",
    "insufficient_scope": "request a token with the missing scope (or grant it to the client)",
    "insufficient_role": (
        "assign the missing role to the token's subject (or client) at the identity provider; "
        "if the token does hold it, add the claim it is in to ROLE_CLAIMS (a scope is no role)"
    ),
    "key_source_unavailable": (
        "this machine cannot reach the identity provider's keys: check JWKS_URL / ISSUER, "
        "network, proxies (HTTP_PROXY) and TLS (HTTP_CA_FILE, a client certificate); retry "
        "after Retry-After"
    ),
    "store_unavailable": "the replay/revocation store (REDIS_URL) is unreachable",
}


def fix_for(error: AuthError) -> str | None:
    return FIXES.get(error.code)

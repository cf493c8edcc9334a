"""The wire contract of design §2 and §3 as data, shared by every adapter's tests.

Each :class:`Scenario` is a request (headers, query, ...) against an endpoint that requires
``scopes``, and the exact answer every adapter must give. The core, Django, DRF and Flask tests
all run this same table, which is how "identical in every adapter" is proven: each adapter entry
point runs :data:`CONTRACT` once and compares every answer with the core's own
(:func:`core_answer`); the sync/async x stack matrices send only :data:`SAMPLES`, one scenario
per answer class.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jwtguard import (
    AccessToken,
    ErrorResponse,
    Guard,
    GuardConfig,
    KeySourceUnavailable,
    SimpleRequest,
    Validator,
)
from jwtguard.adapters import Requirement
from jwtguard.keys import TrustedKey
from jwtguard.testing import SigningKey, b64url, generate_key

ISSUER = "https://idp.example.com/"
AUDIENCE = "api://notes"
REALM = "notes"
MAX_LIFETIME = 3600

#: The settings every adapter under contract test uses (design §5 key names).
SETTINGS: dict[str, Any] = {
    "ISSUER": ISSUER,
    "AUDIENCE": AUDIENCE,
    "ALGORITHMS": ["RS256", "ES256"],
    "REALM": REALM,
    "LEEWAY": 60,
    "MAX_LIFETIME": MAX_LIFETIME,
    "TOKEN_TYPES": ["at+jwt", "JWT"],
    "TOKEN_LOCATIONS": ["header", "query"],
}

DESCRIPTIONS = {
    "token_missing": "An access token is required",
    "unsupported_scheme": "The Authorization header must use the Bearer scheme",
    "malformed_request": "The bearer credentials are malformed",
    "multiple_tokens": "The access token was sent in more than one place",
    "token_malformed": "The access token is not a well-formed signed JWT",
    "token_too_large": "The access token is too large",
    "algorithm_not_allowed": "The token's signing algorithm is not allowed",
    "unknown_key": "The token was signed by an unknown key",
    "signature_invalid": "The token's signature is invalid",
    "token_expired": "The access token expired",
    "token_not_yet_valid": "The access token is not valid yet",
    "token_issued_in_future": "The access token was issued in the future",
    "claim_missing": "The access token lacks the exp claim",
    "claim_invalid": "The access token's exp claim is invalid",
    "audience_invalid": "Unexpected audience",
    "issuer_invalid": "Unexpected issuer",
    "type_invalid": "Unexpected token type",
    "lifetime_too_long": "The access token's lifetime is too long",
    "critical_header_unsupported": "The token requires an unsupported critical header extension",
    "token_binding_unsupported": (
        "The access token is bound to a key; this API accepts only bearer tokens"
    ),
    "token_revoked": "The access token was revoked",
    "token_replayed": "The access token was already used",
    "insufficient_scope": "The access token lacks the required scope",
    "key_source_unavailable": "The keys needed to verify the token are temporarily unavailable",
    "store_unavailable": "The token store is temporarily unavailable",
}

BODY_ERROR = {
    400: "invalid_request",
    401: "invalid_token",
    403: "insufficient_scope",
    503: "temporarily_unavailable",
}


class Minter:
    """Signs tokens the contract configuration trusts (and some it must not)."""

    def __init__(self) -> None:
        self.key = generate_key("RS256", kid="rsa-1")
        self.ec_key = generate_key("ES256", kid="ec-1")
        self.stranger = generate_key("RS256", kid="rsa-1")  # same kid, different key
        self.hmac = generate_key("HS256", kid="rsa-1")

    def jwks(self) -> dict[str, Any]:
        return self.key.jwks(self.ec_key)

    def token(
        self,
        key: SigningKey | None = None,
        *,
        header: Mapping[str, Any] | None = None,
        lifetime: float = 600,
        now: float | None = None,
        **claims: Any,
    ) -> str:
        key = key or self.key
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "scope": "notes:read"} | claims
        header = header or {"alg": key.algorithm, "typ": "at+jwt", "kid": key.kid}
        return key.token(lifetime=lifetime, now=now, header=header, **claims)


@dataclass(frozen=True)
class Scenario:
    """One request and the exact answer design §2 prescribes for it."""

    name: str
    status: int
    code: str | None  # None: the request succeeds
    headers: Callable[[Minter], dict[str, str]] = lambda _m: {}
    query: Callable[[Minter], dict[str, list[str]]] = lambda _m: {}
    method: str = "GET"
    scopes: tuple[str, ...] = ()
    description: str | None = None  # defaults to DESCRIPTIONS[code]
    extra_challenge: Mapping[str, str] = field(default_factory=dict)
    keys_down: bool = False  # sent while the key source is unreachable

    @property
    def answer_class(self) -> tuple[int, str | None]:
        """The kind of answer: status and body ``error`` (``None``: accepted)."""
        return self.status, None if self.body is None else self.body["error"]

    @property
    def challenge(self) -> dict[str, str] | None:
        """The expected ``WWW-Authenticate: Bearer`` parameters, in order (None: no header)."""
        if self.code is None or self.status == 503:
            return None
        params = {"realm": REALM}
        if self.status != 401 or self.code not in ("token_missing", "unsupported_scheme"):
            params["error"] = BODY_ERROR[self.status]
            params["error_description"] = self.expected_description
        params.update(self.extra_challenge)
        return params

    @property
    def expected_description(self) -> str:
        assert self.code is not None
        return self.description or DESCRIPTIONS[self.code]

    @property
    def body(self) -> dict[str, str] | None:
        """The expected JSON error body (None: success)."""
        if self.code is None:
            return None
        error = "unauthorized" if self.challenge == {"realm": REALM} else BODY_ERROR[self.status]
        return {"error": error, "error_description": self.expected_description, "code": self.code}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _now() -> float:
    return time.time()


def _jwe() -> str:
    return ".".join(
        b64url(part) for part in (b'{"alg":"RSA-OAEP","enc":"A256GCM"}', b"k", b"iv", b"ct", b"tag")
    )


B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def padding_bit_variants(segment: str) -> list[str]:
    """Every spelling of ``segment`` that differs only in the unused low bits of its last
    character (2**4 for a length of 4n + 2, 2**2 for 4n + 3, just itself for 4n); the
    canonical one, with those bits zero, first."""
    unused = {0: 0, 2: 4, 3: 2}[len(segment) % 4]
    if not unused:
        return [segment]
    base = B64URL_ALPHABET.index(segment[-1]) >> unused << unused
    return [segment[:-1] + B64URL_ALPHABET[base + low] for low in range(2**unused)]


def non_canonical(token: str) -> str:
    """``token`` with a padding bit set in its signature segment: the same bytes, spelled
    another way."""
    head, _, signature = token.rpartition(".")
    return f"{head}.{padding_bit_variants(signature)[1]}"


def _unsigned() -> str:
    """An ``alg: none`` token with a fake signature (compact JWS needs three segments)."""
    return b64url(b'{"alg":"none"}') + "." + b64url(b"{}") + ".AAAA"


SCENARIOS: tuple[Scenario, ...] = (
    # --- §2 rows -------------------------------------------------------------------------
    Scenario("valid token", 200, None, lambda m: bearer(m.token())),
    Scenario(
        "valid token with scope", 200, None, lambda m: bearer(m.token()), scopes=("notes:read",)
    ),
    Scenario("valid EC token", 200, None, lambda m: bearer(m.token(m.ec_key))),
    Scenario("lower-case scheme", 200, None, lambda m: {"Authorization": f"bearer {m.token()}"}),
    Scenario(
        "upper-case scheme, many spaces",
        200,
        None,
        lambda m: {"Authorization": f"BEARER    {m.token()}"},
    ),
    Scenario("token in query", 200, None, query=lambda m: {"access_token": [m.token()]}),
    Scenario("no token", 401, "token_missing"),
    Scenario(
        "Basic scheme",
        401,
        "unsupported_scheme",
        lambda _m: {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
    ),
    Scenario(
        "SSWS scheme",
        401,
        "unsupported_scheme",
        lambda _m: {"Authorization": "SSWS 00abcdefABCDEF0123456789"},
    ),
    Scenario(
        "Token scheme", 401, "unsupported_scheme", lambda m: {"Authorization": f"Token {m.token()}"}
    ),
    Scenario(
        "API key without a scheme",
        401,
        "unsupported_scheme",
        lambda _m: {"Authorization": "00QCjAl4MlV-WPXM0123456789abcdefghijklmno"},
    ),
    Scenario(
        "token without a scheme", 401, "unsupported_scheme", lambda m: {"Authorization": m.token()}
    ),
    Scenario(
        "Bearer without token",
        400,
        "malformed_request",
        lambda _m: {"Authorization": "Bearer"},
        description="The Bearer credentials are empty",
    ),
    Scenario(
        "Bearer with spaces only",
        400,
        "malformed_request",
        lambda _m: {"Authorization": "Bearer    "},
        description="The Bearer credentials are empty",
    ),
    Scenario(
        "Bearer with two tokens",
        400,
        "malformed_request",
        lambda m: {"Authorization": f"Bearer {m.token()} {m.token()}"},
    ),
    Scenario(
        "Bearer with non-b64token characters",
        400,
        "malformed_request",
        lambda _m: {"Authorization": "Bearer abc,def"},
    ),
    Scenario(
        "empty access_token parameter",
        400,
        "malformed_request",
        query=lambda _m: {"access_token": [""]},
    ),
    Scenario(
        "token in header and query",
        400,
        "multiple_tokens",
        lambda m: bearer(m.token()),
        query=lambda m: {"access_token": [m.token()]},
    ),
    Scenario(
        "two access_token parameters",
        400,
        "multiple_tokens",
        query=lambda m: {"access_token": [m.token(), m.token()]},
    ),
    Scenario(
        "missing scope",
        403,
        "insufficient_scope",
        lambda m: bearer(m.token()),
        scopes=("notes:write",),
        extra_challenge={"scope": "notes:write"},
    ),
    Scenario(
        "missing one of two scopes",
        403,
        "insufficient_scope",
        lambda m: bearer(m.token()),
        scopes=("notes:read", "notes:admin"),
        extra_challenge={"scope": "notes:read notes:admin"},
    ),
    # --- §3 codes ------------------------------------------------------------------------
    Scenario("not a JWT", 401, "token_malformed", lambda _m: bearer("abc.def")),
    Scenario("encrypted JWT (JWE)", 401, "token_malformed", lambda _m: bearer(_jwe())),
    Scenario(
        "header is a JSON array",
        401,
        "token_malformed",
        lambda m: bearer(m.key.sign({"sub": "x"}, b'["alg","RS256"]')),
    ),
    Scenario("oversized token", 401, "token_too_large", lambda _m: bearer("a" * 9000)),
    Scenario("alg none", 401, "algorithm_not_allowed", lambda _m: bearer(_unsigned())),
    Scenario("HS256 not allowed", 401, "algorithm_not_allowed", lambda m: bearer(m.token(m.hmac))),
    Scenario(
        "unknown kid",
        401,
        "unknown_key",
        lambda m: bearer(m.token(header={"alg": "RS256", "typ": "at+jwt", "kid": "nope"})),
    ),
    Scenario(
        "wrong key, known kid", 401, "signature_invalid", lambda m: bearer(m.token(m.stranger))
    ),
    Scenario(
        "expired", 401, "token_expired", lambda m: bearer(m.token(now=_now() - 3000, lifetime=600))
    ),
    Scenario(
        "not yet valid",
        401,
        "token_not_yet_valid",
        lambda m: bearer(m.token(nbf=int(_now()) + 600)),
    ),
    Scenario(
        "issued in the future",
        401,
        "token_issued_in_future",
        lambda m: bearer(m.token(now=_now() + 600)),
    ),
    Scenario("no exp", 401, "claim_missing", lambda m: bearer(m.token(exp=None))),
    Scenario("exp is a string", 401, "claim_invalid", lambda m: bearer(m.token(exp="tomorrow"))),
    Scenario(
        "wrong audience", 401, "audience_invalid", lambda m: bearer(m.token(aud="api://other"))
    ),
    Scenario(
        "wrong issuer",
        401,
        "issuer_invalid",
        lambda m: bearer(m.token(iss="https://evil.example.com/")),
    ),
    Scenario(
        "wrong typ",
        401,
        "type_invalid",
        lambda m: bearer(m.token(header={"alg": "RS256", "typ": "id+jwt", "kid": "rsa-1"})),
    ),
    Scenario(
        "lifetime too long",
        401,
        "lifetime_too_long",
        lambda m: bearer(m.token(lifetime=MAX_LIFETIME * 24)),
    ),
    Scenario(
        "unknown crit",
        401,
        "critical_header_unsupported",
        lambda m: bearer(
            m.token(header={"alg": "RS256", "kid": "rsa-1", "crit": ["x-bank"], "x-bank": 1})
        ),
    ),
    Scenario(
        "signature with a padding bit set",
        401,
        "token_malformed",
        lambda m: bearer(non_canonical(m.token())),
    ),
    Scenario(
        "EC signature with a padding bit set",
        401,
        "token_malformed",
        lambda m: bearer(non_canonical(m.token(m.ec_key))),
    ),
    Scenario(
        "DPoP-bound token (cnf jkt)",
        401,
        "token_binding_unsupported",
        lambda m: bearer(m.token(cnf={"jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"})),
    ),
    Scenario(
        "certificate-bound token (cnf x5t#S256)",
        401,
        "token_binding_unsupported",
        lambda m: bearer(m.token(cnf={"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"})),
    ),
    Scenario(
        "cnf that is not an object",
        401,
        "claim_invalid",
        lambda m: bearer(m.token(cnf="0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I")),
        description="The access token's cnf claim is invalid",
    ),
)

#: Design §2's outage row: a valid token while the key source is unreachable
#: (:class:`UnreachableKeySource`).
KEYS_DOWN = Scenario(
    "key source down", 503, "key_source_unavailable", lambda m: bearer(m.token()), keys_down=True
)

#: What each adapter entry point answers exactly as the core does: the table and the outage.
CONTRACT: tuple[Scenario, ...] = (*SCENARIOS, KEYS_DOWN)

#: One scenario of each answer class of :data:`CONTRACT` (accepted; 401 without credentials;
#: 400 ``invalid_request``; 401 ``invalid_token``; 403 ``insufficient_scope``; 503): all the
#: sync/async x stack matrices send. How an adapter answers depends on the class; the codes of
#: one class differ only in what the core renders, which the table checks once per entry point.
SAMPLES: tuple[Scenario, ...] = tuple(
    next(scenario for scenario in CONTRACT if scenario.name == name)
    for name in (
        "valid token",
        "no token",
        "Bearer without token",
        "expired",
        "missing scope",
        "key source down",
    )
)


class UnreachableKeySource:
    """A key source whose server is down (as a remote JWKS can be): every lookup is a 503."""

    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        raise KeySourceUnavailable(detail="connection refused", retry_after=12)


@functools.cache
def core_guard(minter: Minter, *, keys_down: bool = False) -> Guard:
    """A guard of the contract settings with ``minter``'s keys (unreachable: ``keys_down``)."""
    config = GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()})
    if not keys_down:
        return Guard(config)
    return Guard(config, validator=Validator(config, key_source=UnreachableKeySource()))


def core_answer(scenario: Scenario, minter: Minter) -> AccessToken | ErrorResponse:
    """The core's own answer to ``scenario`` (:meth:`Guard.decide <jwtguard.Guard.decide>` on
    the same request, for a view requiring its scopes): what every adapter must send."""
    request = SimpleRequest(
        headers=scenario.headers(minter), query=scenario.query(minter), method=scenario.method
    )
    guard = core_guard(minter, keys_down=scenario.keys_down)
    answer = guard.decide(request, Requirement.of(scenario.scopes))
    assert answer is not None, "every scenario's endpoint requires a token"
    return answer

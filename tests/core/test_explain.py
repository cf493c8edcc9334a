"""``jwtguard explain``: for every stable code of design §3, plus the scheme and scope cases, the
failing check names the facts (times, names, values) and the client's answer never does."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jwtguard import AuthError, Guard, GuardConfig, SimpleRequest, Validator, require_scopes
from jwtguard.claims import iso_time
from jwtguard.testing import b64url, compact, generate_key
from jwtguard.tools.explain import Explanation, explain
from tests.contract import AUDIENCE, ISSUER, SETTINGS, Minter

NOW = float(int(time.time()))  # whole seconds, as in the tokens


@dataclass(frozen=True)
class Case:
    name: str
    code: str
    credentials: Callable[[Minter], str]
    facts: Callable[[Minter], list[str]] = lambda _m: []
    settings: dict[str, Any] = field(default_factory=dict)
    scopes: tuple[str, ...] = ()
    prepare: Callable[[Validator, str], None] = lambda _v, _t: None


def bearer(token: str) -> str:
    return f"Bearer {token}"


def exp_of(minter: Minter, **claims: Any) -> str:
    return minter.token(now=NOW - 3660, lifetime=60, **claims)


def revoke(validator: Validator, credentials: str) -> None:
    token = validator.validate(credentials.rsplit(" ", maxsplit=1)[-1])
    validator.revocations.revoke(token)


def use_once(validator: Validator, credentials: str) -> None:
    validator.validate(credentials.rsplit(" ", maxsplit=1)[-1])


CASES = [
    Case(
        "SSWS scheme",
        "unsupported_scheme",
        lambda m: "SSWS 00QCjAl4MlV-WPXM12345",
        lambda m: ["scheme `SSWS` is not `Bearer`"],
    ),
    Case(
        "missing scope",
        "insufficient_scope",
        lambda m: bearer(m.token(scope="notes:read")),
        lambda m: ["missing scope `notes:write`", "token has `notes:read`"],
        scopes=("notes:write",),
    ),
    Case(
        "malformed",
        "token_malformed",
        lambda m: bearer("abc.def"),
        lambda m: ["2 segments"],
    ),
    Case(
        "too large",
        "token_too_large",
        lambda m: m.token(pad="x" * 9000),
        lambda m: ["limit (MAX_TOKEN_BYTES) is 8192"],
    ),
    Case(
        "algorithm not allowed",
        "algorithm_not_allowed",
        lambda m: m.token(generate_key("PS256", kid="rsa-1")),
        lambda m: ["'PS256'", "['ES256', 'RS256']"],
    ),
    Case(
        "unknown kid",
        "unknown_key",
        lambda m: m.token(generate_key("RS256", kid="k9")),
        lambda m: ["'k9'", "['ec-1', 'rsa-1']"],
    ),
    Case(
        "bad signature",
        "signature_invalid",
        lambda m: m.token(m.stranger),
        lambda m: ["RS256", "RSA 2048-bit (kid 'rsa-1')"],
    ),
    Case(
        "expired",
        "token_expired",
        exp_of,
        lambda m: ["expired 1 h 0 min ago", iso_time(int(NOW - 3600)), "(leeway 60 s)"],
    ),
    Case(
        "not yet valid",
        "token_not_yet_valid",
        lambda m: m.token(now=NOW, nbf=int(NOW + 600)),
        lambda m: ["not valid until", iso_time(int(NOW + 600)), "10 min 0 s", "leeway 60 s"],
    ),
    Case(
        "issued in the future",
        "token_issued_in_future",
        lambda m: m.token(now=NOW + 1800, lifetime=600),
        lambda m: [iso_time(int(NOW + 1800)), "30 min 0 s in the future"],
    ),
    Case(
        "claim missing",
        "claim_missing",
        lambda m: m.token(aud=None),
        lambda m: ["missing: aud"],
    ),
    Case(
        "claim invalid",
        "claim_invalid",
        lambda m: m.token(sub=42),
        lambda m: ["sub must be a string"],
    ),
    Case(
        "wrong audience",
        "audience_invalid",
        lambda m: m.token(aud=["api://a"]),
        lambda m: ["['api://a']", f"[{AUDIENCE!r}]"],
    ),
    Case(
        "wrong issuer",
        "issuer_invalid",
        lambda m: m.token(iss="https://evil.example/"),
        lambda m: ["'https://evil.example/'", repr([ISSUER])],
    ),
    Case(
        "wrong type",
        "type_invalid",
        lambda m: m.key.sign(
            {"iss": ISSUER, "aud": AUDIENCE, "exp": int(NOW) + 60},
            {"alg": "RS256", "kid": "rsa-1", "typ": "id+jwt"},
        ),
        lambda m: ["'id+jwt'"],
    ),
    Case(
        "lifetime too long",
        "lifetime_too_long",
        lambda m: m.token(now=NOW, lifetime=7200),
        lambda m: ["7200 s", "3600 s"],
    ),
    Case(
        "critical header",
        "critical_header_unsupported",
        lambda m: compact({"alg": "RS256", "kid": "rsa-1", "crit": ["exp"]}, {"a": 1}, b"s"),
        lambda m: ["['exp']"],
    ),
    Case(
        "bound to a key",
        "token_binding_unsupported",
        lambda m: m.token(cnf={"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}),
        lambda m: ["'x5t#S256' (mutual TLS, RFC 8705)"],
    ),
    Case(
        "revoked",
        "token_revoked",
        lambda m: bearer(m.token(jti="revoked-jti-1")),
        lambda m: ["'revoked-jti-1'"],
        settings={"REVOCATION": True},
        prepare=revoke,
    ),
    Case(
        "replayed",
        "token_replayed",
        lambda m: bearer(m.token(jti="used-jti-1")),
        lambda m: ["'used-jti-1'"],
        settings={"REPLAY_PROTECTION": True},
        prepare=use_once,
    ),
]
DESIGN_CODES = {
    "token_malformed", "token_too_large", "algorithm_not_allowed", "unknown_key",
    "signature_invalid", "token_expired", "token_not_yet_valid", "token_issued_in_future",
    "claim_missing", "claim_invalid", "audience_invalid", "issuer_invalid", "type_invalid",
    "lifetime_too_long", "critical_header_unsupported", "token_binding_unsupported",
    "token_revoked", "token_replayed",
}  # fmt: skip


def test_every_code_of_design_section_3_is_explained() -> None:
    codes = {case.code for case in CASES}
    assert codes >= DESIGN_CODES
    assert {"unsupported_scheme", "insufficient_scope"} <= codes


def client_answer(guard: Guard, credentials: str, scopes: tuple[str, ...]) -> bytes:
    """What the client gets for the same request, through the same guard."""
    request = SimpleRequest(headers={"Authorization": credentials})
    try:
        token = guard.authenticate(request)
        assert token is not None
        guard.authorize(token, scopes)
    except AuthError as error:
        return guard.render(error).body
    raise AssertionError("the request should be refused")


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_explained_facts_stay_out_of_the_client_answer(minter: Minter, case: Case) -> None:
    config = GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks(), **case.settings})
    guard = Guard(config)
    credentials = case.credentials(minter)
    if " " not in credentials:
        credentials = bearer(credentials)
    case.prepare(guard.validator, credentials)

    explanation = explain(credentials, guard.validator, scopes=case.scopes, now=NOW)

    assert not explanation.accepted
    assert (explanation.code, explanation.first_failure is not None) == (case.code, True)
    failure = explanation.first_failure
    assert failure is not None
    assert failure.code == case.code, "the first failed step is the validator's verdict"
    assert failure.fix
    facts = case.facts(minter)
    for fact in facts:
        assert fact in failure.message
    body = client_answer(guard, credentials, case.scopes).decode()
    assert case.code in body
    for fact in facts:
        assert fact not in body, f"{fact!r} reached the client"
    assert failure.message not in body


def test_an_accepted_token(minter: Minter) -> None:
    validator = Validator(GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()}))
    explanation = explain(bearer(minter.token(now=NOW)), validator, scopes=["notes:read"], now=NOW)
    assert explanation.accepted
    assert explanation.code is None
    statuses = {check.step: check.status for check in explanation.checks}
    assert statuses["signature"] == statuses["expiry"] == statuses["scopes"] == "passed"
    assert statuses["not before"] == statuses["revocation"] == statuses["replay"] == "skipped"
    expiry = next(check for check in explanation.checks if check.step == "expiry")
    assert expiry.message == f"`exp` {iso_time(int(NOW) + 600)} (in 10 min 0 s, leeway 60 s)"


def test_explain_never_uses_up_a_jti(minter: Minter) -> None:
    config = GuardConfig.from_mapping(
        {**SETTINGS, "JWKS": minter.jwks(), "REPLAY_PROTECTION": True}
    )
    validator = Validator(config)
    token = minter.token()
    for _ in range(2):
        explanation = explain(token, validator)
        assert explanation.accepted
        replay = next(check for check in explanation.checks if check.step == "replay")
        assert replay.status == "passed"
    validator.validate(token)  # the first real use still passes


def test_later_checks_still_run_after_a_failure(minter: Minter) -> None:
    """An expired token with a wrong audience: both are reported; the verdict is the first."""
    validator = Validator(GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()}))
    explanation = explain(exp_of(minter, aud="api://other"), validator, now=NOW)
    failed = [(check.step, check.code) for check in explanation.checks if check.status == "failed"]
    assert failed == [("expiry", "token_expired"), ("audience", "audience_invalid")]
    assert explanation.code == "token_expired"


@pytest.mark.parametrize(
    ("credentials", "code"),
    [
        ("Basic dXNlcjpwYXNz", "unsupported_scheme"),
        ("Bearer a b", "malformed_request"),
        ("Bearer " + b64url(b"x") + "..", "token_malformed"),
    ],
)
def test_requests_refused_before_any_token_is_read(
    minter: Minter, credentials: str, code: str
) -> None:
    validator = Validator(GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()}))
    explanation: Explanation = explain(credentials, validator)
    assert explanation.code == code
    failure = explanation.first_failure
    assert failure is not None
    assert failure.code == code


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


HEADERS = st.fixed_dictionaries(
    {
        "alg": st.sampled_from(["RS256", "ES256", "PS256", "HS256", "none", 5]),
        "kid": st.sampled_from(["rsa-1", "ec-1", "k9", None, 7]),
        "typ": st.sampled_from(["at+jwt", "JWT", "id+jwt", None]),
        "crit": st.sampled_from([None, None, None, ["exp"]]),
    }
).map(_drop_none)
TIMES = st.sampled_from([NOW - 4000, NOW - 30, NOW + 30, NOW + 600, NOW + 9000, None, "x", True])
CLAIMS = st.fixed_dictionaries(
    {
        "iss": st.sampled_from([ISSUER, "https://evil.example/", None, 5]),
        "aud": st.sampled_from([AUDIENCE, [AUDIENCE, "x"], ["x"], None, 3]),
        "sub": st.sampled_from(["alice", 42, None]),
        "exp": TIMES,
        "nbf": st.sampled_from([None, None, NOW - 10, NOW + 600]),
        "iat": TIMES,
        "scope": st.sampled_from(["notes:read", "notes:write", None]),
        "cnf": st.sampled_from([None, None, None, {"jkt": "t"}, {}, "t"]),
    }
).map(_drop_none)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=HEADERS,
    claims=CLAIMS,
    signer=st.sampled_from(["key", "ec_key", "stranger", "hmac"]),
    scopes=st.sampled_from([(), ("notes:read",), ("notes:write",)]),
)
def test_the_report_agrees_with_the_validator(
    minter: Minter,
    header: dict[str, Any],
    claims: dict[str, Any],
    signer: str,
    scopes: tuple[str, ...],
) -> None:
    """Whatever the token, explain's first failed step is the validator's verdict."""
    config = GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()})
    token = getattr(minter, signer).sign(claims, header)
    explanation = explain(token, Validator(config), scopes=scopes, now=NOW)
    try:
        access = Validator(config, clock=lambda: NOW).validate(token)
        require_scopes(access, scopes)
    except AuthError as error:
        failure = explanation.first_failure
        assert failure is not None
        assert (explanation.code, failure.code) == (error.code, error.code), explanation.checks
        return
    assert explanation.accepted
    assert explanation.first_failure is None

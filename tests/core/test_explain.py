"""``jwtguard explain``: for every stable code of design §3, plus the scheme and scope cases, the
failing check names the facts (times, names, values) and the client's answer never does."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from jwtguard import (
    AuthError,
    ClaimInvalid,
    Guard,
    GuardConfig,
    KeySourceUnavailable,
    SimpleRequest,
    Validator,
)
from jwtguard import claims as claims_module
from jwtguard.claims import ClaimRules, iso_time
from jwtguard.keys import KeySource, StaticKeySource, TrustedKey
from jwtguard.pipeline import Facts, Step
from jwtguard.testing import b64url, compact, generate_key
from jwtguard.tools.explain import Explanation, explain, steps_of
from tests.contract import AUDIENCE, ISSUER, SETTINGS, Minter

NOW = float(int(time.time()))  # whole seconds, as in the tokens; set again for each test


@pytest.fixture(autouse=True)
def _now() -> None:
    """The moment each test explains at: its own, so a test run late in a long (or reordered)
    run explains tokens minted at the real time as the validator would, not as "in the future"."""
    global NOW  # noqa: PLW0603 - the cases read it when they run
    NOW = float(int(time.time()))


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
        lambda m: ["exp: expired 1 h 0 min ago", iso_time(int(NOW - 3600)), "(leeway 60 s)"],
    ),
    Case(
        "not yet valid",
        "token_not_yet_valid",
        lambda m: m.token(now=NOW, nbf=int(NOW + 600)),
        lambda m: ["nbf: not valid until", iso_time(int(NOW + 600)), "10 min 0 s", "leeway 60 s"],
    ),
    Case(
        "issued in the future",
        "token_issued_in_future",
        lambda m: m.token(now=NOW + 1800, lifetime=600),
        lambda m: ["iat: issued at", iso_time(int(NOW + 1800)), "30 min 0 s in the future"],
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


def step_of(explanation: Explanation, name: str) -> tuple[str, str]:
    check = next(check for check in explanation.checks if check.step == name)
    return check.status, check.message


def test_the_not_before_step_names_nbf(minter: Minter) -> None:
    """Every report of a claim step names its claim by its wire name: passed, failed, skipped."""
    validator = Validator(GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()}))
    for token, status in (
        (minter.token(now=NOW, nbf=int(NOW - 10)), "passed"),
        (minter.token(now=NOW, nbf=int(NOW + 600)), "failed"),
        (minter.token(now=NOW), "skipped"),
    ):
        reported, message = step_of(explain(token, validator, now=NOW), "not before")
        assert reported == status
        assert "nbf" in re.findall(r"\w+", message), message


def tenant_rule(_rules: ClaimRules) -> Step[Facts]:
    """A claim rule as jwtguard's own are written: a check, and what it says when it passes."""

    def check(state: Facts) -> None:
        if state.claims.get("tenant") != "acme":
            raise ClaimInvalid(detail=f"tenant {state.claims.get('tenant')!r} is not 'acme'")

    passed = "tenant 'acme' is served here"
    return Step("tenant", ("tenant",), check, lambda _state: passed, after=("payload",))


def test_a_claim_rule_added_to_the_list_is_explained_with_no_further_code(
    minter: Minter, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()})
    assert "tenant" not in steps_of(Validator(config))
    monkeypatch.setattr(claims_module, "CLAIM_RULES", (*claims_module.CLAIM_RULES, tenant_rule))
    validator = Validator(config, clock=lambda: NOW)
    steps = steps_of(validator)
    assert steps.index("lifetime") < steps.index("tenant") < steps.index("binding")

    elsewhere = minter.token(now=NOW, tenant="globex")
    with pytest.raises(ClaimInvalid):
        validator.validate(elsewhere)
    explanation = explain(elsewhere, validator, now=NOW)
    assert [check.step for check in explanation.checks] == list(steps)
    assert (explanation.code, explanation.first_failure) == (
        "claim_invalid",
        explanation.checks[steps.index("tenant")],
    )
    assert step_of(explanation, "tenant") == ("failed", "tenant 'globex' is not 'acme'")

    at_home = minter.token(now=NOW, tenant="acme")
    assert validator.validate(at_home).claims["tenant"] == "acme"
    explanation = explain(at_home, validator, now=NOW)
    assert explanation.accepted
    assert step_of(explanation, "tenant") == ("passed", "tenant 'acme' is served here")


class FirstAnswerOnly:
    """A key source that finds the keys once, and is unreachable from then on."""

    def __init__(self, source: KeySource) -> None:
        self.source, self.calls = source, 0

    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        self.calls += 1
        if self.calls > 1:
            raise KeySourceUnavailable(detail="asked twice")
        return self.source.candidates(kid, algorithm)


def test_the_verdict_comes_from_the_same_run_as_the_report(minter: Minter) -> None:
    """One run: a report of every step passing and a verdict refusing cannot both be shown."""
    config = GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()})
    keys = Validator(config).key_source
    assert isinstance(keys, StaticKeySource)
    source = FirstAnswerOnly(keys)
    explanation = explain(minter.token(), Validator(config, key_source=source))
    assert source.calls == 1
    assert explanation.accepted
    assert explanation.first_failure is None

"""``explain``: why a token would be accepted or refused, check by check, for the operator.

The verdict is the real :class:`~jwtguard.Validator`'s (and :func:`~jwtguard.require_scopes`'s)
decision, never a second opinion. Around it, each step of design §4 is run on its own, using the
same rule objects, so the report says what passed, what failed and what was skipped, with the
facts (times, names, values) and how to fix it. Replay state is only read, never recorded.

Everything here is for the operator's eyes: it names configured values, which a response to a
client never does.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from .claims import ClaimRules, iso_time
from .errors import (
    AuthError,
    ClaimMissing,
    SignatureInvalid,
    TokenMissing,
    TokenTooLarge,
    UnknownKey,
)
from .explain_facts import fix_for, known_kids, relative
from .extract import extract_token
from .jws import CompactJWS
from .keys import TrustedKey
from .request import SimpleRequest
from .scopes import require_scopes, scope_list
from .sources import IssuerKeySources
from .store_checks import StoreChecks
from .token import AccessToken
from .validator import Validator

Status = Literal["passed", "failed", "skipped"]
_JSON_OBJECT = "a JSON object without duplicate members"


@dataclass(frozen=True)
class Check:
    """One step of the pipeline, as explained."""

    step: str
    status: Status
    message: str
    code: str | None = None
    fix: str | None = None


@dataclass
class Explanation:
    """Every check, and the verdict: ``accepted``, or the ``code`` and ``status`` a client gets."""

    checks: list[Check] = field(default_factory=list)
    accepted: bool = False
    code: str | None = None
    status: int | None = None
    description: str | None = None

    @property
    def first_failure(self) -> Check | None:
        return next((check for check in self.checks if check.status == "failed"), None)

    def to_dict(self) -> dict[str, Any]:
        failure = self.first_failure
        first = dataclasses.asdict(failure) if failure is not None else None
        return dataclasses.asdict(self) | {"first_failure": first}


class _Stop(Exception):
    """A check that later checks cannot go on without (no token, no header, no key) failed."""


class _Report:
    def __init__(self) -> None:
        self.checks: list[Check] = []

    def passed(self, step: str, message: str) -> None:
        self.checks.append(Check(step, "passed", message))

    def skipped(self, step: str, message: str) -> None:
        self.checks.append(Check(step, "skipped", message))

    def failed(self, step: str, error: AuthError, message: str | None = None) -> None:
        text = message or error.detail or error.description
        self.checks.append(Check(step, "failed", text, error.code, fix_for(error)))

    def run(self, step: str, check: Callable[[], object], passed: str) -> None:
        """Run ``check``: ``passed`` if it returns, the error's facts if it raises one."""
        try:
            check()
        except AuthError as error:
            self.failed(step, error)
        else:
            self.passed(step, passed)


def explain(
    credentials: str,
    validator: Validator,
    *,
    scopes: str | Iterable[str] = (),
    any_of: str | Iterable[str] = (),
    now: float | None = None,
) -> Explanation:
    """Explain ``credentials``: a bare token, or a whole ``Authorization`` header value."""
    moment = time.time() if now is None else now
    report = _Report()
    token: str | None = None
    try:
        token = _scheme(report, credentials.strip(), validator)
        _token_checks(report, token, validator, moment)
    except _Stop:
        pass
    access = None
    verdict = Explanation(report.checks)
    try:
        if token is None:
            raise _missing(credentials, validator)
        access = validator.peek(token, now=moment)
        require_scopes(access, scopes, any_of=any_of)
    except AuthError as error:
        verdict.code, verdict.status, verdict.description = (
            error.code,
            error.status,
            error.description,
        )
    else:
        verdict.accepted = True
    _scope_check(report, access, scope_list(scopes), scope_list(any_of))
    return verdict


# --- steps ---------------------------------------------------------------------------------


def _scheme(report: _Report, credentials: str, validator: Validator) -> str:
    config = validator.config
    if not credentials:
        report.failed("scheme", TokenMissing(detail="no credentials were given"))
        raise _Stop
    if " " not in credentials:
        report.skipped("scheme", "a bare token was given (no Authorization header to check)")
        return credentials
    request = SimpleRequest(headers={config.header_name: credentials})
    try:
        extraction = extract_token(request, config)
        if extraction.token is None:
            raise extraction.missing_error()
    except AuthError as error:
        scheme = credentials.split(" ", 1)[0]
        message = (
            f"scheme `{scheme}` is not `{config.header_scheme}`"
            if error.code == "unsupported_scheme"
            else None
        )
        report.failed("scheme", error, message)
        raise _Stop from None
    report.passed("scheme", f"scheme `{config.header_scheme}`")
    return extraction.token


def _token_checks(report: _Report, token: str, validator: Validator, now: float) -> None:
    config = validator.config
    size = len(token)
    if size > config.max_token_bytes:
        detail = f"{size} characters; the limit (MAX_TOKEN_BYTES) is {config.max_token_bytes}"
        report.failed("size", TokenTooLarge(detail=detail))
        raise _Stop
    report.passed("size", f"{size} characters (limit {config.max_token_bytes})")
    jws = _run(report, "syntax", lambda: CompactJWS(token), "a compact JWS with 3 segments")
    algorithm = _run(
        report,
        "header",
        lambda: validator.check_header(jws.header),
        lambda alg: f"alg {alg} is allowed{_typ_fact(jws.header, config.token_types)}",
    )
    # The validator reads the payload after the signature, unless the token's (unverified)
    # iss must pick the issuer's keys first; the report follows the same order.
    multi_issuer = isinstance(validator.key_source, IssuerKeySources)
    claims = _run(report, "payload", jws.payload, _JSON_OBJECT) if multi_issuer else {}
    keys = _keys(report, validator, jws.header.get("kid"), algorithm, claims)
    signature = _run(report, "signature encoding", jws.signature, "base64url")
    verified = next((k for k in keys if k.verify(algorithm, jws.signing_input, signature)), None)
    if verified is None:
        names = ", ".join(_key_name(key) for key in keys)
        failure = SignatureInvalid(detail=f"the {algorithm} signature does not verify with {names}")
        report.failed("signature", failure)
    else:
        report.passed("signature", f"{algorithm} signature verified with {_key_name(verified)}")
    if not multi_issuer:
        claims = _run(report, "payload", jws.payload, _JSON_OBJECT)
    _claim_checks(report, validator.rules, claims, now)
    _store_checks(report, validator, claims, now)


def _run(report: _Report, step: str, produce: Callable[[], Any], passed: Any) -> Any:
    try:
        value = produce()
    except AuthError as error:
        report.failed(step, error)
        raise _Stop from None
    report.passed(step, passed(value) if callable(passed) else passed)
    return value


def _keys(
    report: _Report,
    validator: Validator,
    kid: str | None,
    algorithm: str,
    claims: Mapping[str, Any],
) -> Sequence[TrustedKey]:
    source = validator.key_source
    try:
        if isinstance(source, IssuerKeySources):
            source = source.for_issuer(claims.get("iss"))
        keys = source.candidates(kid, algorithm)
    except AuthError as error:
        kids = known_kids(source)
        message = None
        if isinstance(error, UnknownKey) and kid is not None and kids is not None:
            message = f"`kid` {kid!r} not among the trusted keys {kids}"
        report.failed("key", error, message)
        raise _Stop from None
    names = ", ".join(_key_name(key) for key in keys)
    report.passed("key", f"kid {kid!r} selects {names}" if kid else f"candidates: {names}")
    return keys


def _claim_checks(
    report: _Report, rules: ClaimRules, claims: Mapping[str, Any], now: float
) -> None:
    """The claim rules one at a time, in the validator's order, each on its own claims."""
    missing = [name for name in rules.required if name not in claims]
    if missing:
        detail = f"missing: {', '.join(missing)} (required: {', '.join(rules.required)})"
        report.failed("required claims", ClaimMissing(detail=detail))
    else:
        report.passed("required claims", f"present: {', '.join(rules.required) or '(none)'}")
    without_aud = {name: value for name, value in claims.items() if name != "aud"}
    report.run(
        "claim types",
        lambda: _rules(rules, leeway=math.inf).check(without_aud, now),
        "string and NumericDate claims have the right JSON types",
    )
    for step, name in (("expiry", "exp"), ("not before", "nbf"), ("issued at", "iat")):
        value = claims.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            report.skipped(step, f"no usable `{name}` claim")
            continue
        report.run(
            step,
            partial(_rules(rules).check, {name: value}, now),
            f"`{name}` {iso_time(value)} ({relative(value - now)}, leeway {rules.leeway:g} s)",
        )
    if not rules.issuers:
        report.skipped("issuer", "ISSUER is not set: any `iss` is accepted")
    elif "iss" in claims:
        report.run(
            "issuer",
            lambda: _rules(rules, issuers=rules.issuers).check({"iss": claims["iss"]}, now),
            f"`iss` {claims['iss']!r} is trusted",
        )
    if "aud" in claims:
        report.run(
            "audience",
            lambda: _rules(rules, audiences=rules.audiences).check({"aud": claims["aud"]}, now),
            f"`aud` {claims['aud']!r} is accepted",
        )
    elif not rules.audiences:
        report.skipped("audience", "AUDIENCE is not set and the token has no `aud`")
    if rules.max_lifetime is None:
        report.skipped("lifetime", "MAX_LIFETIME is not set")
    else:
        window = {name: claims[name] for name in ("exp", "iat") if name in claims}
        report.run(
            "lifetime",
            partial(
                _rules(rules, leeway=math.inf, max_lifetime=rules.max_lifetime).check, window, now
            ),
            f"within MAX_LIFETIME ({rules.max_lifetime:g} s)",
        )


def _rules(rules: ClaimRules, **only: Any) -> ClaimRules:
    """``rules`` reduced to one check: the leeway, plus ``only``."""
    settings: dict[str, Any] = {
        "issuers": (),
        "audiences": (),
        "leeway": rules.leeway,
        "required": (),
        "max_lifetime": None,
    }
    return ClaimRules(**(settings | only))


def _store_checks(
    report: _Report, validator: Validator, claims: Mapping[str, Any], now: float
) -> None:
    """Revocation and replay, read only: explain never records a ``jti`` as used."""
    config, store = validator.config, validator.store
    for step, enabled, setting in (
        ("revocation", config.revocation, "REVOCATION"),
        ("replay", config.replay_protection, "REPLAY_PROTECTION"),
    ):
        if not enabled or store is None:
            report.skipped(step, f"{setting} is off")
            continue
        checks = StoreChecks(
            store,
            revocation=step == "revocation",
            replay=step == "replay",
            leeway=config.leeway,
            prefix=config.store_prefix,
        )
        passed = "not revoked" if step == "revocation" else "jti not used yet (not recorded)"
        report.run(step, partial(checks.peek, claims, now), passed)


def _scope_check(
    report: _Report,
    access: AccessToken | None,
    all_of: tuple[str, ...],
    one_of: tuple[str, ...],
) -> None:
    if not all_of and not one_of:
        report.skipped("scopes", "no scope asked for (--scope)")
        return
    if access is None:
        report.skipped("scopes", "the token is not valid")
        return
    granted = " ".join(sorted(access.scopes)) or "none"
    missing = [scope for scope in all_of if scope not in access.scopes]
    try:
        require_scopes(access, all_of, any_of=one_of)
    except AuthError as error:
        wanted = (
            f"missing scope `{' '.join(missing)}`"
            if missing
            else f"needs one of `{' '.join(one_of)}`"
        )
        report.failed("scopes", error, f"{wanted} (token has `{granted}`)")
        return
    report.passed("scopes", f"granted: {' '.join((*all_of, *one_of))} (token has `{granted}`)")


# --- verdict helpers -----------------------------------------------------------------------


def _missing(credentials: str, validator: Validator) -> AuthError:
    request = SimpleRequest(headers={validator.config.header_name: credentials})
    try:
        extraction = extract_token(request, validator.config)
    except AuthError as error:
        return error
    return extraction.missing_error()


def _typ_fact(header: Mapping[str, Any], token_types: Sequence[str]) -> str:
    return f"; typ {header.get('typ')!r} accepted" if token_types else ""


def _key_name(key: TrustedKey) -> str:
    return f"{key.label} (kid {key.kid!r})" if key.kid else key.label

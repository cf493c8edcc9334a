"""Registered-claim rules (RFC 7519 §4.1) as pipeline steps, built once from the configuration.

In :data:`CLAIM_RULES` order: required claims; types (``sub``, ``jti``, ``iss`` strings;
``exp``, ``nbf``, ``iat`` NumericDates: JSON numbers, never booleans or strings, within
``0 .. 253402300799``, the year 9999, so absurd values such as ``10**30`` are refused rather than
treated as "never expires"); then time (``exp``, ``nbf``, ``iat`` with leeway), ``iss``, ``aud``
(or ``AUDIENCE_FALLBACK``'s claim when there is no ``aud``) and maximum lifetime; then one step
per rule of the ``CLAIM_RULES`` setting (:mod:`jwtguard.claim_values`).

The binding (``cnf``) follows them, in :mod:`jwtguard.binding`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from .claim_values import ValueRule, shown, value_step
from .errors import (
    AudienceInvalid,
    ClaimInvalid,
    ClaimMissing,
    InvalidToken,
    LifetimeTooLong,
    TokenExpired,
    TokenIssuedInFuture,
    TokenNotYetValid,
)
from .issuers import Issuers
from .pipeline import Facts, Skip, Step

MAX_NUMERIC_DATE = 253402300799  # 9999-12-31T23:59:59Z
_NUMERIC_DATES = ("exp", "nbf", "iat")
_STRING_CLAIMS = ("sub", "jti", "iss")


class ClaimRules:
    """The claim rules of one configuration; :meth:`steps` makes them pipeline steps."""

    def __init__(
        self,
        *,
        issuers: Sequence[str] | Issuers,
        audiences: Sequence[str],
        leeway: float,
        required: Sequence[str],
        max_lifetime: float | None,
        values: Sequence[ValueRule] = (),
        audience_fallback: ValueRule | None = None,
    ) -> None:
        self.issuers = issuers if isinstance(issuers, Issuers) else Issuers(issuers)
        self.audiences = frozenset(audiences)
        self.leeway = leeway
        self.max_lifetime = max_lifetime
        self.values = tuple(values)
        self.audience_fallback = audience_fallback
        needed = dict.fromkeys(required)
        if self.issuers:
            needed["iss"] = None
        if self.audiences and audience_fallback is None:  # else the fallback may stand in
            needed["aud"] = None
        if max_lifetime is not None:
            needed.update({"exp": None, "iat": None})
        self.required = tuple(needed)

    def steps(self) -> tuple[Step[Facts], ...]:
        """One step per rule of :data:`CLAIM_RULES`, in its order, then one per rule of the
        ``CLAIM_RULES`` setting (:func:`~jwtguard.claim_values.value_step`)."""
        return (*(rule(self) for rule in CLAIM_RULES), *map(value_step, self.values))


# --- the rules: each a function of the configuration's rules, giving its step -----------------
#
# A rule's check reads ``state.claims`` and ``state.now``; it raises its refusal, or returns a
# Skip when its claim is absent (a claim a configuration needs is the required-claims rule's
# business, so the others never refuse a token for lacking one).


def required_claims(rules: ClaimRules) -> Step[Facts]:
    required = rules.required

    def check(state: Facts) -> None:
        claims = state.claims
        for name in required:
            if name not in claims:
                missing = [name for name in required if name not in claims]
                raise ClaimMissing(
                    f"The access token lacks the {missing[0]} claim",
                    detail=f"missing: {', '.join(missing)} (required: {', '.join(required)})",
                )

    return Step(
        "required claims",
        required,
        check,
        lambda _state: f"present: {', '.join(required) or '(none)'}",
        after=("payload",),
    )


def claim_types(_rules: ClaimRules) -> Step[Facts]:
    def check(state: Facts) -> None:
        claims = state.claims
        for name in _STRING_CLAIMS:
            if name in claims and not isinstance(claims[name], str):
                raise invalid_claim(name, "must be a string")
        for name in _NUMERIC_DATES:
            if name in claims:
                value = claims[name]
                if (
                    isinstance(value, bool)
                    or not isinstance(value, int | float)
                    or not 0 <= value <= MAX_NUMERIC_DATE  # NaN compares false: refused too
                ):
                    raise _not_a_numeric_date(name, value)

    strings, dates = ", ".join(_STRING_CLAIMS), ", ".join(_NUMERIC_DATES)
    return Step(
        "claim types",
        (*_STRING_CLAIMS, *_NUMERIC_DATES),
        check,
        lambda _state: f"{strings} are strings and {dates} NumericDates, where present",
        after=("payload",),
    )


def expiry(rules: ClaimRules) -> Step[Facts]:
    leeway = rules.leeway

    def check(state: Facts) -> Skip | None:
        exp = state.claims.get("exp")
        if exp is None:
            return _ABSENT["exp"]
        now = state.now
        if now >= exp + leeway:
            raise TokenExpired(
                detail=f"exp: expired {human_duration(now - exp)} ago at {iso_time(exp)} "
                f"(leeway {leeway:g} s)"
            )
        return None

    return _time_step("expiry", "exp", check, leeway)


def not_before(rules: ClaimRules) -> Step[Facts]:
    return _not_in_future(
        rules, "not before", "nbf", error=TokenNotYetValid, what="not valid until", when="from now"
    )


def issued_at(rules: ClaimRules) -> Step[Facts]:
    return _not_in_future(
        rules, "issued at", "iat", error=TokenIssuedInFuture, what="issued at", when="in the future"
    )


def issuer(rules: ClaimRules) -> Step[Facts]:
    """``iss`` must be a trusted issuer: one of ``ISSUER`` (or the names of
    ``TRUSTED_ISSUERS``), or fit one of its issuer templates, whose tenant claim must then name
    the same tenant (:meth:`jwtguard.issuers.Issuers.match`)."""
    issuers = rules.issuers

    def check(state: Facts) -> Skip | None:
        claims = state.claims
        iss = claims.get("iss")
        if iss is None:
            return _ABSENT["iss"]
        if iss not in issuers.names:  # the common case is a set lookup
            issuers.match(claims)
        return None

    return Step(
        "issuer",
        issuers.claims,
        check,
        lambda state: issuers.vouched(state.claims),
        after=("claim types",),
        off=None if issuers else "ISSUER is not set: any `iss` is accepted",
    )


def audience(rules: ClaimRules) -> Step[Facts]:
    """``aud`` must name this API (``AUDIENCE``); a token without ``aud`` passes, unless
    ``AUDIENCE_FALLBACK`` names the claim that must then name an accepted client. A token
    with ``aud`` is judged by its ``aud`` alone: the fallback never widens what ``AUDIENCE``
    accepts."""
    audiences, fallback = rules.audiences, rules.audience_fallback
    absent = _ABSENT["aud"] if audiences else Skip("AUDIENCE is not set and the token has no `aud`")

    def check(state: Facts) -> Skip | None:
        claims = state.claims
        if "aud" not in claims:
            if fallback is not None:
                _instead_of_aud(fallback, claims)
                return None
            return absent
        aud = claims["aud"]
        if type(aud) is str and aud in audiences:  # the common case, answered at once
            return None
        values = [aud] if isinstance(aud, str) else aud
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise invalid_claim("aud", "must be a string or a list of strings")
        if not audiences:
            raise AudienceInvalid(
                detail=f"the token is for aud {values!r}, but no AUDIENCE is "
                "configured; set AUDIENCE to this API's identifier"
            )
        if audiences.isdisjoint(values):
            raise AudienceInvalid(detail=f"aud {values!r} is not one of {sorted(audiences)!r}")
        return None

    def passed(state: Facts) -> str:
        claims = state.claims
        if fallback is None:
            return f"`aud` {claims['aud']!r} is accepted"
        if "aud" in claims:
            unused = f"`{fallback.path.text}` (AUDIENCE_FALLBACK) counts only without `aud`"
            return f"`aud` {claims['aud']!r} is accepted; {unused}"
        found = fallback.found(claims)
        return f"no `aud`; `{fallback.path.text}` {shown(found)} is accepted (AUDIENCE_FALLBACK)"

    reads = ("aud",) if fallback is None else ("aud", fallback.path.text)
    return Step("audience", reads, check, passed, after=("payload",))


def _instead_of_aud(fallback: ValueRule, claims: dict[str, Any]) -> None:
    """A token without ``aud``: the claim ``AUDIENCE_FALLBACK`` names must name a client it
    accepts (a missing claim is ``claim_missing``, another client ``audience_invalid``)."""
    breach = fallback.breach(claims)
    if breach is None:
        return
    detail = f"no aud, so {breach.detail} (AUDIENCE_FALLBACK)"
    if breach.missing:
        raise ClaimMissing(f"The access token lacks the {fallback.claim} claim", detail=detail)
    raise AudienceInvalid(detail=detail)


def lifetime(rules: ClaimRules) -> Step[Facts]:
    limit = rules.max_lifetime

    def check(state: Facts) -> Skip | None:
        claims = state.claims
        exp, iat = claims.get("exp"), claims.get("iat")
        if exp is None or iat is None:
            return _NO_LIFETIME
        if limit is not None and exp - iat > limit:
            raise LifetimeTooLong(
                detail=f"lifetime exp - iat is {exp - iat:g} s; the maximum is {limit:g} s"
            )
        return None

    def passed(state: Facts) -> str:
        span = state.claims["exp"] - state.claims["iat"]
        return f"`exp` - `iat` is {span:g} s, within MAX_LIFETIME ({limit:g} s)"

    return Step(
        "lifetime",
        ("exp", "iat"),
        check,
        passed,
        after=("claim types",),
        off="MAX_LIFETIME is not set: `exp` - `iat` is not limited" if limit is None else None,
    )


CLAIM_RULES: tuple[Callable[[ClaimRules], Step[Facts]], ...] = (
    required_claims,
    claim_types,
    expiry,
    not_before,
    issued_at,
    issuer,
    audience,
    lifetime,
)
"""The claim rules in the order they are checked (types before times, as a refusal names the
first failing one); adding one here adds it to ``validate``, ``peek`` and ``explain``."""

_ABSENT = {name: Skip(f"no `{name}` claim") for name in ("exp", "nbf", "iat", "iss", "aud")}
_NO_LIFETIME = Skip("needs both `exp` and `iat` claims")


def _not_in_future(
    rules: ClaimRules, step: str, name: str, *, error: type[InvalidToken], what: str, when: str
) -> Step[Facts]:
    """A NumericDate that may not lie further ahead than the leeway (``nbf``, ``iat``)."""
    leeway, absent = rules.leeway, _ABSENT[name]

    def check(state: Facts) -> Skip | None:
        value = state.claims.get(name)
        if value is None:
            return absent
        now = state.now
        if value > now + leeway:
            raise error(
                detail=f"{name}: {what} {iso_time(value)}, {human_duration(value - now)} {when} "
                f"(leeway {leeway:g} s)"
            )
        return None

    return _time_step(step, name, check, leeway)


def _time_step(
    step: str, name: str, check: Callable[[Facts], Skip | None], leeway: float
) -> Step[Facts]:
    def passed(state: Facts) -> str:
        value = state.claims[name]
        return f"`{name}` {iso_time(value)} ({relative(value - state.now)}, leeway {leeway:g} s)"

    return Step(step, (name,), check, passed, after=("claim types",))


def _not_a_numeric_date(name: str, value: Any) -> ClaimInvalid:
    """Why ``value`` is not a NumericDate: a JSON number (not a boolean) of seconds within
    ``0 .. MAX_NUMERIC_DATE``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return invalid_claim(name, "must be a NumericDate (a JSON number of seconds)")
    return invalid_claim(name, f"is outside 0..{MAX_NUMERIC_DATE}")


def invalid_claim(name: str, why: str) -> ClaimInvalid:
    """``ClaimInvalid`` naming the claim to the client, and why to the operator."""
    return ClaimInvalid(f"The access token's {name} claim is invalid", detail=f"{name} {why}")


def iso_time(timestamp: float) -> str:
    """A NumericDate as ISO 8601 UTC to the second: ``2025-01-31T12:00:00Z``."""
    return (
        datetime.fromtimestamp(timestamp, tz=UTC)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z")
    )


def human_duration(seconds: float) -> str:
    """A duration for humans: ``3 min 12 s``, ``2 h 5 min``, ``4 d 3 h``."""
    total = int(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def relative(seconds: float) -> str:
    """``in 4 min 10 s`` / ``3 h 2 min ago`` / ``now``."""
    if abs(seconds) < 1:
        return "now"
    span = human_duration(seconds)
    return f"in {span}" if seconds > 0 else f"{span} ago"

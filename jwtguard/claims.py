"""Registered-claim checks (RFC 7519 §4.1), built once from the configuration.

Order: types, then time (``exp``, ``nbf``, ``iat`` with leeway), then ``iss``, ``aud``, required
claims and maximum lifetime. NumericDates must be JSON numbers (never booleans or strings) within
``0 .. 253402300799`` (the year 9999), so absurd values such as ``10**30`` are refused rather
than treated as "never expires".

Then :func:`check_binding`: a token bound to a key by ``cnf`` (RFC 7800) is refused, because
jwtguard cannot yet check the proof of possession that makes such a token safe.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from .errors import (
    AudienceInvalid,
    ClaimInvalid,
    ClaimMissing,
    IssuerInvalid,
    LifetimeTooLong,
    TokenBindingUnsupported,
    TokenExpired,
    TokenIssuedInFuture,
    TokenNotYetValid,
)

MAX_NUMERIC_DATE = 253402300799  # 9999-12-31T23:59:59Z
_NUMERIC_DATES = ("exp", "nbf", "iat")
_STRING_CLAIMS = ("sub", "jti", "iss")
#: RFC 7800 §3 confirmation methods and the specifications that bind tokens with them.
CONFIRMATION_METHODS = {
    "jkt": "DPoP, RFC 9449",
    "x5t#S256": "mutual TLS, RFC 8705",
    "jwk": "RFC 7800",
    "jwe": "RFC 7800",
    "jku": "RFC 7800",
    "kid": "RFC 7800",
}
_MAX_METHODS_NAMED = 4


class ClaimRules:
    """The claim checks of one configuration."""

    def __init__(
        self,
        *,
        issuers: Sequence[str],
        audiences: Sequence[str],
        leeway: float,
        required: Sequence[str],
        max_lifetime: float | None,
    ) -> None:
        self.issuers = frozenset(issuers)
        self.audiences = frozenset(audiences)
        self.leeway = leeway
        self.max_lifetime = max_lifetime
        needed = dict.fromkeys(required)
        if self.issuers:
            needed["iss"] = None
        if self.audiences:
            needed["aud"] = None
        if max_lifetime is not None:
            needed.update({"exp": None, "iat": None})
        self.required = tuple(needed)

    def check(self, claims: Mapping[str, Any], now: float) -> None:
        """Raise the first failing check's :class:`~jwtguard.errors.InvalidToken`."""
        for name in self.required:
            if name not in claims:
                raise ClaimMissing(
                    f"The access token lacks the {name} claim",
                    detail=f"the required claim {name!r} is missing",
                )
        for name in _STRING_CLAIMS:
            if name in claims and not isinstance(claims[name], str):
                raise _invalid(name, "must be a string")
        exp = _numeric_date(claims, "exp")
        nbf = _numeric_date(claims, "nbf")
        iat = _numeric_date(claims, "iat")
        leeway = self.leeway
        if exp is not None and now >= exp + leeway:
            raise TokenExpired(
                detail=f"expired {human_duration(now - exp)} ago at {iso_time(exp)} "
                f"(leeway {leeway:g} s)"
            )
        if nbf is not None and now + leeway < nbf:
            raise TokenNotYetValid(
                detail=f"not valid until {iso_time(nbf)}, {human_duration(nbf - now)} from "
                f"now (leeway {leeway:g} s)"
            )
        if iat is not None and iat > now + leeway:
            raise TokenIssuedInFuture(
                detail=f"issued at {iso_time(iat)}, {human_duration(iat - now)} in the "
                f"future (leeway {leeway:g} s)"
            )
        if self.issuers and claims["iss"] not in self.issuers:
            raise IssuerInvalid(
                detail=f"iss {claims['iss']!r} is not one of {sorted(self.issuers)!r}"
            )
        self._check_audience(claims)
        limit = self.max_lifetime
        if limit is not None and exp is not None and iat is not None and exp - iat > limit:
            raise LifetimeTooLong(
                detail=f"lifetime exp - iat is {exp - iat:g} s; the maximum is {limit:g} s"
            )

    def _check_audience(self, claims: Mapping[str, Any]) -> None:
        if "aud" not in claims:
            return
        aud = claims["aud"]
        values = [aud] if isinstance(aud, str) else aud
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise _invalid("aud", "must be a string or a list of strings")
        if not self.audiences:
            raise AudienceInvalid(
                detail=f"the token is for aud {values!r}, but no AUDIENCE is "
                "configured; set AUDIENCE to this API's identifier"
            )
        if self.audiences.isdisjoint(values):
            raise AudienceInvalid(detail=f"aud {values!r} is not one of {sorted(self.audiences)!r}")


def check_binding(claims: Mapping[str, Any]) -> None:
    """Refuse a token that ``cnf`` binds to a key (RFC 7800 §3): accepted as a bearer token, a
    stolen DPoP or certificate-bound token would work like an unbound one.

    Any member of ``cnf`` counts, known or not (RFC 7800 lets new confirmation methods be
    defined): :class:`~jwtguard.errors.TokenBindingUnsupported`. A ``cnf`` that is not a
    non-empty JSON object (``null``, a string, ``{}``) is malformed, and refused as an invalid
    claim rather than guessed to be unbound. The detail names the methods, never their values.
    """
    if "cnf" not in claims:
        return
    confirmation = claims["cnf"]
    if not isinstance(confirmation, dict) or not confirmation:
        raise _invalid("cnf", "must be a JSON object naming a confirmation method (RFC 7800)")
    methods = sorted(confirmation)
    named = [
        f"{_shorten(method)} ({CONFIRMATION_METHODS[method]})"
        if method in CONFIRMATION_METHODS
        else _shorten(method)
        for method in methods[:_MAX_METHODS_NAMED]
    ]
    more = len(methods) - len(named)
    raise TokenBindingUnsupported(
        detail=f"cnf binds the token to a key by {', '.join(named)}"
        + (f" and {more} more" if more else "")
        + "; jwtguard cannot check a proof of possession, so it accepts only unbound tokens"
    )


def _shorten(name: str, limit: int = 32) -> str:
    return repr(name if len(name) <= limit else name[:limit] + "…")


def _numeric_date(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None and name not in claims:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(name, "must be a NumericDate (a JSON number of seconds)")
    if not (0 <= value <= MAX_NUMERIC_DATE) or (isinstance(value, float) and math.isnan(value)):
        raise _invalid(name, f"is outside 0..{MAX_NUMERIC_DATE}")
    return float(value)


def _invalid(name: str, why: str) -> ClaimInvalid:
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

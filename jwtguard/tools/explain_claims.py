"""Steps 5-7 of ``jwtguard explain``: the claim rules one at a time, the binding, then
revocation and replay.

Each claim check runs the validator's own :class:`~jwtguard.claims.ClaimRules`, reduced to that
one rule, so a later failure is reported too (an expired token with a wrong audience shows
both). The store is asked only about a token that passed every earlier check, as the validator
does, and only read: a ``jti`` is never recorded as used. Entries are looked up under the
token's own issuer (and, for revocations, every issuer), as the validator looks them up. An
unreachable store fails the step, unless ``STORE_FAILURE`` is ``"open"``: then the step is
skipped, as the validator skips it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import partial
from typing import Any

from ..claims import MAX_NUMERIC_DATE, ClaimRules, check_binding, iso_time, relative
from ..errors import AuthError, ClaimMissing, StoreUnavailable
from ..stores.base import describe_issuer
from ..stores.checks import StoreChecks, token_issuer
from ..validator import Validator
from .explain_report import Report

_TIME_STEPS = (("expiry", "exp"), ("not before", "nbf"), ("issued at", "iat"))


def claim_checks(report: Report, rules: ClaimRules, claims: Mapping[str, Any], now: float) -> None:
    """The claim rules in the validator's order, each on its own claims, then the binding."""
    missing = [name for name in rules.required if name not in claims]
    if missing:
        detail = f"missing: {', '.join(missing)} (required: {', '.join(rules.required)})"
        report.failed("required claims", ClaimMissing(detail=detail))
    else:
        report.passed("required claims", f"present: {', '.join(rules.required) or '(none)'}")
    without_aud = {name: value for name, value in claims.items() if name != "aud"}
    report.run(
        "claim types",
        lambda: _only(rules, leeway=math.inf).check(without_aud, now),
        "string and NumericDate claims have the right JSON types",
    )
    for step, name in _TIME_STEPS:
        value = numeric_date(claims.get(name))
        if value is None:
            why = "no" if name not in claims else "not a usable"
            report.skipped(step, f"{why} `{name}` claim")
            continue
        report.run(
            step,
            partial(_only(rules).check, {name: value}, now),
            f"`{name}` {iso_time(value)} ({relative(value - now)}, leeway {rules.leeway:g} s)",
        )
    _issuer(report, rules, claims, now)
    _audience(report, rules, claims, now)
    _lifetime(report, rules, claims, now)
    report.run("binding", lambda: check_binding(claims), "no `cnf` claim: bound to no key")


def store_checks(
    report: Report, validator: Validator, claims: Mapping[str, Any], now: float
) -> None:
    """Revocation and replay, read only, and only for a token that passed everything else."""
    config, store = validator.config, validator.store
    for step, enabled, setting in (
        ("revocation", config.revocation, "REVOCATION"),
        ("replay", config.replay_protection, "REPLAY_PROTECTION"),
    ):
        if not enabled or store is None:
            report.skipped(step, f"{setting} is off")
            continue
        if report.failed_so_far:
            report.skipped(
                step, "not reached: the store is only asked about a token that passed every check"
            )
            continue
        checks = StoreChecks(
            store,
            revocation=step == "revocation",
            replay=step == "replay",
            leeway=config.leeway,
            prefix=config.store_prefix,
        )
        try:
            checks.peek(claims, now)
        except StoreUnavailable as error:
            if config.store_failure != "open":
                report.failed(step, error)
            else:  # what the validator does then: accept, unchecked
                report.skipped(
                    step, f"{error.detail}; STORE_FAILURE is 'open', so it passes unchecked"
                )
        except AuthError as error:
            report.failed(step, error)
        else:
            whose = describe_issuer(token_issuer(claims))
            report.passed(
                step,
                f"no revocation of its jti or sub {whose} or from every issuer"
                if step == "revocation"
                else f"jti {whose} not used yet (not recorded)",
            )


def numeric_date(value: Any) -> float | None:
    """``value`` as a usable NumericDate (a finite JSON number up to the year 9999), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not (0 <= value <= MAX_NUMERIC_DATE) or math.isnan(value):
        return None
    return float(value)


def _issuer(report: Report, rules: ClaimRules, claims: Mapping[str, Any], now: float) -> None:
    if not rules.issuers:
        report.skipped("issuer", "ISSUER is not set: any `iss` is accepted")
    elif "iss" not in claims:
        report.skipped("issuer", "no `iss` claim (see required claims)")
    else:
        report.run(
            "issuer",
            lambda: _only(rules, issuers=rules.issuers).check({"iss": claims["iss"]}, now),
            f"`iss` {claims['iss']!r} is trusted",
        )


def _audience(report: Report, rules: ClaimRules, claims: Mapping[str, Any], now: float) -> None:
    if "aud" in claims:
        report.run(
            "audience",
            lambda: _only(rules, audiences=rules.audiences).check({"aud": claims["aud"]}, now),
            f"`aud` {claims['aud']!r} is accepted",
        )
    elif not rules.audiences:
        report.skipped("audience", "AUDIENCE is not set and the token has no `aud`")
    else:
        report.skipped("audience", "no `aud` claim (see required claims)")


def _lifetime(report: Report, rules: ClaimRules, claims: Mapping[str, Any], now: float) -> None:
    if rules.max_lifetime is None:
        report.skipped("lifetime", "MAX_LIFETIME is not set")
        return
    exp, iat = numeric_date(claims.get("exp")), numeric_date(claims.get("iat"))
    if exp is None or iat is None:
        report.skipped("lifetime", "needs usable `exp` and `iat` claims")
        return
    report.run(
        "lifetime",
        partial(
            _only(rules, leeway=math.inf, max_lifetime=rules.max_lifetime).check,
            {"exp": exp, "iat": iat},
            now,
        ),
        f"{exp - iat:g} s, within MAX_LIFETIME ({rules.max_lifetime:g} s)",
    )


def _only(rules: ClaimRules, **only: Any) -> ClaimRules:
    """``rules`` reduced to one check: the leeway, plus ``only``."""
    settings: dict[str, Any] = {
        "issuers": (),
        "audiences": (),
        "leeway": rules.leeway,
        "required": (),
        "max_lifetime": None,
    }
    return ClaimRules(**(settings | only))

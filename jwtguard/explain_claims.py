"""The claim, revocation and replay steps of ``jwtguard explain``: the validator's own rules,
run one at a time so that every failure is reported, not only the first. Nothing is written."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import partial
from typing import Any

from .claims import ClaimRules, iso_time
from .errors import ClaimMissing
from .explain_facts import relative
from .explain_report import Report
from .store_checks import StoreChecks
from .validator import Validator


def claim_checks(report: Report, rules: ClaimRules, claims: Mapping[str, Any], now: float) -> None:
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
        lambda: _only(rules, leeway=math.inf).check(without_aud, now),
        "string and NumericDate claims have the right JSON types",
    )
    for step, name in (("expiry", "exp"), ("not before", "nbf"), ("issued at", "iat")):
        value = claims.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            report.skipped(step, f"no usable `{name}` claim")
            continue
        report.run(
            step,
            partial(_only(rules).check, {name: value}, now),
            f"`{name}` {iso_time(value)} ({relative(value - now)}, leeway {rules.leeway:g} s)",
        )
    if not rules.issuers:
        report.skipped("issuer", "ISSUER is not set: any `iss` is accepted")
    elif "iss" in claims:
        report.run(
            "issuer",
            lambda: _only(rules, issuers=rules.issuers).check({"iss": claims["iss"]}, now),
            f"`iss` {claims['iss']!r} is trusted",
        )
    if "aud" in claims:
        report.run(
            "audience",
            lambda: _only(rules, audiences=rules.audiences).check({"aud": claims["aud"]}, now),
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
                _only(rules, leeway=math.inf, max_lifetime=rules.max_lifetime).check, window, now
            ),
            f"within MAX_LIFETIME ({rules.max_lifetime:g} s)",
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


def store_checks(
    report: Report, validator: Validator, claims: Mapping[str, Any], now: float
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

"""``explain``: why a token would be accepted or refused, step by step, for the operator.

The report is the real decision, never a second opinion: the credentials are put in a request
exactly as a client would send them, :func:`~jwtguard.extract.extract_token` finds the token,
:meth:`Validator.diagnose <jwtguard.Validator.diagnose>` runs the validator's own pipeline on
it in collect-all mode (the same steps ``validate`` runs, reading replay state without using up
the ``jti``) and :func:`~jwtguard.require_scopes` authorizes it. Each step reports what passed,
what failed and what was skipped, with the facts (times, names, values); the verdict is the
first refusal of that same run, and this module only renders it, with how to fix it.

Everything here is for the operator's eyes: it names configured values, which a response to a
client never does.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from ..config import GuardConfig
from ..errors import AuthError, InsufficientScope
from ..extract import describe_location, extract_token
from ..request import SimpleRequest
from ..scopes import require_scopes, scope_list
from ..token import AccessToken
from ..validator import Validator
from .explain_report import Check, Explanation, Report, Status

__all__ = ["Check", "Explanation", "Status", "explain", "request_for", "steps_of"]


def explain(
    credentials: str,
    validator: Validator,
    *,
    scopes: str | Iterable[str] = (),
    any_of: str | Iterable[str] = (),
    now: float | None = None,
) -> Explanation:
    """Explain ``credentials``: a bare token, or a whole ``Authorization`` header value
    (``"Bearer eyJ..."``, ``"SSWS 00ab..."``); ``""`` is a request without a token."""
    report = Report()
    verdict = Explanation(report.checks)
    try:
        token = _extract(report, credentials.strip(), validator.config)
    except AuthError as refusal:
        failed = report.checks[-1].step
        reason = f"not reached: the {failed} check failed"
        if failed == "scheme":
            report.skipped("credentials", reason)
        for step in validator.pipeline.steps:
            report.skipped(step.name, reason, step.reads)
        report.skipped("scopes", reason)
        verdict.decide(refusal)
        return verdict
    diagnosis = validator.diagnose(token, now=time.time() if now is None else now)
    for outcome in diagnosis.outcomes:
        report.add(outcome)
    all_of, one_of = scope_list(scopes), scope_list(any_of)
    error = diagnosis.error
    if not all_of and not one_of:
        report.skipped("scopes", "no scope asked for (--scope)")
    elif diagnosis.token is None:
        report.skipped("scopes", "not reached: the token is not valid")
    else:
        error = _scope_check(report, diagnosis.token, all_of, one_of)
    verdict.decide(error)
    return verdict


def steps_of(validator: Validator) -> tuple[str, ...]:
    """The steps ``explain`` lists for ``validator``, in order: the request's own, the
    validator's pipeline, then the scopes."""
    return ("scheme", "credentials", *validator.pipeline.names, "scopes")


def request_for(credentials: str, config: GuardConfig) -> SimpleRequest:
    """The request a client sends with ``credentials``: a value with a space (or the bare
    scheme) is the ``Authorization`` header itself; a bare token goes where the configuration
    looks for one (the header, with its scheme, unless only other locations are enabled)."""
    if not credentials:
        return SimpleRequest()
    header = config.header_name
    scheme = config.header_scheme
    if _is_header_value(credentials, scheme):
        return SimpleRequest(headers={header: credentials})
    locations = config.token_locations
    if "header" in locations:
        return SimpleRequest(headers={header: f"{scheme} {credentials}".strip()})
    if "query" in locations:
        return SimpleRequest(query={"access_token": [credentials]})
    if "cookie" in locations:
        return SimpleRequest(cookies={config.cookie_name: credentials})
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    return SimpleRequest(method="POST", headers=form, form={"access_token": [credentials]})


# --- the request: where the token is --------------------------------------------------------


def _is_header_value(credentials: str, scheme: str) -> bool:
    return any(ch.isspace() for ch in credentials) or (
        bool(scheme) and credentials.lower() == scheme.lower()
    )


def _extract(report: Report, credentials: str, config: GuardConfig) -> str:
    """Find the token as the adapters do; report the scheme and the credentials' syntax."""
    as_header = bool(credentials) and _is_header_value(credentials, config.header_scheme)
    try:
        extraction = extract_token(request_for(credentials, config), config)
        if extraction.token is None:
            raise extraction.missing_error()
    except AuthError as error:
        if error.code in ("token_missing", "unsupported_scheme"):
            scheme = credentials.split(None, 1)[0] if credentials else ""
            message = (
                f"scheme `{scheme}` is not `{config.header_scheme}`"
                if error.code == "unsupported_scheme" and as_header
                else None
            )
            report.failed("scheme", error, message)
        else:
            _scheme_passed(report, as_header, config)
            report.failed("credentials", error)
        raise
    _scheme_passed(report, as_header, config)
    where = describe_location(extraction.location or config.header_name)
    report.passed("credentials", f"one token, in the {where}")
    return extraction.token


def _scheme_passed(report: Report, as_header: bool, config: GuardConfig) -> None:
    if as_header and config.header_scheme:
        report.passed("scheme", f"scheme `{config.header_scheme}`")
    else:
        report.skipped("scheme", "a bare token was given (checked where a client would send it)")


# --- authorization ---------------------------------------------------------------------------


def _scope_check(
    report: Report, access: AccessToken, all_of: tuple[str, ...], one_of: tuple[str, ...]
) -> InsufficientScope | None:
    """Authorize a valid token as a view asking for these scopes would; report what it lacks."""
    granted = " ".join(sorted(access.scopes)) or "none"
    try:
        require_scopes(access, all_of, any_of=one_of)
    except InsufficientScope as error:
        wanted = (
            f"missing scope `{' '.join(error.missing)}`"
            if error.missing
            else f"needs one of `{' '.join(error.one_of)}`"
        )
        report.failed("scopes", error, f"{wanted} (token has `{granted}`)")
        return error
    wants = [f"all of `{' '.join(all_of)}`"] if all_of else []
    wants += [f"one of `{' '.join(one_of)}`"] if one_of else []
    report.passed("scopes", f"has {' and '.join(wants)} (token has `{granted}`)")
    return None

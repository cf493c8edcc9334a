"""``explain``: why a token would be accepted or refused, step by step, for the operator.

The report is the real decision, never a second opinion: the credentials are put in a request
exactly as a client would send them, :func:`~jwtguard.extract.extract_token` finds the token,
:meth:`Validator.diagnose <jwtguard.Validator.diagnose>` runs the validator's own pipeline on
it in collect-all mode (the same steps ``validate`` runs, reading replay state without using up
the ``jti``) and a :class:`~jwtguard.scopes.Requirement` authorizes it, scopes then roles, as
a view asking for them would. Each step reports what passed,
what failed and what was skipped, with the facts (times, names, values); the verdict is the
first refusal of that same run, and this module only renders it, with how to fix it.

Everything here is for the operator's eyes: it names configured values, which a response to a
client never does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from ..config import KEY_SOURCE_SETTINGS, GuardConfig
from ..errors import AuthError, InsufficientRole, InsufficientScope
from ..extract import describe_location, extract_token
from ..presets import PER_ISSUER
from ..request import SimpleRequest
from ..scopes import Needs, Requirement
from ..token import AccessToken
from ..urls import redact_url
from ..validator import Validator
from .explain_report import Check, Explanation, Report, Status

__all__ = [
    "Check",
    "Explanation",
    "Status",
    "explain",
    "provider_facts",
    "request_for",
    "steps_of",
]


def explain(
    credentials: str,
    validator: Validator,
    *,
    scopes: str | Iterable[str] = (),
    any_of: str | Iterable[str] = (),
    roles: str | Iterable[str] = (),
    any_roles: str | Iterable[str] = (),
    now: float | None = None,
) -> Explanation:
    """Explain ``credentials``: a bare token, or a whole ``Authorization`` header value
    (``"Bearer eyJ..."``, ``"SSWS 00ab..."``); ``""`` is a request without a token. The
    scopes and roles are a view's (:meth:`Requirement.of <jwtguard.scopes.Requirement.of>`)."""
    requirement = Requirement.of(scopes, any_of, roles=roles, any_roles=any_roles)
    report = Report()
    verdict = Explanation(report.checks, provider=provider_facts(validator.config))
    try:
        token = _extract(report, credentials.strip(), validator.config)
    except AuthError as refusal:
        failed = report.checks[-1].step
        reason = f"not reached: the {failed} check failed"
        if failed == "scheme":
            report.skipped("credentials", reason)
        for step in validator.pipeline.steps:
            report.skipped(step.name, reason, step.reads)
        for kind in _KINDS:
            report.skipped(kind.step, reason)
        verdict.decide(refusal)
        return verdict
    diagnosis = validator.diagnose(token, now=time.time() if now is None else now)
    for outcome in diagnosis.outcomes:
        report.add(outcome)
    access = diagnosis.token
    refusals = () if access is None else requirement.refusals_of(access.scopes, access.roles)
    for kind in _KINDS:
        needs = kind.needs(requirement)
        if not needs:
            report.skipped(kind.step, f"no {kind.name} asked for ({kind.flag})")
        elif access is None:
            report.skipped(kind.step, "not reached: the token is not valid")
        else:
            kind.report(report, needs, kind.granted(access), refusals)
    verdict.decide(diagnosis.error or next(iter(refusals), None))
    return verdict


def steps_of(validator: Validator) -> tuple[str, ...]:
    """The steps ``explain`` lists for ``validator``, in order: the request's own, the
    validator's pipeline, then the scopes and the roles."""
    return ("scheme", "credentials", *validator.pipeline.names, *(k.step for k in _KINDS))


def provider_facts(config: GuardConfig) -> dict[str, Any] | None:
    """The provider preset that filled ``config`` (``PROVIDER``), for the operator: its name
    and parameters, each setting it decides with the value in force and whose value that is
    (:meth:`Preset.whose <jwtguard.presets.Preset.whose>`), and where the keys come from.
    Key settings are named, never shown (a URL redacted). ``None`` without a provider."""
    preset = config.preset
    if preset is None:
        return None
    settings = {}
    for name in preset.settings:
        if name in KEY_SOURCE_SETTINGS and name != PER_ISSUER:
            continue
        value = getattr(config, name.lower())
        if name == PER_ISSUER and value is not None:
            value = {issuer: _entry_keys_named(entry) for issuer, entry in value.items()}
        value = list(value) if isinstance(value, tuple) else value
        settings[name] = {"value": value, "from": preset.whose(name)}
    yours = [name for name in preset.yours if name in KEY_SOURCE_SETTINGS]
    keys = f"yours: {', '.join(yours)}" if yours else preset.key_source  # public URLs only
    return {
        "name": preset.name,
        "parameters": dict(preset.parameters),
        "settings": settings,
        "keys": keys,
    }


def _entry_keys_named(entry: Any) -> dict[str, Any]:
    """An issuer's entry of ``TRUSTED_ISSUERS`` with its key setting named, not shown."""
    named = {key: value for key, value in entry.items() if key not in KEY_SOURCE_SETTINGS}
    for key, value in entry.items():
        if key in KEY_SOURCE_SETTINGS:
            named["keys"] = f"{key} {redact_url(value)}" if key.endswith("_URL") else key
    return named


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


@dataclass(frozen=True)
class _Kind:
    """Scopes or roles, as the report names them: a scope list space-delimited in one pair of
    backticks (``spaced``), each role (which may hold spaces) in its own."""

    step: str
    name: str
    flag: str
    needs: Callable[[Requirement], Needs]
    granted: Callable[[AccessToken], frozenset[str]]
    error: type[AuthError]
    spaced: bool

    def names(self, names: Iterable[str]) -> str:
        if self.spaced:
            return f"`{' '.join(names)}`"
        return ", ".join(f"`{name}`" for name in names)

    def report(
        self, report: Report, needs: Needs, granted: frozenset[str], refusals: Iterable[AuthError]
    ) -> None:
        """Report how a valid token fares with ``needs``; ``refusals`` are the requirement's."""
        has = f"(token has {self.names(sorted(granted)) if granted else '`none`'})"
        error = next((e for e in refusals if isinstance(e, self.error)), None)
        if error is None:
            wants = [f"all of {self.names(needs.all_of)}"] if needs.all_of else []
            wants += [f"one of {self.names(group)}" for group in needs.groups]
            report.passed(self.step, f"has {' and '.join(wants)} {has}")
            return
        missing, unmet = needs.missing(granted), needs.unmet(granted)
        wanted = (
            f"missing {self.name} {self.names(missing)}"
            if missing
            else f"needs one of {self.names(unmet[0])}"
        )
        report.failed(self.step, error, f"{wanted} {has}")


_KINDS = (
    _Kind(
        "scopes",
        "scope",
        "--scope",
        attrgetter("scope_needs"),
        attrgetter("scopes"),
        InsufficientScope,
        spaced=True,
    ),
    _Kind(
        "roles",
        "role",
        "--role",
        attrgetter("role_needs"),
        attrgetter("roles"),
        InsufficientRole,
        spaced=False,
    ),
)

"""``explain``: why a token would be accepted or refused, check by check, for the operator.

The verdict is the real :class:`~jwtguard.Validator`'s (and :func:`~jwtguard.require_scopes`'s)
decision, never a second opinion. Around it, each step of design §4 is run on its own, using the
same rule objects, so the report says what passed, what failed and what was skipped, with the
facts (times, names, values) and how to fix it. Replay state is only read, never recorded.

Everything here is for the operator's eyes: it names configured values, which a response to a
client never does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .errors import (
    AuthError,
    SignatureInvalid,
    TokenMissing,
    TokenTooLarge,
    UnknownKey,
)
from .explain_claims import claim_checks, store_checks
from .explain_facts import known_kids
from .explain_report import Check, Explanation, Report, Stop
from .extract import extract_token
from .jws import CompactJWS
from .keys import TrustedKey
from .request import SimpleRequest
from .scopes import require_scopes, scope_list
from .sources import IssuerKeySources
from .token import AccessToken
from .validator import Validator

__all__ = ["Check", "Explanation", "explain"]

_JSON_OBJECT = "a JSON object without duplicate members"


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
    report = Report()
    token: str | None = None
    try:
        token = _scheme(report, credentials.strip(), validator)
        _token_checks(report, token, validator, moment)
    except Stop:
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


def _scheme(report: Report, credentials: str, validator: Validator) -> str:
    config = validator.config
    if not credentials:
        report.failed("scheme", TokenMissing(detail="no credentials were given"))
        raise Stop
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
        raise Stop from None
    report.passed("scheme", f"scheme `{config.header_scheme}`")
    return extraction.token


def _token_checks(report: Report, token: str, validator: Validator, now: float) -> None:
    config = validator.config
    size = len(token)
    if size > config.max_token_bytes:
        detail = f"{size} characters; the limit (MAX_TOKEN_BYTES) is {config.max_token_bytes}"
        report.failed("size", TokenTooLarge(detail=detail))
        raise Stop
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
    claim_checks(report, validator.rules, claims, now)
    store_checks(report, validator, claims, now)


def _run(report: Report, step: str, produce: Callable[[], Any], passed: Any) -> Any:
    try:
        value = produce()
    except AuthError as error:
        report.failed(step, error)
        raise Stop from None
    report.passed(step, passed(value) if callable(passed) else passed)
    return value


def _keys(
    report: Report,
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
        raise Stop from None
    names = ", ".join(_key_name(key) for key in keys)
    report.passed("key", f"kid {kid!r} selects {names}" if kid else f"candidates: {names}")
    return keys


def _scope_check(
    report: Report,
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

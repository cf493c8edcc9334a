"""``explain``: why a token would be accepted or refused, check by check, for the operator.

The verdict is the real decision, never a second opinion: the credentials are put in a request
exactly as a client would send them, :func:`~jwtguard.extract.extract_token` finds the token,
:meth:`Validator.peek <jwtguard.Validator.peek>` validates it (reading replay state without
using up the ``jti``) and :func:`~jwtguard.require_scopes` authorizes it. Around it, each step of
design §4 is run on its own with the same rule objects, so the report says what passed, what
failed and what was skipped, with the facts (times, names, values) and how to fix it.

Everything here is for the operator's eyes: it names configured values, which a response to a
client never does.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from typing import Any

from ..config import GuardConfig
from ..errors import AuthError, SignatureInvalid, TokenTooLarge, UnknownKey
from ..extract import describe_location, extract_token
from ..jws import CompactJWS
from ..keys.keyset import IssuerKeySources, KeyNotTried, KeySet, TrustedKey
from ..request import SimpleRequest
from ..scopes import require_scopes, scope_list
from ..token import AccessToken
from ..validator import Validator
from .explain_claims import claim_checks, store_checks
from .explain_report import STEPS, Check, Explanation, Report, Status, Stop

__all__ = ["STEPS", "Check", "Explanation", "Status", "explain", "request_for"]

_JSON_OBJECT = "a JSON object without duplicate members"


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
    moment = time.time() if now is None else now
    config = validator.config
    report = Report()
    verdict = Explanation(report.checks)
    access: AccessToken | None = None
    try:
        token = _extract(report, credentials.strip(), config)
        with suppress(Stop):  # the checks stop early; the verdict below still runs
            _token_checks(report, token, validator, moment)
        access = validator.peek(token, now=moment)
        require_scopes(access, scopes, any_of=any_of)
    except AuthError as error:
        verdict.code, verdict.status = error.code, error.status
        verdict.description = error.description
    else:
        verdict.accepted = True
    report.skip_the_rest(until="scopes")
    _scope_check(report, access, scope_list(scopes), scope_list(any_of))
    return verdict


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


# --- the token: steps 1-5 ---------------------------------------------------------------


def _token_checks(report: Report, token: str, validator: Validator, now: float) -> None:
    config = validator.config
    size = len(token)
    if size > config.max_token_bytes:
        detail = f"{size} characters; the limit (MAX_TOKEN_BYTES) is {config.max_token_bytes}"
        report.failed("size", TokenTooLarge(detail=detail))
        raise Stop
    report.passed("size", f"{size} characters (limit {config.max_token_bytes})")
    jws = report.produce("syntax", lambda: CompactJWS(token), "a compact JWS with 3 segments")
    algorithm = report.produce(
        "header",
        lambda: validator.check_header(jws.header),
        lambda alg: f"alg {alg} is allowed{_typ_fact(jws.header, config.token_types)}",
    )
    # The validator reads the payload after the signature, unless the token's (unverified)
    # iss must pick the issuer's keys first; the report follows the same order.
    multi_issuer = isinstance(validator.key_source, IssuerKeySources)
    claims = report.produce("payload", jws.payload, _JSON_OBJECT) if multi_issuer else {}
    keys = _keys(report, validator, jws.header.get("kid"), algorithm, claims)
    signature = report.produce("signature encoding", jws.signature, "canonical base64url")
    verified = next((k for k in keys if k.verify(algorithm, jws.signing_input, signature)), None)
    if verified is None:
        names = ", ".join(_key_name(key) for key in keys)
        failure = SignatureInvalid(detail=f"the {algorithm} signature does not verify with {names}")
        report.failed("signature", failure)
    else:
        report.passed("signature", f"{algorithm} signature verified with {_key_name(verified)}")
    if not multi_issuer:
        claims = report.produce("payload", jws.payload, _JSON_OBJECT)
    claim_checks(report, validator.rules, claims, now)
    store_checks(report, validator, claims, now)


def _keys(
    report: Report, validator: Validator, kid: str | None, algorithm: str, claims: Mapping[str, Any]
) -> Sequence[TrustedKey]:
    source = validator.key_source
    try:
        if isinstance(source, IssuerKeySources):
            source = source.for_issuer(claims.get("iss"))
        keys = source.candidates(kid, algorithm)
    except AuthError as error:
        kids = known_kids(source)
        message = None  # the refusal's own detail, unless a list of the known kids says more
        if (
            isinstance(error, UnknownKey)
            and not isinstance(error, KeyNotTried)
            and kid is not None
            and kids is not None
        ):
            message = f"`kid` {kid!r} not among the trusted keys {kids}"
        report.failed("key", error, message)
        raise Stop from None
    names = ", ".join(_key_name(key) for key in keys)
    report.passed("key", f"kid {kid!r} selects {names}" if kid else f"candidates: {names}")
    return keys


# --- authorization ---------------------------------------------------------------------------


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
        report.skipped("scopes", "not reached: the token is not valid")
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
    wants = [f"all of `{' '.join(all_of)}`"] if all_of else []
    wants += [f"one of `{' '.join(one_of)}`"] if one_of else []
    report.passed("scopes", f"has {' and '.join(wants)} (token has `{granted}`)")


def _typ_fact(header: Mapping[str, Any], token_types: Sequence[str]) -> str:
    return f"; typ {header.get('typ')!r} accepted" if token_types else ""


def _key_name(key: TrustedKey) -> str:
    return f"{key.label} (kid {key.kid!r})" if key.kid else key.label


def known_kids(source: object) -> list[str] | None:
    """The ``kid`` values a key source knows (static or already fetched), if it can tell."""
    key_set = getattr(source, "key_set", None)
    return sorted(key_set.kids) if isinstance(key_set, KeySet) else None

"""The revoke commands' options, done: ``--jti`` (with the token's ``--exp``) or ``--sub`` (with
``--before``), under ``--issuer`` or ``--all-issuers``, times as an operator types them.

``jwtguard revoke``, ``manage.py jwtguard_revoke`` and ``flask jwtguard revoke`` all come here,
so the three commands decide alike.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .base import is_process_local
from .revocation import Revocation, Revocations, timestamp

OPTIONS = ("--issuer ISS", "--all-issuers")
"""How the revoke commands name the issuer of a revocation (Python code: ``KEYWORDS``)."""


def revoke_by_options(
    revocations: Revocations,
    *,
    jti: str | None = None,
    exp: str | None = None,
    sub: str | None = None,
    before: str | None = None,
    issuer: str | None = None,
    all_issuers: bool = False,
) -> Revocation:
    """Do what a revoke command was asked: ``jti`` (with its token's ``exp``, if known) or
    ``sub`` (with ``before``, default now); times as text (:func:`parse_time`); ``issuer`` or
    ``all_issuers`` as :meth:`Revocations.resolve_issuer` takes them.

    Raises ``ValueError`` with a message for the user, also when the store lives in one process
    only: a revocation made by a command would never reach the running API.
    """
    if (jti is None) == (sub is None):
        raise ValueError("give either --jti (one token) or --sub (every token of a subject)")
    if jti is not None and before is not None:
        raise ValueError("--before goes with --sub; a token revoked by --jti takes --exp")
    if sub is not None and exp is not None:
        raise ValueError("--exp goes with --jti; a subject takes --before")
    if is_process_local(revocations.store):
        raise ValueError(
            "the token store keeps its entries in each process (STORE 'memory' or a LocMemCache), "
            "so a revocation made here cannot reach the running API: configure a shared store "
            "(REDIS_URL, or for Django STORE 'django-cache' on a Redis or Memcached cache)"
        )
    scope = revocations.resolve_issuer(issuer, all_issuers=all_issuers, spelled=OPTIONS)
    every = scope is None
    if jti is not None:
        expires_at = None if exp is None else parse_time(exp)
        return revocations.revoke_token(jti, expires_at=expires_at, issuer=scope, all_issuers=every)
    assert sub is not None  # noqa: S101 - exactly one of the two is set
    cutoff = None if before is None else parse_time(before)
    return revocations.revoke_subject(sub, before=cutoff, issuer=scope, all_issuers=every)


def parse_time(text: str) -> float:
    """Parse a command-line time: seconds since the epoch (``1767225600``) or ISO 8601
    (``2026-01-01T00:00:00Z``; without an offset, UTC)."""
    text = text.strip()
    try:
        return timestamp(float(text))
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a time: give seconds since the epoch or ISO 8601 "
            "such as 2026-01-01T00:00:00Z"
        ) from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()

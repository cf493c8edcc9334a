"""Revoking access tokens before they expire: one token by its ``jti``, or every token of a
subject issued before a time ("log out everywhere", a stolen laptop).

    revocations = validator.revocations  # on the validator's store (or Revocations.from_config)
    revocations.revoke_token("4f1c9a", expires_at=1767225600)  # that token's jti and exp
    revocations.revoke(access_token)  # e.g. in a logout view: its own jti, iss and exp
    revocations.revoke_subject("alice")  # every token of alice issued until now
    revocations.revoke_subject("alice", issuer="https://tenant-a.example/")  # several issuers
    revocations.revoke_subject("alice", all_issuers=True)  # alice of every issuer

A revocation holds for the tokens of one issuer (their ``iss``): with one trusted ``ISSUER``,
that one by default; with several, say which (``issuer=``), or ask for every issuer
(``all_issuers=True``): calling without either is a ``ValueError``, since a subject or ``jti``
of one tenant is not another's. With no ``ISSUER`` (``iss`` unchecked) nothing separates
issuers, and a revocation without ``issuer=`` holds under every issuer: the safe side, as a
revocation that misses a token would fail open.

Entries are kept only while they can matter:

- a revoked ``jti`` until its token's ``exp`` plus the leeway; without the ``exp``, for as long
  as any token may live (``MAX_LIFETIME``, else ``REVOCATION_TTL``) plus twice the leeway;
- a subject's cutoff ``T`` until ``T + MAX_LIFETIME + leeway``, the latest a token issued before
  ``T`` can be accepted. Without ``MAX_LIFETIME`` nothing bounds a token's lifetime, and the
  cutoff is kept for ``REVOCATION_TTL`` (one day by default) instead: a token issued before ``T``
  that lives longer than that is accepted again afterwards. Set ``MAX_LIFETIME``.

A subject keeps the later of two cutoffs, so a revocation is never weakened by accident. The
default cutoff is the next whole second: ``iat`` has second precision, so every token issued up
to the moment of the call is refused, and tokens issued from the next second on pass.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ..claims import iso_time
from ..errors import ConfigurationError
from ..issuers import Issuers
from ..token import AccessToken
from .base import EntryKind, TokenStore, describe_issuer, store_key
from .build import RevocationSettings, build_store
from .checks import parse_cutoff, token_issuer

Moment = float | int | datetime
"""A point in time: seconds since the epoch, or an aware ``datetime``."""

KEYWORDS = ("issuer=...", "all_issuers=True")
"""How Python code names the issuer of a revocation (the commands:
:data:`~jwtguard.stores.revoke_options.OPTIONS`)."""


@dataclass(frozen=True, slots=True)
class Revocation:
    """What a revocation stored."""

    kind: Literal["token", "subject"]
    identifier: str  # the jti or the sub
    cutoff: float | None  # subject: tokens issued (iat) before it are refused
    kept_until: float | None  # when the store forgets it; None: nothing stored, moot already
    issuer: str | None = None  # whose tokens: an iss ("" without one); None: every issuer

    def describe(self) -> str:
        """One line for an operator (the identifier is the operator's own input)."""
        whose = describe_issuer(self.issuer)
        what = (
            f"jti {self.identifier!r} {whose}"
            if self.kind == "token"
            else f"tokens of sub {self.identifier!r} {whose} issued before "
            f"{iso_time(self.cutoff or 0)}"
        )
        if self.kept_until is None:
            return f"{what}: nothing stored, no such token can be accepted any more"
        return f"revoked {what} (kept until {iso_time(self.kept_until)})"


class Revocations:
    """Revokes tokens in a :class:`~jwtguard.TokenStore` that validators check.

    Use the validator's own (``validator.revocations``, which shares even a memory store), or
    :meth:`from_config` in another process: that reaches the API only through a shared store
    (Redis, Django's cache). Store failures raise :class:`~jwtguard.StoreError`.
    """

    def __init__(
        self,
        store: TokenStore,
        *,
        prefix: str = "jwtguard:",
        leeway: float = 60.0,
        max_lifetime: float | None = None,
        revocation_ttl: float = 86400.0,
        issuers: Sequence[str] | Issuers = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.prefix = prefix
        # The trusted ones (ISSUER, TRUSTED_ISSUERS); empty: iss is not checked.
        self.issuers = issuers if isinstance(issuers, Issuers) else Issuers(issuers)
        self.leeway = leeway
        self.lifetime_bound = max_lifetime if max_lifetime is not None else revocation_ttl
        self.clock = clock

    @classmethod
    def from_config(
        cls,
        config: RevocationSettings,
        *,
        store: TokenStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> Revocations:
        """Revocations on the store a :class:`~jwtguard.GuardConfig` describes (``store``
        replaces it), dated by ``clock`` (a validator passes its own)."""
        if not config.revocation:
            raise ConfigurationError(
                ["REVOCATION is off: revocations would be stored but never checked"]
            )
        return cls(
            store if store is not None else build_store(config),
            prefix=config.store_prefix,
            leeway=config.leeway,
            max_lifetime=config.max_lifetime,
            revocation_ttl=config.revocation_ttl,
            issuers=config.accepted_issuers,
            clock=clock,
        )

    def resolve_issuer(
        self,
        issuer: str | None = None,
        *,
        all_issuers: bool = False,
        spelled: tuple[str, str] = KEYWORDS,
    ) -> str | None:
        """The issuer a revocation is about (``None``: every issuer), as the module docstring
        says; ``ValueError`` when it cannot be told. ``spelled`` names the two choices in the
        message (the commands name their options)."""
        name, every = spelled
        if all_issuers:
            if issuer is not None:
                raise ValueError(f"give {name} or {every}, not both")
            return None
        trusted = self.issuers
        if issuer is not None:
            _require_identifier("issuer", issuer)
            if trusted and not trusted.admits(issuer):
                listing = ", ".join(trusted.listing)
                raise ValueError(
                    f"{issuer!r} is not a trusted issuer ({listing}), so no token of it can be "
                    "accepted"
                )
            return issuer
        if trusted and trusted.only is None:  # several, or a template: many issuers
            raise ValueError(
                f"several issuers are trusted ({', '.join(trusted.listing)}): name the one whose "
                f"tokens to revoke ({name}), or revoke under every issuer ({every})"
            )
        return trusted.only

    def revoke_token(
        self,
        jti: str,
        *,
        expires_at: Moment | None = None,
        issuer: str | None = None,
        all_issuers: bool = False,
    ) -> Revocation:
        """Refuse the token with this ``jti`` from ``issuer`` (see :meth:`resolve_issuer`);
        ``expires_at`` is its ``exp`` (if known)."""
        _require_identifier("jti", jti)
        scope = self.resolve_issuer(issuer, all_issuers=all_issuers)
        return self._revoke_token(jti, scope, expires_at)

    def revoke(self, token: AccessToken) -> Revocation:
        """Refuse ``token`` from now on (a logout): by its own ``iss`` and ``jti``, until its
        ``exp``.

        Raises ``ValueError`` for a token without ``jti``; revoke its subject instead.
        """
        if token.token_id is None:
            raise ValueError("this token has no jti: use revoke_subject(token.subject)")
        exp = token.claims.get("exp")
        expires_at = exp if isinstance(exp, int | float) and not isinstance(exp, bool) else None
        return self._revoke_token(token.token_id, token_issuer(token.claims), expires_at)

    def revoke_subject(
        self,
        subject: str,
        *,
        before: Moment | None = None,
        issuer: str | None = None,
        all_issuers: bool = False,
    ) -> Revocation:
        """Refuse every token of ``subject`` from ``issuer`` (see :meth:`resolve_issuer`)
        issued before ``before`` (default: now)."""
        _require_identifier("sub", subject)
        scope = self.resolve_issuer(issuer, all_issuers=all_issuers)
        now = self.clock()
        cutoff = float(math.ceil(now)) if before is None else timestamp(before)
        key = store_key(self.prefix, "revoked-sub", subject, issuer=scope)
        current = self._cutoffs([key])
        if current is not None and current > cutoff:
            cutoff = current
        until = cutoff + self.lifetime_bound + self.leeway
        return self._store("subject", subject, scope, repr(cutoff), cutoff, until=until, now=now)

    def is_token_revoked(
        self, jti: str, *, issuer: str | None = None, all_issuers: bool = False
    ) -> bool:
        """Whether a token with this ``jti`` from ``issuer`` is revoked by its ``jti`` (under
        its issuer or every issuer); with ``all_issuers``, whether it is under every issuer."""
        keys = self._keys("revoked-jti", jti, self.resolve_issuer(issuer, all_issuers=all_issuers))
        return any(value is not None for value in self.store.get_many(keys))

    def subject_cutoff(
        self, subject: str, *, issuer: str | None = None, all_issuers: bool = False
    ) -> float | None:
        """The time before which ``subject``'s tokens from ``issuer`` are refused, if any
        (the later of its issuer's and every issuer's cutoff)."""
        scope = self.resolve_issuer(issuer, all_issuers=all_issuers)
        return self._cutoffs(self._keys("revoked-sub", subject, scope))

    def _keys(self, kind: EntryKind, identifier: str, scope: str | None) -> list[str]:
        """The keys a token of ``scope`` is checked against: its issuer's, every issuer's."""
        scopes = (None,) if scope is None else (scope, None)
        return [store_key(self.prefix, kind, identifier, issuer=s) for s in scopes]

    def _cutoffs(self, keys: list[str]) -> float | None:
        found = [parse_cutoff(value) for value in self.store.get_many(keys) if value is not None]
        return max(found, default=None)

    def _revoke_token(self, jti: str, scope: str | None, expires_at: Moment | None) -> Revocation:
        now = self.clock()
        if expires_at is None:
            until = now + self.lifetime_bound + 2 * self.leeway
        else:
            until = timestamp(expires_at) + self.leeway
        return self._store("token", jti, scope, "1", None, until=until, now=now)

    def _store(
        self,
        kind: Literal["token", "subject"],
        identifier: str,
        scope: str | None,
        value: str,
        cutoff: float | None,
        *,
        until: float,
        now: float,
    ) -> Revocation:
        if until <= now:
            return Revocation(kind, identifier, cutoff, None, scope)
        entry: EntryKind = "revoked-jti" if kind == "token" else "revoked-sub"
        self.store.put(store_key(self.prefix, entry, identifier, issuer=scope), value, until - now)
        return Revocation(kind, identifier, cutoff, until, scope)


def timestamp(moment: Moment) -> float:
    """Seconds since the epoch for a number or an aware ``datetime``."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError(f"{moment} has no time zone; use an aware datetime")
        return moment.timestamp()
    if isinstance(moment, bool) or not isinstance(moment, int | float) or not math.isfinite(moment):
        raise ValueError(f"{moment!r} is not a time: give seconds since the epoch or a datetime")
    return float(moment)


def _require_identifier(name: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"the {name} must be a non-empty string, got {value!r}")

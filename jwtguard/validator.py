"""``Validator``: decides whether an access token is acceptable (the design's §4 pipeline).

1. size limit, then compact-JWS syntax (no decoding of anything that is not canonical
   base64url);
2. header: a JSON object; no ``crit``; ``alg`` in the allow-list; optional ``typ`` check;
3. key selection by ``kid`` among trusted keys bound to that ``alg`` (never from the token);
4. signature;
5. claims (:mod:`jwtguard.claims`), then the binding: no ``cnf`` (a token bound to a key is
   refused: :func:`~jwtguard.claims.check_binding`);
6. revocation and 7. replay, on a token store when configured (:mod:`jwtguard.stores.checks`);
8. → :class:`~jwtguard.token.AccessToken` with its scopes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from types import MappingProxyType
from typing import Any

from .claims import ClaimRules, check_binding
from .config import GuardConfig
from .csrf import acheck_csrf, check_csrf
from .errors import (
    AlgorithmNotAllowed,
    CriticalHeaderUnsupported,
    SignatureInvalid,
    TokenMalformed,
    TokenMissing,
    TokenTooLarge,
    TypeInvalid,
)
from .extract import extract_token
from .jws import CompactJWS
from .keys.keyset import IssuerKeySources, KeySource, TrustedKey
from .request import RequestView
from .scopes import ScopeReader
from .sources import build_key_source
from .stores.base import TokenStore
from .stores.build import build_store
from .stores.checks import StoreChecks
from .stores.revocation import Revocations
from .token import AccessToken

_EXPLICIT_TYPE_PREFIX = "application/"


class Validator:
    """Validates access tokens against one :class:`GuardConfig`.

    ``validate(token)`` returns an :class:`AccessToken` or raises an
    :class:`~jwtguard.errors.AuthError`; nothing else escapes. ``validate_async`` does the same
    without blocking an event loop on a key fetch or a store. Thread-safe: it holds no
    per-request state. ``key_source`` replaces the configured keys (any
    :class:`~jwtguard.keys.KeySource`), ``store`` the configured token store.
    """

    def __init__(
        self,
        config: GuardConfig,
        *,
        key_source: KeySource | IssuerKeySources | None = None,
        store: TokenStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        source = key_source or build_key_source(config)
        self.key_source: KeySource | IssuerKeySources = source
        self._issuer_sources = source if isinstance(source, IssuerKeySources) else None
        self._key_source = None if isinstance(source, IssuerKeySources) else source
        self.clock = clock
        self._algorithms = frozenset(config.algorithms)
        self._max_bytes = config.max_token_bytes
        self._types = frozenset(_normalize_type(t) for t in config.token_types)
        self._read_scopes = ScopeReader(config.scope_claims)
        replay = config.replay_protection
        self.rules = ClaimRules(
            issuers=config.issuers,
            audiences=config.audiences,
            leeway=config.leeway,
            # Replay protection needs a jti to remember, and an exp to forget it at.
            required=(*config.required_claims, *(("jti", "exp") if replay else ())),
            max_lifetime=config.max_lifetime,
        )
        if store is None and (replay or config.revocation):
            store = build_store(config)
        self.store: TokenStore | None = store
        self._checks = (
            StoreChecks(
                store,
                revocation=config.revocation,
                replay=replay,
                leeway=config.leeway,
                prefix=config.store_prefix,
                fail_open=config.store_failure == "open",
            )
            if store is not None and (replay or config.revocation)
            else None
        )

    @property
    def revocations(self) -> Revocations:
        """Revocations on this validator's store (``REVOCATION`` must be on)."""
        return Revocations.from_config(self.config, store=self.store)

    def authenticate(self, request: RequestView, *, required: bool = True) -> AccessToken | None:
        """Extract the request's token and validate it (:meth:`accept`).

        Returns ``None`` only when the request carries no bearer token and ``required`` is
        false; a token that is present is always validated, and rejected if bad. The token's
        :attr:`~jwtguard.AccessToken.location` says where the request carried it. Adapters ask
        :meth:`Guard.decide <jwtguard.Guard.decide>` instead, which also applies a view's
        requirement and answers a refusal.
        """
        found = self._find(request, required=required)
        return None if found is None else self.accept(request, *found)

    async def authenticate_async(
        self, request: RequestView, *, required: bool = True
    ) -> AccessToken | None:
        """As :meth:`authenticate`, for async code: a key fetch never blocks the event loop."""
        found = self._find(request, required=required)
        return None if found is None else await self.accept_async(request, *found)

    def _find(self, request: RequestView, *, required: bool) -> tuple[str, str | None] | None:
        """The request's token and its location; ``None`` when it has none and ``required`` is
        false (when it is true, raise why there is none)."""
        found = extract_token(request, self.config)
        if found.token is not None:
            return found.token, found.location
        if required:
            raise found.missing_error()
        return None

    def accept(self, request: RequestView, token: str, location: str | None) -> AccessToken:
        """The ``token`` found in ``request`` at ``location``, validated: a cookie token on an
        unsafe method must first pass the CSRF check (:mod:`jwtguard.csrf`)."""
        check_csrf(request, location, self.config)
        return self._validate(token, location)

    async def accept_async(
        self, request: RequestView, token: str, location: str | None
    ) -> AccessToken:
        """As :meth:`accept`, for async code (see :meth:`validate_async`)."""
        await acheck_csrf(request, location, self.config)
        return await self._validate_async(token, location)

    def validate(self, token: str) -> AccessToken:
        """Validate one compact JWS access token."""
        return self._validate(token, None)

    def _validate(self, token: str, location: str | None) -> AccessToken:
        jws, algorithm, kid, source, claims = self._parse(token)
        keys = source.candidates(kid, algorithm)
        access, now = self._verify(jws, algorithm, keys, claims, location=location)
        if self._checks is not None:
            self._checks.check(access.claims, now)
        return access

    def peek(self, token: str, *, now: float | None = None) -> AccessToken:
        """As :meth:`validate`, but writing nothing: a ``jti`` is looked up in the replay
        state, never recorded as used. For diagnostics (``jwtguard explain``); ``now`` replaces
        the clock."""
        jws, algorithm, kid, source, claims = self._parse(token)
        keys = source.candidates(kid, algorithm)
        access, checked_at = self._verify(jws, algorithm, keys, claims, now)
        if self._checks is not None:
            self._checks.peek(access.claims, checked_at)
        return access

    async def validate_async(self, token: str) -> AccessToken:
        """As :meth:`validate`; a remote key source and a network store are asked from a
        worker thread."""
        return await self._validate_async(token, None)

    async def _validate_async(self, token: str, location: str | None) -> AccessToken:
        jws, algorithm, kid, source, claims = self._parse(token)
        fetch_async = getattr(source, "acandidates", None)
        if fetch_async is None:
            keys = source.candidates(kid, algorithm)
        else:
            keys = await fetch_async(kid, algorithm)
        access, now = self._verify(jws, algorithm, keys, claims, location=location)
        if self._checks is not None:
            await self._checks.acheck(access.claims, now)
        return access

    def _parse(
        self, token: str
    ) -> tuple[CompactJWS, str, str | None, KeySource, dict[str, Any] | None]:
        """Steps 1-3 up to key selection: the JWS, its alg and kid, and where its keys are."""
        if not isinstance(token, str):
            raise TokenMissing(detail="the token is not a string")
        if len(token) > self._max_bytes:
            raise TokenTooLarge(
                detail=f"the token is {len(token)} characters; the limit "
                f"(MAX_TOKEN_BYTES) is {self._max_bytes}"
            )
        jws = CompactJWS(token)
        header = jws.header
        algorithm = self.check_header(header)
        kid: str | None = header.get("kid")
        if self._key_source is not None:
            return jws, algorithm, kid, self._key_source, None
        assert self._issuer_sources is not None  # noqa: S101 - one of the two is always set
        # Multi-tenant: the (not yet verified) iss picks the issuer's keys; an untrusted iss is
        # refused here, before anything is fetched. The signature then proves the iss.
        claims = jws.payload()
        return jws, algorithm, kid, self._issuer_sources.for_issuer(claims.get("iss")), claims

    def _verify(
        self,
        jws: CompactJWS,
        algorithm: str,
        keys: Sequence[TrustedKey],
        claims: dict[str, Any] | None,
        now: float | None = None,
        *,
        location: str | None = None,
    ) -> tuple[AccessToken, float]:
        """Steps 4-5: signature, then claims and binding; the token and the time they were
        checked at."""
        signature = jws.signature()
        signing_input = jws.signing_input
        for key in keys:
            if key.verify(algorithm, signing_input, signature):
                break
        else:
            raise SignatureInvalid(
                detail=f"the {algorithm} signature does not match {_describe_keys(keys)}"
            )
        if claims is None:
            claims = jws.payload()
        if now is None:
            now = self.clock()
        self.rules.check(claims, now)
        check_binding(claims)
        access = AccessToken(
            claims=MappingProxyType(claims),
            header=MappingProxyType(jws.header),
            scopes=self._read_scopes(claims),
            location=location,
        )
        return access, now

    def check_header(self, header: dict[str, Any]) -> str:
        """Step 2 on a decoded header: no ``crit``, an allowed ``alg`` (returned), the ``typ``,
        a string ``kid`` if there is one."""
        if "crit" in header:
            raise CriticalHeaderUnsupported(
                detail=f"crit lists {_shorten(repr(header['crit']))}; jwtguard understands no "
                "critical header extension"
            )
        algorithm = header.get("alg")
        if not isinstance(algorithm, str):
            raise TokenMalformed(detail="the token header has no alg string")
        if algorithm not in self._algorithms:
            raise AlgorithmNotAllowed(
                detail=f"alg {_shorten(algorithm)!r} is not in ALGORITHMS "
                f"{sorted(self._algorithms)}"
            )
        if self._types:
            typ = header.get("typ")
            if not isinstance(typ, str) or _normalize_type(typ) not in self._types:
                raise TypeInvalid(
                    detail=f"typ {_shorten(repr(typ))} is not one of {sorted(self._types)}"
                )
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise TokenMalformed(detail="the token header's kid is not a string")
        return algorithm


def _normalize_type(media_type: str) -> str:
    """RFC 7515 §4.1.9: ``typ`` compares case-insensitively, ``application/`` may be omitted."""
    lowered = media_type.lower()
    return (
        lowered[len(_EXPLICIT_TYPE_PREFIX) :]
        if lowered.startswith(_EXPLICIT_TYPE_PREFIX)
        else lowered
    )


def _describe_keys(keys: Any) -> str:
    labels = [f"{key.label}" + (f" kid {key.kid!r}" if key.kid else "") for key in keys]
    return (
        "the trusted key " + ", ".join(labels)
        if len(labels) == 1
        else "any of the trusted keys " + ", ".join(labels)
    )


def _shorten(value: str, limit: int = 64) -> str:
    return value if len(value) <= limit else value[:limit] + "…"

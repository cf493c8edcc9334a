"""``Validator``: decides whether an access token is acceptable (the design's §4 pipeline).

Validation is one ordered sequence of named steps (:mod:`jwtguard.pipeline`), built once per
validator from the modules that own the rules:

1-4. size, syntax, header (``crit``, ``alg``, ``typ``, ``kid``), key, signature encoding,
     signature, payload (:mod:`jwtguard.token_steps`);
5.   the claim rules: required claims, types, ``exp``, ``nbf``, ``iat``, ``iss``, ``aud``,
     lifetime, then the ``CLAIM_RULES`` setting's (:mod:`jwtguard.claims`); then the binding:
     no ``cnf`` (:mod:`jwtguard.binding`);
6-7. revocation and replay, on a token store when configured (:mod:`jwtguard.stores.checks`);
8.   → :class:`~jwtguard.token.AccessToken` with its scopes and roles.

:meth:`Validator.validate` stops at the first failure, :meth:`Validator.peek` does too without
writing to a store, :meth:`Validator.diagnose` runs every step it can (``jwtguard explain``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import MappingProxyType

from .binding import BINDING
from .claim_values import read_rule, read_rules
from .claims import ClaimRules
from .config import GuardConfig
from .csrf import acheck_csrf, check_csrf
from .extract import extract_token
from .keys.keyset import IssuerKeySources, KeySource
from .pipeline import Diagnosis, Pipeline
from .request import RequestView
from .scopes import RoleReader, ScopeReader
from .sources import build_key_source
from .stores.base import TokenStore
from .stores.build import build_store
from .stores.checks import StoreChecks, store_steps
from .stores.revocation import Revocations
from .token import AccessToken
from .token_steps import TokenState, token_steps


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
        self.clock = clock
        self._read_scopes = ScopeReader(config.scope_claims)
        self._read_roles = RoleReader(config.role_claims)
        replay = config.replay_protection
        self.rules = ClaimRules(
            issuers=config.accepted_issuers,
            audiences=config.audiences,
            leeway=config.leeway,
            # Replay protection needs a jti to remember, and an exp to forget it at.
            required=(*config.required_claims, *(("jti", "exp") if replay else ())),
            max_lifetime=config.max_lifetime,
            values=read_rules(config.claim_rules),
            audience_fallback=(
                None if config.audience_fallback is None else read_rule(config.audience_fallback)
            ),
        )
        if store is None and (replay or config.revocation):
            store = build_store(config)
        self.store: TokenStore | None = store
        checks = (
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
        #: The steps of this configuration, in order: what every mode runs.
        self.pipeline: Pipeline[TokenState] = Pipeline(
            (
                *token_steps(
                    max_bytes=config.max_token_bytes,
                    algorithms=frozenset(config.algorithms),
                    token_types=config.token_types,
                    key_source=source,
                ),
                *self.rules.steps(),
                BINDING,
                *store_steps(checks),
            )
        )

    @property
    def revocations(self) -> Revocations:
        """Revocations on this validator's store and clock (``REVOCATION`` must be on)."""
        return Revocations.from_config(self.config, store=self.store, clock=self.clock)

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
        state = TokenState(token, self.clock)
        self.pipeline.run(state)
        return self._access(state, location)

    def peek(self, token: str, *, now: float | None = None) -> AccessToken:
        """As :meth:`validate`, but writing nothing: a ``jti`` is looked up in the replay
        state, never recorded as used. ``now`` replaces the clock."""
        state = self._state(token, now)
        self.pipeline.peek(state)
        return self._access(state, None)

    async def validate_async(self, token: str) -> AccessToken:
        """As :meth:`validate`; a remote key source and a network store are asked without
        blocking the event loop (a network store from a worker thread)."""
        return await self._validate_async(token, None)

    async def _validate_async(self, token: str, location: str | None) -> AccessToken:
        state = TokenState(token, self.clock)
        await self.pipeline.run_async(state)
        return self._access(state, location)

    def diagnose(self, token: str, *, now: float | None = None) -> Diagnosis:
        """Every step, in collect-all mode and writing nothing, for ``jwtguard explain``: each
        step's outcome, the first refusal (:meth:`validate`'s), and the token when none."""
        state = self._state(token, now)
        state.now = state.clock()  # the claims are judged even when the signature fails
        diagnosis = self.pipeline.diagnose(state)
        if diagnosis.error is None:
            diagnosis.token = self._access(state, None)
        return diagnosis

    def _state(self, token: str, now: float | None) -> TokenState:
        return TokenState(token, self.clock if now is None else lambda: now)

    def _access(self, state: TokenState, location: str | None) -> AccessToken:
        claims = state.claims
        return AccessToken(
            claims=MappingProxyType(claims),
            header=MappingProxyType(state.header),
            scopes=self._read_scopes(claims),
            location=location,
            roles=self._read_roles(claims),
        )

"""``Guard``: the one object every adapter talks to, and its one per-request decision.

An adapter wraps its request in a :class:`~jwtguard.request.RequestView`, calls
:meth:`Guard.decide` (or :meth:`Guard.decide_async` in async code) with what the view requires,
and translates the answer: the validated :class:`~jwtguard.AccessToken`, ``None`` for a request
that may go on without one, or the refusal as a complete :class:`~jwtguard.ErrorResponse`,
already audited and told to the listeners (both in :mod:`jwtguard.audit`). Every decision lives
here or below, so Django, DRF and Flask cannot drift apart:

- the token is found (:mod:`jwtguard.extract`), CSRF-checked (:mod:`jwtguard.csrf`) and
  validated once per request, however many decisions the request meets (a middleware, then a
  decorator...): the adapter keeps one :class:`RequestState` per request and passes it to each;
- a request without a token is refused unless the view's :class:`~jwtguard.scopes.Requirement`
  makes the token optional, or the pass-through rule lets it go (:meth:`requires_token`, asked
  only by an adapter that protects many views at once and so passes a
  :class:`~jwtguard.request.RouteView`);
- the token must pass the requirement's scope checks, then its role checks;
- a refusal is answered once: later decisions on the same request return the same answer.

Nothing a client chooses lets a request reach a view without a token: not the ``OPTIONS`` method,
not an ``Access-Control-Request-Method`` header (a "preflight" anyone can send). CORS preflights
are answered by the CORS layer placed above jwtguard; an ``OPTIONS`` request goes without a token
only where the framework itself answers it without running a view.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .audit import GuardListener, Listeners, log_rejection
from .challenge import ErrorResponse, render_error, www_authenticate
from .config import GuardConfig
from .csrf import acheck_csrf, check_csrf
from .errors import AuthError, TokenMissing
from .extract import Extraction, extract_token
from .request import RequestView, RouteView
from .scopes import ANY_TOKEN, Requirement
from .stores.revocation import Revocations
from .token import AccessToken
from .validator import Validator

Answer = AccessToken | ErrorResponse | None
"""What :meth:`Guard.decide` answers: the token, a refusal to send, or ``None`` (no token, and
none needed)."""


@dataclass(slots=True)
class RequestState:
    """What a guard has read and decided of one request; an adapter keeps one per request and
    passes it to every decision, so the token is found and validated once, and a refusal is
    answered (and audited) once."""

    read: bool = False
    extraction: Extraction | None = None
    #: The validated token (also when a later check refused the request).
    token: AccessToken | None = None
    #: The refusal, once there is one: its error and the answer sent for it.
    error: AuthError | None = None
    refusal: ErrorResponse | None = None

    def missing_error(self) -> AuthError:
        """Why the request has no bearer token (``token_missing``, ``unsupported_scheme``)."""
        return self.extraction.missing_error() if self.extraction else TokenMissing()


class Guard:
    """A configured validator plus the request-level decision around it."""

    def __init__(self, config: GuardConfig, *, validator: Validator | None = None) -> None:
        self.config = config
        self.validator = validator or Validator(config)
        self._exempt = [re.compile(pattern) for pattern in config.exempt_paths]
        self.listeners = Listeners()

    def add_listener(self, listener: GuardListener) -> None:
        """Have ``listener`` told of every validated token and every rejection."""
        self.listeners.add(listener)

    # --- the decision ---------------------------------------------------------------------------

    def decide(
        self,
        request: RequestView,
        requirement: Requirement = ANY_TOKEN,
        *,
        state: RequestState | None = None,
        route: RouteView | None = None,
        csrf_exempt: bool = False,
    ) -> Answer:
        """Whether ``request`` may reach a view that asks ``requirement`` of its token.

        Returns the validated token; ``None`` when the request has none and may go without
        one; or the refusal, rendered, audited and told to the listeners: send it as it is.

        ``state``: the request's :class:`RequestState`, for an adapter that may decide more
        than once per request. ``route``: given by an adapter that protects many views at once
        (a middleware, a whole app or blueprint), whose requirement the pass-through rule may
        lift (:meth:`requires_token`); a view's own decorator gives none, so ``EXEMPT_PATHS``
        and exempt marks do not lift it. ``csrf_exempt``: the adapter switched its framework's
        CSRF protection off for the view, so a query or form token on an unsafe request must
        pass the framework's CSRF check here (see :mod:`jwtguard.csrf`).
        """
        state = RequestState() if state is None else state
        if state.refusal is not None:
            return state.refusal
        try:
            token = self._applies(request, self._read(request, state), requirement, route, state)
            if token is not None:
                if csrf_exempt:
                    check_csrf(request, token.location, self.config, unvouched=True)
                requirement.authorize(token)
        except AuthError as error:
            return self.reject(error, request, state=state)
        return state.token

    async def decide_async(
        self,
        request: RequestView,
        requirement: Requirement = ANY_TOKEN,
        *,
        state: RequestState | None = None,
        route: RouteView | None = None,
        csrf_exempt: bool = False,
    ) -> Answer:
        """As :meth:`decide`, for async code: what may wait (a key fetch, a store, a framework
        CSRF check that may query, the view's ``acsrf_failure``) is awaited here, without
        blocking the event loop; :meth:`decide` then concludes on what was read."""
        state = RequestState() if state is None else state
        if state.refusal is None:
            try:
                token = await self._aread(request, state)
                if csrf_exempt and token is not None and not self._passes(request, route):
                    await acheck_csrf(request, token.location, self.config, unvouched=True)
            except AuthError as error:
                return self.reject(error, request, state=state)
        return self.decide(request, requirement, state=state, route=route)

    def _read(self, request: RequestView, state: RequestState) -> AccessToken | None:
        """The request's token, found and validated on the first decision only."""
        if not state.read:
            extraction = self._find(request, state)
            if extraction.token is not None:
                found = self.validator.accept(request, extraction.token, extraction.location)
                self._validated(request, state, found)
        return state.token

    async def _aread(self, request: RequestView, state: RequestState) -> AccessToken | None:
        """:meth:`_read` for async code."""
        if not state.read:
            extraction = self._find(request, state)
            if extraction.token is not None:
                found = await self.validator.accept_async(
                    request, extraction.token, extraction.location
                )
                self._validated(request, state, found)
        return state.token

    def _find(self, request: RequestView, state: RequestState) -> Extraction:
        state.read = True
        state.extraction = extract_token(request, self.config)
        return state.extraction

    def _validated(self, request: RequestView, state: RequestState, token: AccessToken) -> None:
        state.token = token
        if self.listeners:
            self.listeners.validated(request, token)

    def _applies(
        self,
        request: RequestView,
        token: AccessToken | None,
        requirement: Requirement,
        route: RouteView | None,
        state: RequestState,
    ) -> AccessToken | None:
        """The token ``requirement`` applies to: ``None`` when the request has none and may go
        without one, or when the pass-through rule lifts the requirement (a token that came is
        valid; nothing more is asked of it). Raises why a request without a token is refused."""
        if token is None:
            if requirement.optional or self._passes(request, route):
                return None
            raise state.missing_error()
        if requirement.checks and self._passes(request, route):
            return None
        return token

    def _passes(self, request: RequestView, route: RouteView | None) -> bool:
        if route is None:
            return False
        return not self.requires_token(
            request, exempt_view=route.exempt, answered_without_view=route.answered_without_view
        )

    def requires_token(
        self,
        request: RequestView,
        *,
        exempt_view: bool = False,
        answered_without_view: bool = False,
    ) -> bool:
        """Whether ``request`` must carry a token: the pass-through rule of :meth:`decide`.

        It may go without one only when its path matches ``EXEMPT_PATHS``, when the adapter
        reports that its view is marked exempt (``@jwt_exempt``), or when it is an ``OPTIONS``
        request that the framework answers itself without running a view
        (``answered_without_view``, such as Flask's automatic ``OPTIONS`` response). A token
        that is present is validated either way.
        """
        if exempt_view or self.is_exempt(request.path):
            return False
        return not (answered_without_view and request.method.upper() == "OPTIONS")

    def is_exempt(self, path: str) -> bool:
        """Whether ``path`` matches one of ``EXEMPT_PATHS`` as a whole (``re.fullmatch``)."""
        return any(pattern.fullmatch(path) for pattern in self._exempt)

    # --- refusals -------------------------------------------------------------------------------

    def reject(
        self, error: AuthError, request: RequestView, *, state: RequestState | None = None
    ) -> ErrorResponse:
        """The answer to ``request`` refused with ``error``: audit-logged, listeners told.

        With the request's ``state``, the audit record reuses what the decision read, and an
        error already answered (the one a decision refused with) is not recorded again: an
        adapter may render any :class:`~jwtguard.AuthError` raised while handling a request
        here. :meth:`render` only renders.
        """
        state = RequestState() if state is None else state
        if state.refusal is not None and state.error is error:
            return state.refusal
        if not state.read:
            with contextlib.suppress(AuthError):  # for the record's token facts only
                self._find(request, state)
        found = state.extraction.token if state.extraction else None
        record = log_rejection(error, request, self.config, state.token or found)
        if self.listeners:
            self.listeners.rejected(request, error, record)
        state.error, state.refusal = error, self.render(error)
        return state.refusal

    def render(self, error: AuthError) -> ErrorResponse:
        """The complete HTTP answer for ``error`` (no logging, no events)."""
        return render_error(error, self.config)

    def challenge(self) -> str:
        """The ``WWW-Authenticate`` value for a request without credentials (RFC 6750 §3)."""
        return www_authenticate(TokenMissing(), self.config)

    # --- building blocks for callers that render errors themselves ------------------------------

    def authenticate(self, request: RequestView, *, required: bool = True) -> AccessToken | None:
        """The request's validated token; ``None`` only if it has none and ``required`` is false.

        Raises :class:`~jwtguard.errors.AuthError` for a bad request or token, and for a missing
        one when ``required`` (nothing is audited: adapters use :meth:`decide`).
        """
        state = RequestState()
        if self._read(request, state) is None and required:
            raise state.missing_error()
        return state.token

    async def authenticate_async(
        self, request: RequestView, *, required: bool = True
    ) -> AccessToken | None:
        """As :meth:`authenticate`, for async views: a key fetch never blocks the event loop."""
        state = RequestState()
        if await self._aread(request, state) is None and required:
            raise state.missing_error()
        return state.token

    def authorize(
        self,
        token: AccessToken,
        scopes: str | Iterable[str] = (),
        *,
        any_of: str | Iterable[str] = (),
        roles: str | Iterable[str] = (),
        any_roles: str | Iterable[str] = (),
    ) -> None:
        """Raise :class:`~jwtguard.errors.InsufficientScope` unless the scopes are granted,
        :class:`~jwtguard.errors.InsufficientRole` unless the roles are held (as a view's
        :class:`~jwtguard.scopes.Requirement` would)."""
        Requirement.of(scopes, any_of, roles=roles, any_roles=any_roles).authorize(token)

    @property
    def revocations(self) -> Revocations:
        """Revoke tokens on the validator's store (``REVOCATION`` must be on)."""
        return self.validator.revocations

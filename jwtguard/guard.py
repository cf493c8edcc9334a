"""``Guard``: the one object every adapter talks to.

An adapter wraps its request in a :class:`~jwtguard.request.RequestView`, asks the guard whether
the request needs a token at all, to authenticate it and to authorize scopes, and renders any
:class:`~jwtguard.errors.AuthError` with :meth:`Guard.render`. Every decision lives here or below,
so Django, DRF and Flask cannot drift apart.

Adapters answer every refusal with :meth:`Guard.reject`, which also writes the audit record
(:mod:`jwtguard.audit`) and tells the listeners (:mod:`jwtguard.events`), so observability is
the same in every framework too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .audit import log_rejection
from .challenge import ErrorResponse, render_error, www_authenticate
from .config import GuardConfig
from .errors import AuthError, TokenMissing
from .events import GuardListener, Listeners
from .extract import is_cors_preflight
from .request import RequestView
from .revocation import Revocations
from .scopes import require_scopes
from .token import AccessToken
from .validator import Validator


class Guard:
    """A configured validator plus the request-level decisions around it."""

    def __init__(self, config: GuardConfig, *, validator: Validator | None = None) -> None:
        self.config = config
        self.validator = validator or Validator(config)
        self._exempt = [re.compile(pattern) for pattern in config.exempt_paths]
        self.listeners = Listeners()

    def add_listener(self, listener: GuardListener) -> None:
        """Have ``listener`` told of every validated token and every rejection."""
        self.listeners.add(listener)

    def skips(self, request: RequestView) -> bool:
        """Whether ``request`` is left alone: a CORS preflight or an ``EXEMPT_PATHS`` match."""
        return is_cors_preflight(request) or self.is_exempt(request.path)

    def is_exempt(self, path: str) -> bool:
        return any(pattern.match(path) for pattern in self._exempt)

    def authenticate(self, request: RequestView, *, required: bool = True) -> AccessToken | None:
        """The request's validated token; ``None`` only if it has none and ``required`` is false.

        Raises :class:`~jwtguard.errors.AuthError` for a bad request or token, and for a missing
        one when ``required``.
        """
        token = self.validator.authenticate(request, required=required)
        if token is not None and self.listeners:
            self.listeners.validated(request, token)
        return token

    async def authenticate_async(
        self, request: RequestView, *, required: bool = True
    ) -> AccessToken | None:
        """As :meth:`authenticate`, for async views: a key fetch never blocks the event loop."""
        token = await self.validator.authenticate_async(request, required=required)
        if token is not None and self.listeners:
            self.listeners.validated(request, token)
        return token

    def authorize(
        self,
        token: AccessToken,
        scopes: str | Iterable[str] = (),
        *,
        any_of: str | Iterable[str] = (),
    ) -> None:
        """Raise :class:`~jwtguard.errors.InsufficientScope` unless the scopes are granted."""
        require_scopes(token, scopes, any_of=any_of)

    def reject(self, error: AuthError, request: RequestView) -> ErrorResponse:
        """The answer to ``request`` refused with ``error``: audit-logged, listeners told.

        Adapters call this once per refused request; :meth:`render` only renders.
        """
        record = log_rejection(error, request, self.config)
        if self.listeners:
            self.listeners.rejected(request, error, record)
        return self.render(error)

    @property
    def revocations(self) -> Revocations:
        """Revoke tokens on the validator's store (``REVOCATION`` must be on)."""
        return self.validator.revocations

    def render(self, error: AuthError) -> ErrorResponse:
        """The complete HTTP answer for ``error`` (no logging, no events)."""
        return render_error(error, self.config)

    def challenge(self) -> str:
        """The ``WWW-Authenticate`` value for a request without credentials (RFC 6750 §3)."""
        return www_authenticate(TokenMissing(), self.config)

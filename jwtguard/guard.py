"""``Guard``: the one object every adapter talks to.

An adapter wraps its request in a :class:`~jwtguard.request.RequestView`, asks the guard whether
the request needs a token at all (:meth:`Guard.requires_token`), to authenticate it and to
authorize scopes, and renders any :class:`~jwtguard.errors.AuthError` with :meth:`Guard.render`.
Every decision lives here or below, so Django, DRF and Flask cannot drift apart.

Nothing a client chooses lets a request reach a view without a token: not the ``OPTIONS`` method,
not an ``Access-Control-Request-Method`` header (a "preflight" anyone can send). CORS preflights
are answered by the CORS layer placed above jwtguard; an ``OPTIONS`` request goes without a token
only where the framework itself answers it without running a view.

Adapters answer every refusal with :meth:`Guard.reject`, which also writes the audit record
and tells the listeners (both in :mod:`jwtguard.audit`), so observability is the same in every
framework too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .audit import GuardListener, Listeners, log_rejection
from .challenge import ErrorResponse, render_error, www_authenticate
from .config import GuardConfig
from .errors import AuthError, TokenMissing
from .request import RequestView
from .scopes import require_scopes
from .stores.revocation import Revocations
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

    def requires_token(
        self,
        request: RequestView,
        *,
        exempt_view: bool = False,
        answered_without_view: bool = False,
    ) -> bool:
        """Whether ``request`` must carry a token: the one rule for every adapter.

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

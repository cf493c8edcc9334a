"""The access token of the current request: ``current_token`` and ``get_current_token()``."""

from __future__ import annotations

from typing import cast

from flask import request
from werkzeug.local import LocalProxy

from jwtguard import AccessToken
from jwtguard.adapters import RequestState

_ENVIRON_KEY = "jwtguard.state"


def request_state() -> RequestState:
    """What jwtguard has read and decided of the current request (one per request)."""
    state = request.environ.get(_ENVIRON_KEY)
    if not isinstance(state, RequestState):
        state = request.environ[_ENVIRON_KEY] = RequestState()
    return state


def get_current_token() -> AccessToken | None:
    """The validated token of the current request, or ``None`` when it has none (yet).

    Use this in views whose authentication is optional; it never raises for a missing token.
    """
    state = request.environ.get(_ENVIRON_KEY)
    return state.token if isinstance(state, RequestState) else None


def _require_current_token() -> AccessToken:
    token = get_current_token()
    if token is None:
        raise RuntimeError(
            "This request has no access token: the view is not protected by jwtguard, or its "
            "authentication is optional and the client sent none. Use get_current_token() "
            "where the token may be absent."
        )
    return token


current_token = cast(AccessToken, LocalProxy(_require_current_token))
"""The current request's :class:`~jwtguard.AccessToken`, as a context-local proxy.

Falsy when the request has no token, so ``if current_token:`` works in optional views; any
other use without a token raises ``RuntimeError``. Typed code can call
:func:`get_current_token` instead.
"""

"""``verify_request``: authenticate and authorize the current Flask request with the core guard.

The decorators and blueprint protection both come here, so every path decides the same way. A
failure raises the core's :class:`~jwtguard.AuthError`, which the extension's error handler
renders.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import request

from jwtguard import AccessToken, Guard
from jwtguard.adapters import scope_list

from .globals import get_current_token, remember_token
from .request import FlaskRequestView
from .state import get_state


def verify_request(
    *,
    scopes: str | Iterable[str] = (),
    any_of: str | Iterable[str] = (),
    optional: bool = False,
) -> AccessToken | None:
    """The current request's validated token, with ``scopes`` (all) and ``any_of`` (one) granted.

    With ``optional``, a request *without* a token passes and gets ``None``; a token that is
    present is still validated and authorized, and rejected if bad. A token validated earlier in
    the same request (by blueprint protection, say) is reused, not validated twice.
    """
    guard = get_state().guard
    token = get_current_token()
    if token is None:
        token = guard.authenticate(FlaskRequestView(request), required=not optional)
    return _authorize(guard, token, scopes, any_of)


async def verify_request_async(
    *,
    scopes: str | Iterable[str] = (),
    any_of: str | Iterable[str] = (),
    optional: bool = False,
) -> AccessToken | None:
    """As :func:`verify_request`, for async views: fetching keys does not block the loop."""
    guard = get_state().guard
    token = get_current_token()
    if token is None:
        request_view = FlaskRequestView(request)
        token = await guard.authenticate_async(request_view, required=not optional)
    return _authorize(guard, token, scopes, any_of)


def _authorize(
    guard: Guard,
    token: AccessToken | None,
    scopes: str | Iterable[str],
    any_of: str | Iterable[str],
) -> AccessToken | None:
    if token is None:
        return None
    remember_token(token)
    guard.authorize(token, scope_list(scopes), any_of=scope_list(any_of))
    return token

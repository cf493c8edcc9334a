"""The core's decision for the current Flask request, shared by the decorators and protection.

:func:`decide` (:func:`decide_async` in async views) asks :meth:`Guard.decide
<jwtguard.Guard.decide>` with the request's one :class:`~jwtguard.adapters.RequestState`, kept in
the WSGI environ: the token is found and validated once per request, however many decorators and
protections the request meets, and a refusal is answered (and audited) once. A refusal is raised
as its :class:`~jwtguard.AuthError`, which the extension's error handler renders: with the answer
already decided, so a user's own handler for ``AuthError`` sees every refusal too.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import request

from jwtguard import AccessToken, ErrorResponse
from jwtguard.adapters import ANY_TOKEN, Answer, RequestState, Requirement, RouteView

from .globals import request_state
from .request import FlaskRequestView
from .state import get_state


def verify_request(
    *,
    scopes: str | Iterable[str] = (),
    any_of: str | Iterable[str] = (),
    roles: str | Iterable[str] = (),
    any_roles: str | Iterable[str] = (),
    optional: bool = False,
) -> AccessToken | None:
    """The current request's validated token, with ``scopes`` (all) and ``any_of`` (one)
    granted, ``roles`` (all) and ``any_roles`` (one) held.

    With ``optional``, a request *without* a token passes and gets ``None``; a token that is
    present is still validated and authorized, and rejected if bad. A token validated earlier in
    the same request (by blueprint protection, say) is reused, not validated twice. A refusal
    raises its :class:`~jwtguard.AuthError`, which the extension renders.
    """
    return decide(
        Requirement.of(scopes, any_of, roles=roles, any_roles=any_roles, optional=optional)
    )


def decide(
    requirement: Requirement = ANY_TOKEN, *, route: RouteView | None = None
) -> AccessToken | None:
    """The core's decision for the current request; raises a refusal (see module docstring)."""
    state = request_state()
    answer = get_state().guard.decide(
        FlaskRequestView(request), requirement, state=state, route=route
    )
    return _accepted(answer, state)


async def decide_async(requirement: Requirement = ANY_TOKEN) -> AccessToken | None:
    """As :func:`decide`, for async views: fetching keys does not block the loop."""
    state = request_state()
    answer = await get_state().guard.decide_async(
        FlaskRequestView(request), requirement, state=state
    )
    return _accepted(answer, state)


def _accepted(answer: Answer, state: RequestState) -> AccessToken | None:
    if isinstance(answer, ErrorResponse):
        assert state.error is not None  # noqa: S101 - a refusal always has its error
        raise state.error
    return answer

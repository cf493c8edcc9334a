"""The core's decision for one Django request, shared by the middleware, the decorators and DRF.

:func:`decide` (:func:`adecide` in async code) asks :meth:`Guard.decide <jwtguard.Guard.decide>`
with the request's one :class:`~jwtguard.adapters.RequestState`, kept on the request: the first
of them to ask finds and validates the token, the others reuse it, and a refusal is answered
(and audited) once. An accepted token's user is resolved once and attached. :func:`respond`
renders a refusal; :func:`get_token` is the typed way to read the token.

The middleware may leave its refusal to the view's DRF authentication (:func:`leave_refusal`),
so that DRF answers it as it would without the middleware: the DRF classes decide again, get
the same refusal and raise it (:func:`took_refusal`); :func:`unanswered_refusal` tells the
middleware if nothing did.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from jwtguard import AccessToken, AuthError, ErrorResponse
from jwtguard.adapters import ANY_TOKEN, Answer, RequestState, Requirement, RouteView, csrf_settled

from .conf import get_settings
from .request import DjangoRequest
from .users import aresolve_user, resolve_user

_STATE = "_jwtguard"
CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"


@dataclass(slots=True)
class _Seen:
    """What jwtguard keeps on one Django request."""

    view: DjangoRequest
    state: RequestState = field(default_factory=RequestState)
    user: Any = None
    left: bool = False  # the middleware left its refusal to the view's DRF authentication


def decide(
    request: HttpRequest,
    requirement: Requirement = ANY_TOKEN,
    *,
    route: RouteView | None = None,
    csrf_exempt: bool = False,
    attach: bool = True,
) -> Answer:
    """The core's answer for ``request`` (:meth:`Guard.decide <jwtguard.Guard.decide>`); an
    accepted token's user is attached unless ``attach`` is false. ``csrf_exempt``: the view is
    exempt from ``CsrfViewMiddleware``, whose check jwtguard then makes where it would apply."""
    settings, seen = get_settings(), _seen(request)
    answer = settings.guard.decide(
        seen.view,
        requirement,
        state=seen.state,
        route=route,
        csrf_exempt=csrf_exempt and _csrf_middleware_installed(),
    )
    if not attach or not isinstance(answer, AccessToken):
        return answer
    try:
        user = seen.user if seen.user is not None else resolve_user(answer, settings)
    except AuthError as error:
        return settings.guard.reject(error, seen.view, state=seen.state)
    _attach(request, seen, answer, user)
    return answer


async def adecide(
    request: HttpRequest,
    requirement: Requirement = ANY_TOKEN,
    *,
    route: RouteView | None = None,
    csrf_exempt: bool = False,
    attach: bool = True,
) -> Answer:
    """:func:`decide` for async code: a key fetch, a store, Django's CSRF check and a
    ``USER_RESOLVER`` never block the event loop."""
    settings, seen = get_settings(), _seen(request)
    answer = await settings.guard.decide_async(
        seen.view,
        requirement,
        state=seen.state,
        route=route,
        csrf_exempt=csrf_exempt and _csrf_middleware_installed(),
    )
    if not attach or not isinstance(answer, AccessToken):
        return answer
    try:
        user = seen.user if seen.user is not None else await aresolve_user(answer, settings)
    except AuthError as error:
        return settings.guard.reject(error, seen.view, state=seen.state)
    _attach(request, seen, answer, user)
    return answer


def respond(answer: ErrorResponse) -> HttpResponse:
    """The core's answer as a Django response, byte for byte."""
    return HttpResponse(answer.body, status=answer.status, headers=dict(answer.headers))


def get_token(request: HttpRequest) -> AccessToken | None:
    """The request's validated access token (Django's or DRF's request), or ``None`` if it
    carried none or nothing checked it (no middleware, decorator or DRF authentication ran)."""
    seen = getattr(request, _STATE, None)  # DRF's Request reads its HttpRequest's
    return seen.state.token if isinstance(seen, _Seen) else None


def user_of(request: HttpRequest) -> Any:
    """The user attached for the request's token (``None`` before)."""
    return _seen(request).user


def unwrap(request: HttpRequest) -> HttpRequest:
    """Django's ``HttpRequest``, also when given DRF's ``Request`` (which wraps one)."""
    inner = getattr(request, "_request", None)
    return inner if isinstance(inner, HttpRequest) else request


def leave_refusal(request: HttpRequest) -> None:
    """Leave the request's refusal for the view's DRF authentication to raise."""
    _seen(request).left = True


def took_refusal(request: HttpRequest) -> None:
    """The view's DRF classes raised the request's refusal (if it was left, it is answered)."""
    _seen(request).left = False


def unanswered_refusal(request: HttpRequest) -> bool:
    """Whether the refusal left to the view was never raised by it."""
    return _seen(request).left


def _seen(request: HttpRequest) -> _Seen:
    seen = getattr(request, _STATE, None)  # DRF's Request reads its HttpRequest's
    if not isinstance(seen, _Seen):
        request = unwrap(request)
        seen = _Seen(DjangoRequest(request))
        setattr(request, _STATE, seen)
    return seen


@functools.cache
def _csrf_middleware_installed() -> bool:
    """Whether ``CsrfViewMiddleware`` is installed (read once, again when ``MIDDLEWARE``
    changes)."""
    return CSRF_MIDDLEWARE in django_settings.MIDDLEWARE


@receiver(setting_changed)
def _middleware_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "MIDDLEWARE":
        _csrf_middleware_installed.cache_clear()


def _attach(request: HttpRequest, seen: _Seen, token: AccessToken, user: Any) -> None:
    """Set ``request.user`` (and ``request.auser``) to the token's user, once resolved.

    And let ``CsrfViewMiddleware`` pass a request whose CSRF question jwtguard has settled: a
    header token cannot come from another site's page, and a cookie token on an unsafe method
    has passed Django's check already (:mod:`jwtguard.csrf`). Query and form tokens have not.
    """
    if csrf_settled(token.location):
        request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
    seen.user = user

    async def auser() -> Any:
        return user

    request.user = user
    request.auser = auser

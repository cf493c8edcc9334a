"""``JWTGuardMiddleware``: one token validation per request, in sync and async stacks.

Per request: a present token is validated (in async stacks without blocking the event loop on a
key fetch; a bad token is refused on every path, exempt or not); a valid one is attached
(:func:`~jwtguard_django.get_token`, ``request.user``). A request without a token is refused
unless ``MODE`` is ``"annotate"`` or the core's :meth:`~jwtguard.Guard.requires_token` lets it go
(its path matches ``EXEMPT_PATHS``, its view is marked
:func:`~jwtguard_django.decorators.jwt_exempt`). ``OPTIONS`` requests are no exception: Django
runs a view for them, so CORS preflights are answered by django-cors-headers' ``CorsMiddleware``
placed above this one (system check ``jwtguard.W003``). Every refusal is the core's answer,
rendered by :func:`~jwtguard_django.auth.reject`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve

from jwtguard import AuthError

from .auth import aattach_user, aauthenticate, attach_user, authenticate, missing_token, reject
from .conf import GuardSettings, get_settings
from .request import DjangoRequest

GetResponse = Callable[[HttpRequest], HttpResponseBase | Awaitable[HttpResponseBase]]


class JWTGuardMiddleware:
    """Validates bearer tokens for every request; see the module docstring."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)
        get_settings()  # a wrong configuration stops the start-up, not the first request

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        settings = get_settings()
        try:
            token = authenticate(request, settings.guard)
            if token is None:
                _may_go_without(request, settings)
            else:
                attach_user(request, token, settings)
        except AuthError as error:
            return reject(request, error, settings.guard)
        return self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        settings = get_settings()
        try:
            token = await aauthenticate(request, settings.guard)
            if token is None:
                _may_go_without(request, settings)
            else:
                await aattach_user(request, token, settings)
        except AuthError as error:
            return reject(request, error, settings.guard)
        return await cast(Awaitable[HttpResponseBase], self.get_response(request))


def _may_go_without(request: HttpRequest, settings: GuardSettings) -> None:
    """Raise why a request without a token is refused, unless it may go on without one."""
    if not settings.enforcing:
        return
    view = DjangoRequest(request)
    if settings.guard.requires_token(view, exempt_view=_view_is_exempt(request)):
        raise missing_token(request, settings.guard)


def _view_is_exempt(request: HttpRequest) -> bool:
    """Whether the view the URLconf picks for this request is marked ``@jwt_exempt``."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False  # unknown paths are not exempt: no token, no 404 to probe routes with
    view = match.func
    return bool(
        getattr(view, "jwt_exempt", False)
        or getattr(getattr(view, "view_class", None), "jwt_exempt", False)
    )

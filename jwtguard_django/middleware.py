"""``JWTGuardMiddleware``: one token validation per request, in sync and async stacks.

Per request: a CORS preflight passes untouched; a present token is validated (a bad one is
refused on every path, exempt or not); a valid one is attached (:func:`~jwtguard_django.get_token`,
``request.user``). A request without a token is refused unless ``MODE`` is ``"annotate"``, its
path matches ``EXEMPT_PATHS`` or its view is marked :func:`~jwtguard_django.decorators.jwt_exempt`.
Every refusal is the core's answer, rendered by :func:`~jwtguard_django.auth.reject`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve

from jwtguard import AccessToken, AuthError

from .auth import aattach_user, attach_user, authenticate, is_preflight, reject, require_token
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
            token = self._check(request, settings)
            if token is not None:
                attach_user(request, token, settings)
        except AuthError as error:
            return reject(error, settings.guard)
        return self.get_response(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        settings = get_settings()
        try:
            token = self._check(request, settings)  # CPU only: signature and claims
            if token is not None:
                await aattach_user(request, token, settings)
        except AuthError as error:
            return reject(error, settings.guard)
        return await cast(Awaitable[HttpResponseBase], self.get_response(request))

    def _check(self, request: HttpRequest, settings: GuardSettings) -> AccessToken | None:
        """The request's token, ``None`` if it may go on without one, or raise why not."""
        guard = settings.guard
        if is_preflight(request):
            return None
        token = authenticate(request, guard)
        if token is not None or not settings.enforcing:
            return token
        if guard.is_exempt(DjangoRequest(request).path) or _view_is_exempt(request):
            return None
        return require_token(request, guard)


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

"""``JWTGuardMiddleware``: one token validation per request, in sync and async stacks.

Per request: a present token is validated (in async stacks without blocking the event loop on a
key fetch; a bad token is refused on every path, exempt or not); a valid one is attached
(:func:`~jwtguard_django.get_token`, ``request.user``). A request without a token is refused
unless ``MODE`` is ``"annotate"`` or the core's :meth:`~jwtguard.Guard.requires_token` lets it go
(its path matches ``EXEMPT_PATHS``, its view is marked
:func:`~jwtguard_django.decorators.jwt_exempt`). ``OPTIONS`` requests are no exception: Django
runs a view for them, so CORS preflights are answered by django-cors-headers' ``CorsMiddleware``
placed above this one (system check ``jwtguard.W003``). Every refusal is the core's answer,
rendered by :func:`~jwtguard_django.auth.respond`: the middleware builds the request's view and
route, asks the core's decision (:func:`~jwtguard_django.auth.decide`) and renders its answer.

A refusal of a request to a DRF view that authenticates with
:class:`~jwtguard_django.drf.JWTAuthentication` first is left to that view instead
(:func:`~jwtguard_django.auth.leave_refusal`), already audited: DRF raises it and renders it
through its exception pipeline (the project's ``EXCEPTION_HANDLER`` included), so a DRF view
answers the same with or without this middleware. Should the view answer without raising it (its
authentication never ran), the middleware replaces that answer with its own refusal.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Callable
from functools import cached_property
from typing import Any, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, resolve

from jwtguard import ErrorResponse
from jwtguard.adapters import ANY_TOKEN, OPTIONAL, Requirement

from .auth import adecide, decide, leave_refusal, respond, unanswered_refusal
from .conf import get_settings

GetResponse = Callable[[HttpRequest], HttpResponseBase | Awaitable[HttpResponseBase]]
logger = logging.getLogger("jwtguard")


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
        route = _Route(request)
        answer = decide(request, _requirement(), route=route)
        if not isinstance(answer, ErrorResponse):
            return self.get_response(request)
        if not _left_to_drf(request, route):
            return respond(answer)
        return _answered(request, cast(HttpResponseBase, self.get_response(request)), answer, route)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        route = _Route(request)
        answer = await adecide(request, _requirement(), route=route)
        get_response = cast(Callable[[HttpRequest], Awaitable[HttpResponseBase]], self.get_response)
        if not isinstance(answer, ErrorResponse):
            return await get_response(request)
        if not _left_to_drf(request, route):
            return respond(answer)
        return _answered(request, await get_response(request), answer, route)


def _requirement() -> Requirement:
    """Enforcing, every request needs a token (the pass-through rule aside); annotating, none."""
    return ANY_TOKEN if get_settings().enforcing else OPTIONAL


def _left_to_drf(request: HttpRequest, route: _Route) -> bool:
    """Leave the refusal to the view if it is a DRF view that raises it (see module docstring)."""
    if route.drf_refuses:
        leave_refusal(request)
        return True
    return False


def _answered(
    request: HttpRequest, response: HttpResponseBase, answer: ErrorResponse, route: _Route
) -> HttpResponseBase:
    """The DRF view's answer to a request whose refusal it was left, unless it never raised
    that refusal: then the middleware's own (a refused request never gets a view's answer)."""
    if not unanswered_refusal(request):
        return response
    logger.warning(
        "DRF view %s answered %s without raising jwtguard's refusal (%s): refused by the "
        "middleware instead",
        route.name,
        response.status_code,
        answer.code,
    )
    return respond(answer)


class _Route:
    """The view the URLconf picks for a request, resolved at most once, and what it implies."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def view(self) -> Callable[..., Any] | None:
        try:
            match = resolve(self.request.path_info, getattr(self.request, "urlconf", None))
        except Resolver404:
            return None  # unknown paths are not exempt: no token, no 404 to probe routes with
        return match.func

    @property
    def name(self) -> str:
        """The DRF view's class, dotted, for the operator."""
        cls = getattr(self.view, "cls", object)
        return f"{cls.__module__}.{cls.__qualname__}"

    #: Django runs a view for every request, ``OPTIONS`` included.
    answered_without_view = False

    @property
    def exempt(self) -> bool:
        """Whether the view is marked ``@jwt_exempt``."""
        view = self.view
        return bool(
            getattr(view, "jwt_exempt", False)
            or getattr(getattr(view, "view_class", None), "jwt_exempt", False)
        )

    @property
    def drf_refuses(self) -> bool:
        """Whether the view is a DRF view whose ``JWTAuthentication`` raises a refusal left to
        it (:func:`jwtguard_django.drf.raises_left_refusals`)."""
        if self.view is None or sys.modules.get("rest_framework") is None:
            return False  # DRF is optional, and any DRF view has imported it
        from .drf import raises_left_refusals  # noqa: PLC0415 - DRF is optional

        return raises_left_refusals(self.view)

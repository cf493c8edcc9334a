"""A URLconf for the preset tests (:mod:`tests.presets`): a plain view behind the middleware
(sync and async), and each view of :data:`~tests.presets.VIEWS` as ``@jwt_required`` (sync and
async) and as DRF's ``HasScopes`` + ``HasRoles``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jwtguard_django import get_token
from jwtguard_django.decorators import jwt_required
from jwtguard_django.drf import HasRoles, HasScopes
from tests.presets import VIEWS
from tests.roles import View, granted


def plain(request: HttpRequest) -> JsonResponse:
    """No requirement of its own: the middleware alone decides."""
    return JsonResponse(granted(get_token(request)))


async def async_plain(request: HttpRequest) -> JsonResponse:
    return JsonResponse(granted(get_token(request)))


def decorated(view: View, *, is_async: bool) -> Any:
    if is_async:

        @jwt_required(**view.kwargs())
        async def async_view(request: HttpRequest) -> JsonResponse:
            return JsonResponse(granted(get_token(request)))

        return async_view

    @jwt_required(**view.kwargs())
    def sync_view(request: HttpRequest) -> JsonResponse:
        return JsonResponse(granted(get_token(request)))

    return sync_view


class PresetView(APIView):
    """DRF: the scopes of ``HasScopes`` and the roles of ``HasRoles``."""

    permission_classes = (HasScopes, HasRoles)
    required_scopes: tuple[str, ...] = ()
    required_roles: tuple[str, ...] = ()

    def get(self, request: Request) -> Response:
        return Response({**granted(request.auth), "auth": request.auth is get_token(request)})


urlpatterns = [path("presets/plain/", plain), path("presets/async-plain/", async_plain)]
for _name, _view in VIEWS.items():
    drf = PresetView.as_view(required_scopes=_view.scopes, required_roles=_view.roles)
    urlpatterns += [
        path(f"presets/sync/{_name}/", decorated(_view, is_async=False)),
        path(f"presets/async/{_name}/", decorated(_view, is_async=True)),
        path(f"presets/drf/{_name}/", drf),
    ]

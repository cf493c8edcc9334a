"""A URLconf for the role tests (:mod:`tests.roles`): each view of :data:`~tests.roles.VIEWS` as
``@jwt_required`` (sync and async) and, where DRF can declare it, as ``HasScopes`` +
``HasRoles``; plus the contract's own URLs."""

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
from tests.django.urls import urlpatterns as contract_urlpatterns
from tests.roles import VIEWS, View, granted


def answer(request: HttpRequest) -> dict[str, Any]:
    return granted(get_token(request))


def decorated(view: View, *, is_async: bool) -> Any:
    if is_async:

        @jwt_required(**view.kwargs())
        async def async_view(request: HttpRequest) -> JsonResponse:
            return JsonResponse(answer(request))

        return async_view

    @jwt_required(**view.kwargs())
    def sync_view(request: HttpRequest) -> JsonResponse:
        return JsonResponse(answer(request))

    return sync_view


class RolesView(APIView):
    """DRF: the scopes of ``HasScopes`` and the roles of ``HasRoles``, both checked."""

    permission_classes = (HasScopes, HasRoles)
    required_scopes: tuple[str, ...] = ()
    required_roles: tuple[str, ...] = ()

    def get(self, request: Request) -> Response:
        return Response({**answer(request), "auth": request.auth is get_token(request)})


class PerMethodView(APIView):
    """``read_roles`` for GET, ``write_roles`` for POST; a string is one role."""

    permission_classes = (HasRoles,)
    required_roles = "Notes Reader"
    write_roles = ("Notes.Write",)

    def get(self, request: Request) -> Response:
        return Response(answer(request))

    def post(self, request: Request) -> Response:
        return Response(answer(request), status=201)


urlpatterns = [*contract_urlpatterns, path("roles/per-method/", PerMethodView.as_view())]
for _name, _view in VIEWS.items():
    urlpatterns += [
        path(f"roles/sync/{_name}/", decorated(_view, is_async=False)),
        path(f"roles/async/{_name}/", decorated(_view, is_async=True)),
    ]
    if _view.drf:
        drf = RolesView.as_view(required_scopes=_view.scopes, required_roles=_view.roles)
        urlpatterns.append(path(f"roles/drf/{_name}/", drf))

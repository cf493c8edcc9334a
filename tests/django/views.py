"""Views the Django tests call: plain (sync and async), decorated, exempt, and DRF."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views import View
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jwtguard_django import get_token
from jwtguard_django.decorators import jwt_exempt, jwt_required
from jwtguard_django.drf import HasScopes


def describe(request: HttpRequest) -> dict[str, object]:
    """What a view learns from jwtguard, for the tests to compare."""
    token = get_token(request)
    user = getattr(request, "user", None)
    return {
        "sub": token.subject if token is not None else None,
        "scopes": sorted(token.scopes) if token is not None else None,
        "user": user.get_username() if user is not None and user.is_authenticated else None,
        "user_type": type(user).__name__,
    }


def plain(request: HttpRequest) -> JsonResponse:
    return JsonResponse(describe(request))


async def async_plain(request: HttpRequest) -> JsonResponse:
    return JsonResponse(describe(request))


@jwt_exempt
def exempt(request: HttpRequest) -> JsonResponse:
    return JsonResponse(describe(request))


@jwt_exempt
class ExemptClassView(View):
    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse(describe(request))


def decorated(scopes: tuple[str, ...], any_of: tuple[str, ...] = (), *, is_async: bool) -> object:
    """A view requiring ``scopes`` (and one of ``any_of``) through ``@jwt_required``."""
    if is_async:

        @jwt_required(scopes=scopes, any_of=any_of)
        async def async_view(request: HttpRequest) -> JsonResponse:
            return JsonResponse(describe(request))

        return async_view

    @jwt_required(scopes=scopes, any_of=any_of)
    def view(request: HttpRequest) -> JsonResponse:
        return JsonResponse(describe(request))

    return view


@jwt_required
def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse(describe(request))


def subject(request: HttpRequest) -> JsonResponse:
    token = get_token(request)
    return JsonResponse({"sub": token.subject if token is not None else None})


optional = jwt_required(optional=True)(subject)
optional_exempt = jwt_exempt(jwt_required(optional=True)(subject))


class ScopedView(APIView):
    """DRF: JWTAuthentication and HasScopes (the test settings' defaults)."""

    required_scopes: tuple[str, ...] = ()

    def get(self, request: Request) -> Response:
        return Response({**describe(request), "auth": request.auth is get_token(request)})


class NotesView(APIView):
    permission_classes = (HasScopes,)
    read_scopes = ("notes:read",)
    write_scopes = "notes:write"

    def get(self, request: Request) -> Response:
        return Response({"notes": [], **describe(request)})

    def post(self, request: Request) -> Response:
        return Response({"created": True, "text": request.data.get("text")}, status=201)


class AuthenticatedView(APIView):
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        return Response(describe(request))


class OpenView(APIView):
    permission_classes = (AllowAny,)

    def get(self, request: Request) -> Response:
        return Response(describe(request))


@jwt_exempt
class ExemptOpenView(OpenView):
    """DRF, open to requests without a token even under an enforcing middleware."""


#: What the side-effecting views below did (the tests check that a refused request did nothing).
CALLS: list[str] = []


def export(request: HttpRequest) -> JsonResponse:
    """A plain view protected only by the middleware, handing out data."""
    CALLS.append(f"export {request.method}")
    return JsonResponse({"data": "everyone's notes", **describe(request)})


@jwt_required(scopes=["admin"])
def delete_all(request: HttpRequest) -> JsonResponse:
    """A decorated view that changes state whatever the method (as careless views do)."""
    CALLS.append(f"delete_all {request.method}")
    return JsonResponse({"deleted": True, **describe(request)})


@jwt_required(scopes=["admin"])
async def async_delete_all(request: HttpRequest) -> JsonResponse:
    CALLS.append(f"async_delete_all {request.method}")
    return JsonResponse({"deleted": True, **describe(request)})


def plain_post(request: HttpRequest) -> JsonResponse:
    """A plain view under the middleware that accepts POSTs (CSRF-protected by Django)."""
    CALLS.append(f"plain_post {request.method}")
    return JsonResponse(describe(request))


@jwt_required(scopes=["notes:write"])
def decorated_post(request: HttpRequest) -> JsonResponse:
    CALLS.append(f"decorated_post {request.method}")
    return JsonResponse(describe(request))


class WriteView(APIView):
    """DRF: JWTAuthentication + HasScopes, writing."""

    permission_classes = (HasScopes,)
    write_scopes = ("notes:write",)

    def post(self, request: Request) -> Response:
        CALLS.append(f"drf_write {request.method}")
        return Response(describe(request), status=201)


class LazyView(APIView):
    """DRF with lazy authentication (DRF's documented pattern): nothing authenticates before
    the handler runs, so the middleware must answer a bad token itself."""

    permission_classes = (AllowAny,)

    def perform_authentication(self, request: Request) -> None:
        pass

    def get(self, request: Request) -> Response:
        CALLS.append("lazy")
        return Response({"ran": True})


class SessionOnlyView(APIView):
    """DRF without JWTAuthentication: the middleware answers bad tokens itself."""

    authentication_classes = (SessionAuthentication,)
    permission_classes = (AllowAny,)

    def get(self, request: Request) -> Response:
        CALLS.append("session_only")
        return Response({"ran": True})

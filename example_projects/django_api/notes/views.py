"""The notes API: DRF views guarded by JWTAuthentication + HasScopes, and one plain view."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jwtguard import AccessToken
from jwtguard_django import get_token
from jwtguard_django.decorators import jwt_exempt, jwt_required

from .store import notes


def whoami(token: AccessToken) -> dict[str, Any]:
    return {"sub": token.subject, "scopes": sorted(token.scopes), "iss": token.issuer}


@jwt_exempt
def health(request: HttpRequest) -> JsonResponse:
    """Public: the middleware lets it through without a token."""
    return JsonResponse({"status": "ok"})


class MeSerializer(serializers.Serializer[dict[str, Any]]):
    sub = serializers.CharField(allow_null=True)
    scopes = serializers.ListField(child=serializers.CharField())
    iss = serializers.CharField(allow_null=True)


class MeView(APIView):
    """Any valid token (HasScopes without required scopes)."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(whoami(request.auth))


class NoteSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(max_length=1000)
    author = serializers.CharField(read_only=True, allow_null=True)


class NotesView(APIView):
    """``notes:read`` to list, ``notes:write`` to add."""

    read_scopes = ("notes:read",)
    write_scopes = ("notes:write",)

    @extend_schema(responses=NoteSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(notes.all())

    @extend_schema(request=NoteSerializer, responses={201: NoteSerializer})
    def post(self, request: Request) -> Response:
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = notes.add(serializer.validated_data["text"], author=request.auth.subject)
        return Response(note, status=201)


@jwt_required
def plain_me(request: HttpRequest) -> JsonResponse:
    """A plain Django view: the middleware validated the token, the decorator requires it."""
    token = get_token(request)
    if token is None:  # cannot happen behind @jwt_required; tells type checkers so
        raise PermissionDenied
    return JsonResponse(whoami(token))

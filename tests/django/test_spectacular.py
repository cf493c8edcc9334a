"""drf-spectacular: JWTAuthentication's schemes, HasScopes' scopes per operation, the 401/403s.

Schemas are generated in process by drf-spectacular's own ``SchemaGenerator`` over the views
below, with the contract's ``JWTGUARD`` setting (tokens in the header or the query string).
The example project's schema, ``manage.py spectacular --validate`` and the automatic
registration are tested in tests/e2e/test_django_openapi.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.test import override_settings
from django.urls import path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from openapi_spec_validator import validate
from rest_framework.authentication import BasicAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jwtguard import GuardConfig, InsufficientScope, render_error
from jwtguard_django.drf import HasScopes, JWTAuthentication, drf_document
from jwtguard_django.spectacular import AutoSchema
from tests.contract import ISSUER, REALM, SETTINGS

OBJECT = extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
OIDC = "openIdConnect"


@OBJECT  # on the class: it then extends the class's schema, jwtguard's
class Notes(APIView):
    schema = AutoSchema()
    permission_classes = (HasScopes,)
    required_scopes = "notes"
    read_scopes = ("notes:read",)
    write_scopes = "notes:write notes:audit"

    def get(self, request: Request) -> Response:
        return Response({})

    def post(self, request: Request) -> Response:
        return Response({})

    def delete(self, request: Request) -> Response:
        return Response({})


@OBJECT
class Open(APIView):
    schema = AutoSchema()
    permission_classes = (AllowAny,)

    def get(self, request: Request) -> Response:
        return Response({})


@OBJECT
class Authenticated(APIView):
    schema = AutoSchema()
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        return Response({})


class OwnAuthentication(JWTAuthentication):
    """A project's subclass: still jwtguard's schemes (in an API that does not also list
    JWTAuthentication itself: drf-spectacular refuses one scheme name for two classes)."""


@extend_schema(
    responses={200: OpenApiTypes.OBJECT, 401: OpenApiResponse(description="Log in first")}
)
class Documented(APIView):
    schema = AutoSchema()
    authentication_classes = (OwnAuthentication,)
    permission_classes = (HasScopes,)
    required_scopes = ("admin",)

    def get(self, request: Request) -> Response:
        return Response({})


@OBJECT
class NotOurs(APIView):
    schema = AutoSchema()
    authentication_classes = (BasicAuthentication,)
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        return Response({})


PATTERNS = [
    path("notes", Notes.as_view()),
    path("open", Open.as_view()),
    path("authenticated", Authenticated.as_view()),
    path("basic", NotOurs.as_view()),
]


def generate(patterns: list[Any] = PATTERNS) -> dict[str, Any]:
    """The schema of ``patterns``, validated; drf-spectacular must not have complained."""
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    document: dict[str, Any] = json.loads(json.dumps(schema))
    validate(document)
    assert not GENERATOR_STATS, (GENERATOR_STATS._warn_cache, GENERATOR_STATS._error_cache)
    return document


def operation(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    found: dict[str, Any] = document["paths"][path][method]
    return found


def test_schemes_follow_the_jwtguard_setting() -> None:
    schemes = generate()["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes["tokenQuery"] == {"type": "apiKey", "in": "query", "name": "access_token"}
    assert schemes[OIDC]["openIdConnectUrl"] == f"{ISSUER}.well-known/openid-configuration"
    assert "basicAuth" in schemes  # drf-spectacular's own, for the Basic view


@pytest.mark.parametrize(
    ("method", "scopes"),
    [
        ("get", ["notes", "notes:read"]),
        ("post", ["notes", "notes:write", "notes:audit"]),
        ("delete", ["notes", "notes:write", "notes:audit"]),
    ],
)
def test_each_operation_lists_the_scopes_has_scopes_requires(
    method: str, scopes: list[str]
) -> None:
    notes = operation(generate(), "/notes", method)
    assert notes["security"] == [
        {"bearerAuth": [], OIDC: scopes},
        {"tokenQuery": [], OIDC: scopes},
    ]
    forbidden = notes["responses"]["403"]
    challenge = forbidden["headers"]["WWW-Authenticate"]["example"]
    assert challenge.endswith(f'scope="{" ".join(scopes)}"')
    assert challenge.startswith(f'Bearer realm="{REALM}"')
    example = forbidden["content"]["application/json"]["examples"]["insufficient_scope"]["value"]
    config = GuardConfig.from_mapping(SETTINGS | {"SECRET": "s" * 32, "ALGORITHMS": ["HS256"]})
    assert example == drf_document(render_error(InsufficientScope(scopes), config))


def test_refusals_are_described_with_drf_body() -> None:
    document = generate()
    body = document["components"]["schemas"]["BearerError"]
    assert body["required"] == ["error", "error_description", "code", "detail"]
    unauthorized = operation(document, "/notes", "get")["responses"]["401"]
    content = unauthorized["content"]["application/json"]
    assert content["schema"] == {"$ref": "#/components/schemas/BearerError"}
    assert content["examples"]["token_missing"]["value"] == {
        "error": "unauthorized",
        "error_description": "An access token is required",
        "code": "token_missing",
        "detail": "An access token is required",
    }


def test_an_allow_any_view_takes_a_token_optionally() -> None:
    opened = operation(generate(), "/open", "get")
    assert opened["security"][-1] == {}
    assert list(opened["responses"]) == ["200", "401"]  # a bad token is still refused
    assert "without one is served" in opened["responses"]["401"]["description"]


def test_without_has_scopes_any_valid_token_will_do() -> None:
    authenticated = operation(generate(), "/authenticated", "get")
    assert authenticated["security"] == [
        {"bearerAuth": [], OIDC: []},
        {"tokenQuery": [], OIDC: []},
    ]
    assert list(authenticated["responses"]) == ["200", "401"]


def test_a_subclass_is_described_and_a_documented_response_is_kept() -> None:
    documented = operation(
        generate([path("documented", Documented.as_view())]), "/documented", "get"
    )
    assert documented["security"][0] == {"bearerAuth": [], OIDC: ["admin"]}
    assert documented["responses"]["401"] == {"description": "Log in first"}
    assert "403" in documented["responses"]


def test_views_jwtguard_does_not_authenticate_are_left_alone() -> None:
    basic = operation(generate(), "/basic", "get")
    assert basic["security"] == [{"basicAuth": []}]
    assert list(basic["responses"]) == ["200"]


def test_without_an_issuer_the_schema_has_the_bearer_scheme_only(
    jwtguard_setting: dict[str, object],
) -> None:
    setting = {key: value for key, value in jwtguard_setting.items() if key != "ISSUER"}
    with override_settings(JWTGUARD=setting | {"TOKEN_LOCATIONS": ["header"]}):
        document = generate()
    assert sorted(document["components"]["securitySchemes"]) == ["basicAuth", "bearerAuth"]
    notes = operation(document, "/notes", "get")
    assert notes["security"] == [{"bearerAuth": []}]
    assert "notes:read" in notes["responses"]["403"]["description"]  # the scopes, in words


def test_the_extension_is_not_imported_unless_drf_spectacular_is_an_installed_app() -> None:
    """tests.django.settings lists rest_framework and jwtguard_django, not drf_spectacular."""
    code = (
        "import sys, django\n"
        "django.setup()\n"
        "import jwtguard_django.drf\n"
        "loaded = {'drf_spectacular', 'jwtguard_django.spectacular'} & set(sys.modules)\n"
        "assert 'jwtguard_django.apps' in sys.modules and not loaded, loaded\n"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "tests.django.settings"}
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env
    )
    assert completed.returncode == 0, completed.stderr

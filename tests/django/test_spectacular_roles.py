"""drf-spectacular with ``HasRoles``: the roles stay out of the security requirement (they are
no OAuth scopes) and the 403 is the core's ``insufficient_role`` answer, naming them."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jwtguard import GuardConfig, InsufficientRole, render_error
from jwtguard_django.drf import HasRoles, HasScopes, drf_document
from jwtguard_django.spectacular import AutoSchema
from tests.contract import SETTINGS
from tests.django.test_spectacular import OIDC, generate, operation


@extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
class Admin(APIView):
    schema = AutoSchema()
    permission_classes = (HasScopes, HasRoles)
    required_scopes = "notes:read"
    required_roles = "Notes Admin"
    write_roles = ("Notes.Write",)

    def get(self, request: Request) -> Response:
        return Response({})

    def post(self, request: Request) -> Response:
        return Response({})


@extend_schema(request=OpenApiTypes.OBJECT, responses=OpenApiTypes.OBJECT)
class RolesOnly(APIView):
    schema = AutoSchema()
    permission_classes = (HasRoles,)
    required_scopes = "ignored: no HasScopes"
    required_roles = ("auditor",)

    def get(self, request: Request) -> Response:
        return Response({})


def test_has_roles_documents_a_403_and_no_scopes() -> None:
    document = generate([path("admin", Admin.as_view()), path("audit", RolesOnly.as_view())])
    get = operation(document, "/admin", "get")
    assert get["security"][0] == {"bearerAuth": [], OIDC: ["notes:read"]}
    forbidden = get["responses"]["403"]
    assert forbidden["description"].endswith(
        "the token lacks a required role (all of: Notes Admin)"
    )
    examples = forbidden["content"]["application/json"]["examples"]
    config = GuardConfig.from_mapping(SETTINGS | {"SECRET": "s" * 32, "ALGORITHMS": ["HS256"]})
    expected = drf_document(render_error(InsufficientRole(), config))
    assert examples["insufficient_role"]["value"] == expected
    post = operation(document, "/admin", "post")["responses"]["403"]
    assert post["description"].endswith("(all of: Notes Admin, Notes.Write)")
    audit = operation(document, "/audit", "get")
    assert audit["security"][0] == {"bearerAuth": [], OIDC: []}
    assert list(audit["responses"]["403"]["content"]["application/json"]["examples"]) == [
        "insufficient_role"
    ]

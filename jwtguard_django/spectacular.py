"""drf-spectacular: the security schemes of :class:`~jwtguard_django.drf.JWTAuthentication`, each
operation's scopes, and jwtguard's 401/403 answers.

drf-spectacular finds authentication extensions by import: the app imports this module in its
``ready()`` when ``"drf_spectacular"`` is in ``INSTALLED_APPS``, and never otherwise.
:class:`JWTAuthenticationScheme` then describes the token (an HTTP ``bearer`` scheme with
``bearerFormat: JWT``, or the configured locations) and, when the issuer is known, an
``openIdConnect`` scheme that lists the scopes :class:`~jwtguard_django.drf.HasScopes` requires
for each operation (:mod:`jwtguard.openapi` decides the shapes); the roles
:class:`~jwtguard_django.drf.HasRoles` requires are named in the 403 response.

drf-spectacular lets no authentication class add responses, so the 401/403 answers come from
:class:`AutoSchema`: set ``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]`` to
``"jwtguard_django.spectacular.AutoSchema"`` (a project with its own ``AutoSchema`` subclass lists
both: ``class Schema(jwtguard_django.spectacular.AutoSchema, MyAutoSchema)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ComponentRegistry, ResolvedComponent

from jwtguard import GuardConfig
from jwtguard.adapters import (
    ERROR_SCHEMA,
    Requirement,
    ScopeCheck,
    error_responses,
    error_schema,
    security,
    security_schemes,
)

from .conf import get_settings
from .drf import (
    HasRoles,
    HasScopes,
    JWTAuthentication,
    drf_document,
    required_roles,
    required_scopes,
)

if TYPE_CHECKING:
    from rest_framework.views import APIView


def _config() -> GuardConfig:
    return get_settings().guard.config


def view_requirement(view: APIView, method: str) -> Requirement:
    """What ``view`` asks of a token for ``method``: :class:`HasScopes`' scopes and
    :class:`HasRoles`' roles, for the permissions it has."""
    permissions = view.get_permissions()
    scoped = any(isinstance(permission, HasScopes) for permission in permissions)
    roled = any(isinstance(permission, HasRoles) for permission in permissions)
    if not (scoped or roled):
        return Requirement()
    scopes = required_scopes(view, method) if scoped else ()
    roles = required_roles(view, method) if roled else ()
    return Requirement((ScopeCheck(scopes, roles=roles),))


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Describes :class:`~jwtguard_django.drf.JWTAuthentication` (and its subclasses)."""

    target_class = JWTAuthentication
    match_subclasses = True

    def __init__(self, target: Any) -> None:
        super().__init__(target)  # type: ignore[no-untyped-call]
        self.name = list(security_schemes(_config()))

    def get_security_definition(self, auto_schema: SpectacularAutoSchema) -> list[dict[str, Any]]:
        return list(security_schemes(_config()).values())

    def get_security_requirement(
        self, auto_schema: SpectacularAutoSchema
    ) -> list[dict[str, list[str]]]:
        return security(_config(), view_requirement(auto_schema.view, auto_schema.method))


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's ``AutoSchema``, plus jwtguard's 401/403 responses on the operations of
    views that :class:`~jwtguard_django.drf.JWTAuthentication` authenticates.

    A response the view documents itself (``@extend_schema(responses={401: ...})``) is kept.
    """

    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: ComponentRegistry,
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        authenticators = self.view.get_authenticators()
        if operation is None or not any(isinstance(a, JWTAuthentication) for a in authenticators):
            return operation
        config = _config()
        component = ResolvedComponent(  # type: ignore[no-untyped-call]
            name=ERROR_SCHEMA,
            type=ResolvedComponent.SCHEMA,
            object=ERROR_SCHEMA,
            schema=error_schema(config, drf_document),
        )
        registry.register_on_missing(component)
        requirement = view_requirement(self.view, self.method)
        optional = {} in operation.get("security", [])  # drf-spectacular's word: AllowAny...
        requirement = Requirement(requirement.checks, optional=optional)
        responses = error_responses(config, requirement, self.method, component.ref, drf_document)
        for status, response in responses.items():
            operation["responses"].setdefault(status, response)
        return operation

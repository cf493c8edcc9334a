"""The Django app: add ``"jwtguard_django"`` to ``INSTALLED_APPS`` for its system checks (and,
beside ``"drf_spectacular"``, for the OpenAPI description of :mod:`jwtguard_django.spectacular`)."""

from __future__ import annotations

from importlib import import_module

from django.apps import AppConfig, apps
from django.core.checks import Tags, register

from . import checks


class JWTGuardConfig(AppConfig):
    name = "jwtguard_django"
    label = "jwtguard"
    verbose_name = "jwtguard"

    def ready(self) -> None:
        register(Tags.security)(checks.check_settings)
        register(Tags.security)(checks.check_middleware)
        register(Tags.security)(checks.check_rest_framework)
        if apps.is_installed("drf_spectacular"):  # it finds extensions by import
            import_module(f"{self.name}.spectacular")

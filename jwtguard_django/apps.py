"""The Django app: add ``"jwtguard_django"`` to ``INSTALLED_APPS`` for its system checks."""

from __future__ import annotations

from django.apps import AppConfig
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

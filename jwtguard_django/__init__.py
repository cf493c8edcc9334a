"""Django and Django REST framework integration for jwtguard.

- ``jwtguard_django.middleware.JWTGuardMiddleware``: validates every request's token
- ``jwtguard_django.decorators.jwt_required`` / ``jwt_exempt``: per-view rules
- ``jwtguard_django.drf.JWTAuthentication`` / ``HasScopes``: Django REST framework
- :func:`get_token`: the request's validated :class:`~jwtguard.AccessToken`
"""

from __future__ import annotations

from .auth import get_token

__all__ = ["get_token"]

"""Django and Django REST framework integration for jwtguard.

- ``jwtguard_django.middleware.JWTGuardMiddleware``: validates every request's token
- ``jwtguard_django.decorators.jwt_required`` / ``jwt_exempt``: per-view rules
- ``jwtguard_django.drf.JWTAuthentication`` / ``HasScopes``: Django REST framework
- :func:`get_token`: the request's validated :class:`~jwtguard.AccessToken`
- :func:`get_revocations`: revoke tokens (``REVOCATION``); also ``manage.py jwtguard_revoke``
"""

from __future__ import annotations

from .auth import get_token
from .conf import get_revocations

__all__ = ["get_revocations", "get_token"]

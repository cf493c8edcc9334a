"""Flask integration for jwtguard: the ``JWTGuard`` extension, decorators and ``current_token``."""

from __future__ import annotations

from .decorators import jwt_exempt, jwt_required
from .extension import JWTGuard
from .globals import current_token, get_current_token
from .state import JWTGuardState, get_state
from .verify import verify_request

__all__ = [
    "JWTGuard",
    "JWTGuardState",
    "current_token",
    "get_current_token",
    "get_state",
    "jwt_exempt",
    "jwt_required",
    "verify_request",
]
